"""Every `voxpop` command is consistent: the database is `--database-url` everywhere (and
$VOXPOP_DATABASE_URL everywhere but the demo), option help is written the same way, and bad input is one
line on stderr, `error: ...` saying what to fix, exit code 2. Through the real CLI (a subprocess)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from tests.cli.test_cli_reading import voxpop

from voxpop.cli import _register, app


def _commands():
    import typer

    _register()
    group = typer.main.get_command(app)
    for name, cmd in group.commands.items():  # type: ignore[attr-defined]
        for sub_name, sub in getattr(cmd, "commands", {}).items():
            yield f"{name} {sub_name}", sub
        if not hasattr(cmd, "commands"):
            yield name, cmd


def test_every_database_option_is_database_url_with_the_same_variable():
    seen = []
    for name, cmd in _commands():
        for p in cmd.params:
            opts = getattr(p, "opts", [])
            if p.name in ("db", "database_url") and not getattr(p, "hidden", False):
                seen.append(name)
                assert opts == ["--database-url"], (name, opts)
                # the demo alone ignores $VOXPOP_DATABASE_URL: it adds an organiser whose password it prints
                assert p.envvar == (None if name == "demo" else "VOXPOP_DATABASE_URL"), name
            if getattr(p, "hidden", False):
                assert name == "demo" and opts == ["--db"], (name, opts)  # the deprecated alias, and no other
    assert {"serve", "worker", "db upgrade", "create-organiser", "export", "import", "demo"} <= set(seen)


def test_option_help_is_written_one_way():
    """Each option's help is a sentence: a capital letter first, a full stop (or closing bracket) last."""
    for name, cmd in _commands():
        for p in cmd.params:
            text = (getattr(p, "help", None) or "").strip()
            if not text or getattr(p, "hidden", False) or p.name == "help":
                continue
            assert text[0].isupper(), (name, p.name, text)
            assert text.endswith((".", ")", ".)")), (name, p.name, text)


@pytest.mark.parametrize("args, message", [
    (["serve", "--port", "x"], "error: Invalid value for '--port': Input should be a valid integer, unable to parse "
                               "string as an integer; see `voxpop serve --help`"),
    (["serve", "--bogus"], "error: No such option: --bogus"),
    (["export"], "error: Missing argument 'conversation_id'; see `voxpop export --help`"),
    (["nonsense"], "error: No such command 'nonsense'; see `voxpop --help`"),
    (["demo", "--participants", "5"], "error: Invalid value for '--participants': Input should be greater than or "
                                      "equal to 10; see `voxpop demo --help`"),
    (["serve", "--analysis", "bogus"], "error: --analysis (or $VOXPOP_BACKGROUND) must be process, thread or off, "
                                       "not 'bogus'"),
    (["import", ".", "--analysis", "bogus"], "error: --analysis must be now or later"),
    (["worker", "--once", "--database-url", "mysql://x/y"], "error: unsupported database URL 'mysql://x/y'"),
    (["db", "upgrade", "--database-url", "mysql://x/y"], "error: unsupported database URL 'mysql://x/y'"),
    (["export", "a", "out", "--database-url", "mysql://x/y"], "error: unsupported database URL 'mysql://x/y'"),
    (["listen", "missing.csv"], "error: missing.csv: no such file or folder"),
    (["listen", "--model", "bert", "x.csv"], "error: --model must be auto, minilm or tfidf (got 'bert')"),
    (["analyze", "missing.csv"], "error: missing.csv: file or folder not found"),
    (["simulate", "out", "--votes-per-participant", "lots"], "error: Invalid value for --votes-per-participant: "
                                                             "'lots' is not a range like 20..60"),
    (["config", "--json", "--markdown"], "error: give --json or --markdown, not both"),
])
def test_bad_input_is_one_line_and_exit_code_2(tmp_path, args, message):
    r = voxpop(tmp_path, *args)
    assert r.returncode == 2, (args, r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), (args, r.stderr)
    assert list(tmp_path.iterdir()) == []  # nothing created on the way


def test_no_arguments_still_shows_the_commands():
    r = subprocess.run([sys.executable, "-m", "voxpop.cli"], capture_output=True, text=True, timeout=60)
    assert "demo" in r.stdout + r.stderr and "export" in r.stdout + r.stderr


def test_serve_reads_the_background_setting_as_the_server_does(tmp_path):
    """`voxpop serve` took --analysis only: VOXPOP_BACKGROUND (docs/settings.md) was ignored by it."""
    import os

    env = {**os.environ, "VOXPOP_BACKGROUND": "sometimes", "PYTHONPATH": os.pathsep.join(sys.path)}
    r = subprocess.run([sys.executable, "-m", "voxpop.cli", "serve", "--port", "0"], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert r.stderr.strip() == "error: --analysis (or $VOXPOP_BACKGROUND) must be process, thread or off, not 'sometimes'"
