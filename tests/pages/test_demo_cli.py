"""`voxpop demo` (the README's main job, `./run demo`): builds, serves, checks itself, stops on time."""

from __future__ import annotations

import os
import subprocess
import sys

from typer.testing import CliRunner

from voxpop.cli import _register, app


def _run(*args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "voxpop.cli", "demo", *args], capture_output=True, text=True,
                          timeout=timeout, env=env)


def test_demo_help_explains_the_options():
    _register()
    res = CliRunner().invoke(app, ["demo", "--help"], env={"COLUMNS": "120"})
    assert res.exit_code == 0
    for option in ("--port", "--database-url", "--no-browser", "--exit-after-seconds", "--check", "--fresh"):
        assert option in res.stdout
    assert "--db " not in res.stdout  # the old name still works, but is no longer offered
    assert "What should our country do now?" in res.stdout


def test_demo_check_builds_serves_and_passes(tmp_path):
    db = tmp_path / "demo.db"
    res = _run("--database-url", f"sqlite:///{db}", "--port", "0", "--participants", "120", "--check")
    assert res.returncode == 0, res.stdout + res.stderr
    out = res.stdout
    assert "Participant page:  http://127.0.0.1:" in out and "Results page:" in out and "Organiser page:" in out
    assert "username organiser" in out and "password demo-organiser" in out
    assert "all pages answered" in out and "FAIL" not in out
    # every page it serves: public pages, organiser pages, places, listening, exports, and the links on them
    for page in ("results page", "organiser conversation", "moderation page", "organiser places page",
                 "listening page", "export votes.csv", "export analysis.json", "map layout (JSON)", "themes (JSON)",
                 "link /static/css/voxpop.css"):
        assert f"ok   {page}" in out, page
    assert "a map of 391 places on the results page" in out
    assert "ok   themes by place on the results page (" in out  # the testimony's themes on the map of places
    assert "testimonies -> " in out and "weighted by population" in out
    # the database it printed is the one to give the CLI: the export it suggests works as printed
    line = next(x for x in out.splitlines() if x.strip().startswith("Database:"))
    assert f"sqlite:///{db}" in line
    command = line.split("for the CLI: ", 1)[1].rstrip(")").split()
    assert command[:2] == ["voxpop", "export"] and "DIR" in command
    command[command.index("DIR")] = str(tmp_path / "archive")
    res = subprocess.run([sys.executable, "-m", "voxpop.cli", *command[1:]], capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "archive" / "manifest.json").is_file()
    # a second run reuses the database instead of rebuilding it, and --exit-after-seconds stops the server
    # (--db FILE, the option's old name, still names the same database, with a one-line notice)
    res = _run("--db", str(db), "--port", "0", "--no-browser", "--exit-after-seconds", "1")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "reusing the demo conversation" in res.stdout and "ready" in res.stdout
    assert res.stderr.strip() == f"note: --db is deprecated; use --database-url sqlite:///{db}"


def test_demo_refuses_a_busy_port(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        res = _run("--database-url", f"sqlite:///{tmp_path}/d.db", "--port", str(port), "--check", timeout=60)
    assert res.returncode == 2 and f"port {port} is in use" in res.stderr


def test_demo_database_options_fail_clearly(tmp_path):
    """Bad input is one line saying what to fix, exit code 2, and nothing is built."""
    cases = [(("--database-url", "sqlite:///a.db", "--db", "b.db"),
              "error: give the demo's database once, with --database-url sqlite:///FILE (--db FILE is its old name)"),
             (("--database-url", "mysql://x/y"), "error: --database-url: unsupported database URL 'mysql://x/y': "
              "use sqlite:///FILE or postgresql+psycopg://..."),
             (("--database-url", "sqlite://"), "error: the demo needs a database file or server"),
             (("--database-url", "postgresql://nobody@127.0.0.1:1/none", "--fresh"), "error: --fresh deletes the demo's SQLite file; a server "
              "database is not deleted: drop and create it yourself, or give another --database-url")]
    (tmp_path / "bad.db").write_bytes(b"not a database")
    cases.append((("--database-url", f"sqlite:///{tmp_path}/bad.db"),
                  f"error: cannot use {tmp_path}/bad.db as the demo database (file is not a database); give another "
                  "--database-url or use --fresh"))
    for args, message in cases:
        res = _run(*args, "--port", "0", "--check", timeout=60)
        assert res.returncode == 2, (args, res.stdout, res.stderr)
        assert len(res.stderr.strip().splitlines()) == 1 and res.stderr.startswith(message), (args, res.stderr)
    assert {p.name for p in tmp_path.iterdir()} <= {"bad.db", "bad.db.migrate-lock"}  # no a.db, b.db, ...
    assert (tmp_path / "bad.db").read_bytes() == b"not a database"


def test_demo_ignores_voxpop_database_url(tmp_path):
    """The demo adds an organiser whose password it prints: $VOXPOP_DATABASE_URL (a service's database) is not
    its default, ./voxpop-demo.db is. (Both are files that are not databases here, so it stops at once.)"""
    (tmp_path / "service.db").write_bytes(b"the service's")
    (tmp_path / "voxpop-demo.db").write_bytes(b"not a database")
    env = {**os.environ, "VOXPOP_DATABASE_URL": f"sqlite:///{tmp_path}/service.db", "OMP_NUM_THREADS": "1"}
    res = subprocess.run([sys.executable, "-m", "voxpop.cli", "demo", "--port", "0", "--check"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=60, env=env)
    assert res.returncode == 2
    assert res.stderr.startswith(f"error: cannot use {tmp_path}/voxpop-demo.db as the demo database"), res.stderr
    assert (tmp_path / "service.db").read_bytes() == b"the service's"


def test_demo_on_postgresql(pg_admin_url):
    """--database-url takes a PostgreSQL database as every other command does: built, served, checked, reused."""
    from tests.support import pgtemp

    url = pgtemp.create_database(pg_admin_url, prefix="voxpop_demo")
    res = _run("--database-url", url, "--port", "0", "--participants", "120", "--check")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "all pages answered" in res.stdout and "FAIL" not in res.stdout
    assert f"building the demo conversation in {url.rsplit('@', 1)[-1]} ..." in res.stdout
    line = next(x for x in res.stdout.splitlines() if x.strip().startswith("Database:"))
    assert line.split()[1] == url and f"--database-url {url})" in line
    res = _run("--database-url", url, "--port", "0", "--no-browser", "--exit-after-seconds", "1")
    assert res.returncode == 0 and "reusing the demo conversation" in res.stdout, res.stdout + res.stderr
    assert "--fresh" not in res.stdout  # which rebuilds a SQLite file only
