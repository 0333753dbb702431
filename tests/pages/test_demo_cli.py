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
    for option in ("--port", "--db", "--no-browser", "--exit-after-seconds", "--check", "--fresh"):
        assert option in res.stdout
    assert "What should our country do now?" in res.stdout


def test_demo_check_builds_serves_and_passes(tmp_path):
    db = tmp_path / "demo.db"
    res = _run("--db", str(db), "--port", "0", "--participants", "120", "--check")
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
    res = _run("--db", str(db), "--port", "0", "--no-browser", "--exit-after-seconds", "1")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "reusing the demo conversation" in res.stdout and "ready" in res.stdout


def test_demo_refuses_a_busy_port(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        res = _run("--db", str(tmp_path / "d.db"), "--port", str(port), "--check", timeout=60)
    assert res.returncode == 2 and f"port {port} is in use" in res.stderr
