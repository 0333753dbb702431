"""voxpop demo: a populated conversation on a local server, in one command (`./run demo`)."""

from __future__ import annotations

import os
import threading
import time
import webbrowser
from pathlib import Path
from typing import Annotated

import typer

from voxpop.cli import app

DEFAULT_DB = Path("voxpop-demo.db")
DEFAULT_URL = f"sqlite:///{DEFAULT_DB}"


def _fail(message: str) -> typer.Exit:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(2)


def build_demo(db, *, participants: int, seed: int = 0, echo=print) -> str:
    """Create the organiser, the conversation, its statements and simulated votes; analyse it.

    Returns the conversation id. All writes go through the service layer (voxpop.store).
    """
    from voxpop import demo_content as D
    from voxpop.demo_places import place_participants
    from voxpop.places.io import read_places
    from voxpop.places.layout import referendum_places_path
    from voxpop.services import (
        accounts,
        conversation_text,
        conversations,
        statements,
        theme_publishing,
        translations,
    )
    from voxpop.services.analyses import run_analysis
    from voxpop.services.participants import get_or_create_participant
    from voxpop.services.votes import import_votes
    from voxpop.store.models import now_ms
    from voxpop.store.places import replace_places
    from voxpop.web.api.listen import save_themes

    t0 = time.perf_counter()
    with db.write() as s:
        org = accounts.create_organiser(s, D.ORGANISER_USERNAME, D.ORGANISER_PASSWORD)
        conv = conversations.create_conversation(s, topic=D.TITLE, description=D.DESCRIPTION, owner_id=org.id)
        cid, org_id = conv.id, org.id
        seeded = statements.add_statements(s, cid, [text for text, *_ in D.STATEMENTS])
        tids = [st.tid for st in seeded]
        translations.set_languages(s, conv, ["en", "cy"])  # Welsh readers get the statements in Welsh
        for tid, text_cy in zip(tids, D.STATEMENTS_CY, strict=True):
            translations.set_translation(s, conv, tid, "cy", text_cy)
        conversation_text.set_translation(s, conv, "cy", topic=D.TITLE_CY, description=D.DESCRIPTION_CY)
    part, stmt, vote, group = D.simulate_votes(participants, seed=seed)
    echo(f"  {len(D.STATEMENTS)} statements; simulating {participants} participants in "
         f"{len(D.GROUPS)} planted groups ({', '.join(g.label.lower() for g in D.GROUPS)}) ...")
    registry = read_places(referendum_places_path(), "eu-referendum-2016")
    where = place_participants(registry, group, seed=seed)
    with db.write() as s:
        replace_places(s, cid, registry)
        people = [get_or_create_participant(s, cid, xid=f"demo-{i}") for i in range(participants)]
        for p, place in zip(people, where, strict=True):
            p.place_id = place
        s.flush()
        pks = [p.id for p in people]
        t = now_ms() - 3_600_000  # the simulated votes arrived over the last hour, 50 ms apart
        n_votes = import_votes(s, cid, [(pks[p], tids[m], int(v), t + i * 50)
                                        for i, (p, m, v) in enumerate(zip(part, stmt, vote, strict=True))])
        # a few participants' own statements wait in the moderation queue
        for i, text in enumerate(D.PENDING_STATEMENTS):
            statements.add_statement(s, cid, text, participant_id=pks[i])
    n_places = len(set(where))
    echo(f"  {n_votes} votes stored from {n_places} of the UK's {int(registry.is_leaf.sum())} counting areas "
         "(weighted by population); analysing ...")
    doc = run_analysis(db, cid)
    meta = doc.get("meta", {})
    echo(f"  analysis: status {meta.get('status')}, {len(doc.get('groups') or [])} opinion groups "
         f"({time.perf_counter() - t0:.1f} s in all)")
    section = listen_demo(max_len=conv_max_len(db, cid))
    with db.write() as s:
        save_themes(s, cid, section)
        s.flush()
        # the demo's organiser has checked them: on the results page, as after "Publish" on the listening page
        theme_publishing.publish(s, cid, organiser_id=org_id)
    m = section["meta"]
    echo(f"  listening: {m['counts']['testimonies']} testimonies -> {len(section['themes'])} themes "
         f"({m['embedding']['model']} embeddings; {time.perf_counter() - t0:.1f} s in all)")
    return cid


def conv_max_len(db, cid: str) -> int:
    from voxpop.services.conversations import get_conversation

    with db.read() as s:
        return get_conversation(s, cid).statement_max_len


def listen_demo(*, max_len: int = 140) -> dict:
    """The demo testimony's themes: MiniLM (computed now, or shipped with the package), else TF-IDF."""
    from voxpop.demo_themes import demo_themes

    return demo_themes(max_len)


def find_demo(db) -> str | None:
    """The id of the demo conversation already in this database, if any."""
    from voxpop import demo_content as D
    from voxpop.services.conversations import list_conversations

    with db.read() as s:
        for conv in list_conversations(s):
            if conv.topic == D.TITLE:
                return conv.id
    return None


def welsh_title(db, cid: str) -> dict[str, str]:
    """Give the demo conversation its Welsh title and description when it has none (a demo database built by an
    earlier voxpop); returns its titles by language."""
    from voxpop import demo_content as D
    from voxpop.services import conversation_text
    from voxpop.services.conversations import get_conversation

    with db.write() as s:
        conv = get_conversation(s, cid)
        given = conversation_text.translations(s, conv)
        if "cy" not in given:
            given = {**given, "cy": conversation_text.set_translation(s, conv, "cy", topic=D.TITLE_CY,
                                                                      description=D.DESCRIPTION_CY)}
        return {code: t["topic"] for code, t in given.items() if t["topic"]}


def _can_open_browser() -> bool:
    import sys

    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


MAX_CHECKED = 400  # pages the check fetches at most (every link it finds, up to this many)
SKIP = ("/organiser/sign-out",)


def _seeds(cid: str, sid: str | None, place: str | None) -> list[tuple[str, str]]:
    """(name, path) of every page and JSON twin the demo serves, before following links."""
    c, api = f"/c/{cid}", f"/api/v1/conversations/{cid}"
    public = [("home page", "/"), ("participant page", c), ("embedded participant page", f"{c}/embed"),
              ("results page", f"{c}/results"), ("results through group A's eyes", f"{c}/results?group=A"),
              ("conversations (JSON)", "/api/v1/conversations"), ("conversation (JSON)", api),
              ("statements (JSON)", f"{api}/statements"), ("analysis (JSON)", f"{api}/analysis"),
              ("analysis status (JSON)", f"{api}/analysis/status"), ("places (JSON)", f"{api}/places"),
              ("places settings (JSON)", f"{api}/places/settings"), ("map layout (JSON)", f"{api}/places/layout"),
              ("place search (JSON)", f"{api}/places/search?q=leeds"), ("API docs", "/docs"),
              ("OpenAPI schema", "/openapi.json")]
    if sid:
        public.append(("results map coloured by a statement", f"{c}/results?colour={sid}"))
    org = [("organiser sign-in page", "/organiser/sign-in"), ("organiser home", "/organiser"), ("organiser conversation", f"/organiser/c/{cid}"),
           ("moderation page", f"/organiser/c/{cid}/moderate"), ("organiser places page", f"/organiser/c/{cid}/places"),
           ("listening page", f"/organiser/c/{cid}/listen"), ("moderation queue (JSON)", f"{api}/moderation"),
           ("themes (JSON)", f"{api}/listen/themes")]
    org += [(f"export {n}", f"{api}/exports/{n}") for n in
            ("comments.csv", "votes.csv", "participants-votes.csv", "summary.csv", "analysis.json")]
    if place:
        org += [("place link (JSON)", f"{api}/places/{place}/link"), ("place QR code", f"{api}/places/{place}/qr.svg")]
    return public + org


def _check(base: str, urls: dict[str, str]) -> list[str]:
    """Sign in as the demo organiser, fetch every page the demo serves and every same-site link found on
    them (pages, JSON twins, exports, styles, scripts), and list the problems: any answer but HTTP 200,
    and pages that lack what they must show (groups, common ground, the map of places, themes, themes by place)."""
    import re
    from urllib.parse import urljoin, urlsplit

    import httpx

    from voxpop import demo_content as D

    problems = []
    cid = urls["participant"].rstrip("/").rsplit("/", 1)[1]
    with httpx.Client(base_url=base, timeout=60, follow_redirects=False) as c:
        r = c.get("/organiser/sign-in")
        tok = r.text.split('name="csrf_token" value="', 1)[-1].split('"', 1)[0]
        r = c.post("/organiser/sign-in", data={"csrf_token": tok, "username": D.ORGANISER_USERNAME,
                                              "password": D.ORGANISER_PASSWORD, "next": "/organiser"})
        ok = r.status_code == 303
        typer.echo(f"  {'ok  ' if ok else 'FAIL'} organiser sign-in with the demo credentials")
        if not ok:
            problems.append("signing in with the demo organiser credentials failed")
        doc = c.get(f"/api/v1/conversations/{cid}/analysis").json()
        doc = doc.get("document", doc) if isinstance(doc, dict) else {}
        sids = [st["id"] for st in doc.get("statements") or [] if st.get("support")]
        places = [p["id"] for p in (doc.get("places") or {}).get("places") or [] if p.get("is_leaf")]
        must = {"/": D.TITLE, f"/c/{cid}": "Agree", f"/c/{cid}/results": "Common ground",
                f"/organiser/c/{cid}/listen": "theme"}
        queue = _seeds(cid, sids[0] if sids else None, places[0] if places else None)
        seen = {path for _, path in queue}
        checked = 0
        while queue and checked < MAX_CHECKED:
            name, path = queue.pop(0)
            r = c.get(path)
            checked += 1
            if r.status_code == 405 and "GET" not in r.headers.get("allow", "GET"):
                # a form page's JSON twin that only takes POST (e.g. /api/v1/imports): not a page to fetch
                typer.echo(f"  ok   {name}: POST only ({r.headers.get('allow')}) {path}")
                continue
            ok = r.status_code == 200
            want = must.get(path)
            if ok and want and want.lower() not in r.text.lower():
                ok = False
                problems.append(f"{name} ({path}) does not show {want!r}")
            elif not ok:
                problems.append(f"{name} ({path}) answered HTTP {r.status_code}")
            typer.echo(f"  {'ok  ' if ok else 'FAIL'} {name}: HTTP {r.status_code} {path}")
            if r.headers.get("content-type", "").startswith("text/html"):
                for link in re.findall(r'(?:href|src)="([^"#]+)', r.text):
                    u = urlsplit(urljoin(base + path, link.replace("&amp;", "&")))
                    target = u.path + (f"?{u.query}" if u.query else "")
                    if u.netloc == urlsplit(base).netloc and target not in seen and not target.startswith(SKIP):
                        seen.add(target)
                        queue.append((f"link {target}", target))
        results = c.get(f"/c/{cid}/results").text
        n_shapes = results.count('<a href="#place-map-row-')
        n_theme_shapes = results.count('<a href="#themes-map-row-')
        for ok, what in ((len(doc.get("groups") or []) >= 2, f"{len(doc.get('groups') or [])} opinion groups"),
                         (n_shapes >= 380, f"a map of {n_shapes} places on the results page"),
                         (n_theme_shapes >= 300, f"themes by place on the results page ({n_theme_shapes} shapes)"),
                         (bool(doc.get("common_ground")), f"{len(doc.get('common_ground') or [])} statements of "
                          "common ground")):
            typer.echo(f"  {'ok  ' if ok else 'FAIL'} {what}")
            if not ok:
                problems.append(f"expected more: {what}")
        typer.echo(f"  fetched {checked} pages and files ({len(queue)} left unfetched)")
        if queue:
            problems.append(f"{len(queue)} links were not fetched (more than {MAX_CHECKED})")
    return problems


def _demo_database(database_url: str | None, db: Path | None) -> tuple[str, Path | None]:
    """The demo's database URL (a SQLite file made absolute, so the printed URL works from any folder) and its
    SQLite file (None for a server). --db FILE, the option's old name, still works, with a notice."""
    from voxpop.store.db import resolve_url, sqlite_file

    if db is not None and database_url is not None:
        raise _fail("give the demo's database once, with --database-url sqlite:///FILE (--db FILE is its old name)")
    if db is not None:
        database_url = f"sqlite:///{db}"
        typer.echo(f"note: --db is deprecated; use --database-url {database_url}", err=True)
    try:
        url = resolve_url(database_url or DEFAULT_URL)
    except ValueError as e:
        raise _fail(f"--database-url: {e}") from None
    path = sqlite_file(url)
    if url.startswith("sqlite") and path is None:
        raise _fail("the demo needs a database file or server (its web server reads it from other threads): give "
                    "--database-url sqlite:///FILE or postgresql+psycopg://...")
    if path is not None:
        path = path.resolve()
        url = f"sqlite:///{path}"
    return url, path


@app.command()
def demo(
    database_url: Annotated[str | None, typer.Option(
        "--database-url", show_default=False,
        help=f"The demo's database: sqlite:///FILE (created if missing; default {DEFAULT_URL}) or "
             "postgresql+psycopg://... Unlike the other commands it does not read $VOXPOP_DATABASE_URL: the demo "
             "adds an organiser whose password it prints, never into your service's database by accident.")] = None,
    db: Annotated[Path | None, typer.Option("--db", hidden=True,
                                            help="Deprecated: --database-url sqlite:///FILE.")] = None,
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0 = any free port).")] = 8000,
    participants: Annotated[int, typer.Option(min=10, max=20000,
                                              help="Simulated participants voting in the demo.")] = 1500,
    fresh: Annotated[bool, typer.Option("--fresh", help="Delete the demo's SQLite file and build it again.")] = False,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Do not open a web browser.")] = False,
    exit_after_seconds: Annotated[float | None, typer.Option(
        help="Stop the server after this many seconds (for scripts and tests).")] = None,
    check: Annotated[bool, typer.Option(
        "--check", help="Start, fetch every page over HTTP, print the results and exit (0 = all well).")] = False,
    seed: Annotated[int, typer.Option(help="Random seed for the simulated votes.")] = 0,
) -> None:
    """Start a local voxpop with a populated demo conversation and print its addresses.

    The demo asks "What should our country do now?" after a national vote that split towns, coasts and the countryside from the big cities: 40 statements, 1,500 simulated participants in three planted opinion groups placed across the UK's 382 counting areas of 2016 (more from the cities, as online participation is), weighted by population and already analysed, with a map of places and 78 written testimonies already turned into themes, shown by place on the map too.

    It serves on http://127.0.0.1:PORT with the database --database-url names (default sqlite:///voxpop-demo.db, a SQLite file in this folder, reused on the next run; --fresh rebuilds it) and prints the participant, results and organiser addresses and the organiser's demo username and password. Stop it with Ctrl+C.

    \b
    Examples:
      voxpop demo                  # build once, serve on port 8000
      voxpop demo --port 0         # any free port
      voxpop demo --check          # fetch every page, exit 0 if all is well
      voxpop demo --fresh --participants 2000
      voxpop demo --database-url sqlite:///other-demo.db
    """
    import socket

    import uvicorn
    from sqlalchemy.engine import make_url

    from voxpop import demo_content as D
    from voxpop.errors import ServiceError
    from voxpop.store.db import Database
    from voxpop.web.app import create_app, uvicorn_config

    url, path = _demo_database(database_url, db)
    where = str(path) if path is not None else url.rsplit("@", 1)[-1]  # never a password
    if fresh and path is None:
        raise _fail("--fresh deletes the demo's SQLite file; a server database is not deleted: drop and create "
                    "it yourself, or give another --database-url")
    if fresh and path is not None:
        for suffix in ("", "-wal", "-shm", ".migrate-lock"):
            Path(str(path) + suffix).unlink(missing_ok=True)
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
    try:
        database = Database(url)
        database.upgrade()
        cid = find_demo(database)
    except Exception as e:  # a file that is not a voxpop database, a read-only folder, a server not there, ...
        reason = str(getattr(e, "orig", None) or e).strip().splitlines()[0]
        raise _fail(f"cannot use {where} as the demo database ({reason}); give another --database-url"
                    + (" or use --fresh" if path is not None else "")) from None
    if cid is None:
        typer.echo(f"voxpop demo: building the demo conversation in {where} ...")
        try:
            cid = build_demo(database, participants=participants, seed=seed, echo=typer.echo)
        except ServiceError as e:  # e.g. a database that has an organiser of the demo's name but not the demo
            raise _fail(f"cannot build the demo in {where} ({e.message}); give a new database with "
                        "--database-url") from None
    else:
        typer.echo(f"voxpop demo: reusing the demo conversation in {where}"
                   + (" (--fresh rebuilds it)" if path is not None else ""))
    titles = welsh_title(database, cid)  # a demo built before titles had translations gets its Welsh one
    database.dispose()

    base = f"http://127.0.0.1:{port}"
    urls = {"participant": f"{base}/c/{cid}", "results": f"{base}/c/{cid}/results",
            "organiser": f"{base}/organiser/sign-in?next=/organiser/c/{cid}"}
    application = create_app(url, background="thread")
    application.state.featured_conversations = [{"title": D.TITLE, "language": "en", "titles": titles,
                                                 "url": f"/c/{cid}"}]
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
    shown = make_url(url).render_as_string(hide_password=True)
    typer.echo(f"  Database:          {shown}   (for the CLI: voxpop export {cid} DIR --database-url {shown})")
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
