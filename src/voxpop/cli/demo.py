"""voxpop demo: a populated conversation on a local server, in one command (`./run demo`)."""

from __future__ import annotations

import threading
import time
import webbrowser
from pathlib import Path
from typing import Annotated

import typer

from voxpop.cli import app

DEFAULT_DB = Path("voxpop-demo.db")


def _fail(message: str) -> typer.Exit:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(2)


def build_demo(db, *, participants: int, seed: int = 0, echo=print) -> str:
    """Create the organiser, the conversation, its statements and simulated votes; analyse it.

    Returns the conversation id. All writes go through the service layer (voxpop.store).
    """
    from voxpop import demo_content as D
    from voxpop.store import accounts, conversations, statements
    from voxpop.store.analyses import run_analysis
    from voxpop.store.models import now_ms
    from voxpop.store.participants import get_or_create_participant
    from voxpop.store.votes import import_votes

    t0 = time.perf_counter()
    with db.write() as s:
        org = accounts.create_organiser(s, D.ORGANISER_USERNAME, D.ORGANISER_PASSWORD)
        conv = conversations.create_conversation(s, topic=D.TITLE, description=D.DESCRIPTION, owner_id=org.id)
        cid = conv.id
        seeded = statements.add_statements(s, cid, [text for text, *_ in D.STATEMENTS])
        tids = [st.tid for st in seeded]
    part, stmt, vote, _group = D.simulate_votes(participants, seed=seed)
    echo(f"  {len(D.STATEMENTS)} statements; simulating {participants} participants in "
         f"{len(D.GROUPS)} planted groups ({', '.join(g.label.lower() for g in D.GROUPS)}) ...")
    with db.write() as s:
        pks = [get_or_create_participant(s, cid, xid=f"demo-{i}").id for i in range(participants)]
        t = now_ms() - 3_600_000  # the simulated votes arrived over the last hour, 50 ms apart
        n_votes = import_votes(s, cid, [(pks[p], tids[m], int(v), t + i * 50)
                                        for i, (p, m, v) in enumerate(zip(part, stmt, vote, strict=True))])
        # a few participants' own statements wait in the moderation queue
        for i, text in enumerate(D.PENDING_STATEMENTS):
            statements.add_statement(s, cid, text, participant_id=pks[i])
    echo(f"  {n_votes} votes stored; analysing ...")
    doc = run_analysis(db, cid)
    meta = doc.get("meta", {})
    echo(f"  analysis: status {meta.get('status')}, {len(doc.get('groups') or [])} opinion groups "
         f"({time.perf_counter() - t0:.1f} s in all)")
    return cid


def find_demo(db) -> str | None:
    """The id of the demo conversation already in this database, if any."""
    from voxpop import demo_content as D
    from voxpop.store.conversations import list_conversations

    with db.read() as s:
        for conv in list_conversations(s):
            if conv.topic == D.TITLE:
                return conv.id
    return None


def _can_open_browser() -> bool:
    import os
    import sys

    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _check(base: str, urls: dict[str, str]) -> list[str]:
    """Fetch every page and its JSON twin over HTTP; a list of problems (empty when all is well)."""
    import httpx

    from voxpop import demo_content as D

    problems = []
    with httpx.Client(base_url=base, timeout=30, follow_redirects=False) as c:
        for name, url, must in (("home page", base + "/", D.TITLE),
                                ("participant page", urls["participant"], "Agree"),
                                ("results page", urls["results"], "opinion map"),
                                ("organiser sign-in", urls["organiser"], "Sign in")):
            r = c.get(url)
            ok = r.status_code == 200 and must.lower() in r.text.lower()
            typer.echo(f"  {'ok  ' if ok else 'FAIL'} {name}: HTTP {r.status_code} {url}")
            if not ok:
                problems.append(f"{name} ({url}) answered HTTP {r.status_code} without {must!r}")
        cid = urls["participant"].rstrip("/").rsplit("/", 1)[1]
        r = c.get(f"/api/v1/conversations/{cid}/analysis")
        groups = len(r.json().get("groups") or []) if r.status_code == 200 else 0
        ok = r.status_code == 200 and groups >= 2
        typer.echo(f"  {'ok  ' if ok else 'FAIL'} analysis JSON: HTTP {r.status_code}, {groups} groups")
        if not ok:
            problems.append(f"the analysis has {groups} opinion groups (HTTP {r.status_code}); expected 2 or more")
        r = c.get("/organiser/sign-in")
        tok = r.text.split('name="csrf_token" value="', 1)[-1].split('"', 1)[0]
        r = c.post("/organiser/sign-in", data={"csrf_token": tok, "username": D.ORGANISER_USERNAME,
                                              "password": D.ORGANISER_PASSWORD, "next": "/organiser"})
        ok = r.status_code == 303 and c.get("/organiser").status_code == 200
        typer.echo(f"  {'ok  ' if ok else 'FAIL'} organiser sign-in with the demo credentials")
        if not ok:
            problems.append("signing in with the demo organiser credentials failed")
    return problems


@app.command()
def demo(
    db: Annotated[Path, typer.Option("--db", help="SQLite file for the demo (created if missing)")] = DEFAULT_DB,
    port: Annotated[int, typer.Option(help="port on 127.0.0.1 (0 = any free port)")] = 8000,
    participants: Annotated[int, typer.Option(min=10, max=20000,
                                              help="simulated participants voting in the demo")] = 600,
    fresh: Annotated[bool, typer.Option("--fresh", help="delete the demo database and build it again")] = False,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="do not open a web browser")] = False,
    exit_after_seconds: Annotated[float | None, typer.Option(
        help="stop the server after this many seconds (for scripts and tests)")] = None,
    check: Annotated[bool, typer.Option(
        "--check", help="start, fetch every page over HTTP, print the results and exit (0 = all well)")] = False,
    seed: Annotated[int, typer.Option(help="random seed for the simulated votes")] = 0,
) -> None:
    """Start a local voxpop with a populated demo conversation and print its addresses.

    The demo asks "What should our country do now?" after a national vote that split towns, coasts and the countryside from the big cities: 40 statements, a few hundred simulated participants in three planted opinion groups, already analysed.

    It serves on http://127.0.0.1:PORT with SQLite (--db, default ./voxpop-demo.db, reused on the next run; --fresh rebuilds it) and prints the participant, results and organiser addresses and the organiser's demo username and password. Stop it with Ctrl+C.

    \b
    Examples:
      voxpop demo                  # build once, serve on port 8000
      voxpop demo --port 0         # any free port
      voxpop demo --check          # fetch every page, exit 0 if all is well
      voxpop demo --fresh --participants 2000
    """
    import socket

    import uvicorn

    from voxpop import demo_content as D
    from voxpop.store.db import Database
    from voxpop.web.app import create_app, uvicorn_config

    db = db.resolve()
    if fresh:
        for suffix in ("", "-wal", "-shm", ".migrate-lock"):
            Path(str(db) + suffix).unlink(missing_ok=True)
    if port == 0:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
    else:
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn: TIME_WAIT is no obstacle
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                raise _fail(f"port {port} is in use; choose another with --port N (or --port 0 for any)") from None
    url = f"sqlite:///{db}"
    try:
        database = Database(url)
        database.upgrade()
    except Exception as e:  # a file that is not a voxpop database, a read-only folder, ...
        raise _fail(f"cannot use {db} as the demo database ({e}); pass another --db or use --fresh") from None
    cid = find_demo(database)
    if cid is None:
        typer.echo(f"voxpop demo: building the demo conversation in {db} ...")
        cid = build_demo(database, participants=participants, seed=seed, echo=typer.echo)
    else:
        typer.echo(f"voxpop demo: reusing the demo conversation in {db} (--fresh rebuilds it)")
    database.dispose()

    base = f"http://127.0.0.1:{port}"
    urls = {"participant": f"{base}/c/{cid}", "results": f"{base}/c/{cid}/results",
            "organiser": f"{base}/organiser/sign-in?next=/organiser/c/{cid}"}
    application = create_app(url, background="thread")
    application.state.featured_conversations = [{"title": D.TITLE, "url": f"/c/{cid}"}]
    server = uvicorn.Server(uvicorn_config(application, host="127.0.0.1", port=port, access_log=False,
                                           log_level="warning", timeout_graceful_shutdown=3))
    thread = threading.Thread(target=server.run, name="voxpop-demo-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    if not server.started:
        server.should_exit = True
        raise _fail(f"the server did not start on port {port}")

    typer.echo("")
    typer.secho(f"  {D.TITLE}", bold=True)
    typer.echo(f"  Participant page:  {urls['participant']}")
    typer.echo(f"  Results page:      {urls['results']}")
    typer.echo(f"  Organiser page:    {urls['organiser']}")
    typer.echo(f"  Organiser sign-in: username {D.ORGANISER_USERNAME}   password {D.ORGANISER_PASSWORD}")
    typer.echo(f"  JSON API:          {base}/api/v1/conversations/{cid}   (docs: {base}/docs)")
    typer.echo("")
    code = 0
    try:
        if check:
            problems = _check(base, urls)
            for p in problems:
                typer.secho(f"problem: {p}", fg=typer.colors.RED, err=True)
            code = 1 if problems else 0
            typer.echo("voxpop demo --check: " + ("all pages answered" if not problems else "FAILED"))
        else:
            typer.echo("voxpop demo: ready. Press Ctrl+C to stop.")
            if not no_browser and _can_open_browser():
                webbrowser.open(urls["participant"])
            stop_at = time.monotonic() + exit_after_seconds if exit_after_seconds else None
            while thread.is_alive() and (stop_at is None or time.monotonic() < stop_at):
                time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    raise typer.Exit(code)
