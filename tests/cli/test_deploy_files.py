"""deploy/: the docker-compose file parses, and every command it and the Procfile run is a voxpop command whose
options voxpop accepts (parsed by the CLI itself, not run); the settings they set exist; docs/deploy.md points
at them. (No docker here: the images themselves are not built.)"""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
import typer
import yaml

from voxpop.cli import _register, app
from voxpop.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def _parse_voxpop(argv: list[str]) -> str:
    """Parse a `voxpop ...` command line the way the CLI would (click raises on an unknown command or option)."""
    assert argv[0] == "voxpop", argv
    _register()
    group = typer.main.get_command(app)
    root = group.make_context("voxpop", list(argv[1:]), resilient_parsing=False)
    name = argv[1]
    cmd = group.get_command(root, name)
    assert cmd is not None, f"`voxpop {name}` is not a voxpop command"
    cmd.make_context(name, list(argv[2:]), parent=root)  # raises click's UsageError on a bad option or value
    return name


def _compose() -> dict:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


def test_compose_file_parses_and_runs_real_commands():
    spec = _compose()
    services = spec["services"]
    assert {"db", "web", "worker", "caddy"} <= set(services)
    ran = {name: _parse_voxpop(svc["command"]) for name, svc in services.items()
           if svc.get("command") and svc["command"][0] == "voxpop"}
    assert ran == {"web": "serve", "worker": "worker"}
    assert "--workers" in services["web"]["command"] and "--analysis" in services["web"]["command"]
    known = {Settings().env_name(f) for f in Settings.model_fields}
    for name in ("web", "worker"):
        env = services[name]["environment"]
        assert set(env) <= known, set(env) - known
        assert env["VOXPOP_DATABASE_URL"].startswith("postgresql+psycopg://")
        assert services[name]["depends_on"]["db"]["condition"] == "service_healthy"
    assert (DEPLOY / "Caddyfile").exists() and (DEPLOY / "Dockerfile").exists()
    assert "reverse_proxy web:8000" in (DEPLOY / "Caddyfile").read_text()
    assert services["web"]["expose"] == ["8000"] and "ports" not in services["web"]  # only via the proxy


def test_procfile_lines_are_voxpop_commands():
    lines = [ln for ln in (DEPLOY / "Procfile").read_text().splitlines() if ln.strip()]
    kinds = {}
    for line in lines:
        kind, _, cmd = line.partition(":")
        kinds[kind] = _parse_voxpop(shlex.split(cmd))
    assert kinds == {"web": "serve", "worker": "worker"}


def _usage_error(e: BaseException) -> bool:
    return any(c.__name__ == "UsageError" for c in type(e).__mro__)  # typer vendors its own click


def test_a_bad_option_would_be_caught():
    with pytest.raises(Exception) as bad_option:
        _parse_voxpop(["voxpop", "serve", "--wrokers", "2"])
    assert _usage_error(bad_option.value)
    with pytest.raises(Exception) as bad_value:
        _parse_voxpop(["voxpop", "serve", "--workers", "many"])
    assert _usage_error(bad_value.value)
    with pytest.raises(AssertionError, match="not a voxpop command"):
        _parse_voxpop(["voxpop", "serv"])


def test_deploy_guide_names_the_files():
    text = (ROOT / "docs" / "deploy.md").read_text()
    assert "deploy/docker-compose.yml" in text and "deploy/Procfile" in text
