"""One settings object (voxpop.settings): every VOXPOP_* variable, its default and meaning, read from the
environment, printed by `voxpop config`, and listed in docs/settings.md (generated; stale = failure)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from voxpop.settings import Settings, SettingsError, load_settings, settings_markdown

ROOT = Path(__file__).resolve().parents[2]


def test_docs_settings_md_is_generated_from_the_fields():
    doc = ROOT / "docs" / "settings.md"
    assert doc.read_text() == settings_markdown(), "docs/settings.md is stale: run `voxpop config --markdown > docs/settings.md`"


def test_every_field_has_a_meaning_and_every_variable_read_in_src_is_a_field():
    for name, info in Settings.model_fields.items():
        assert info.description, f"{name} needs a description"
    import re
    known = {"VOXPOP_" + n.upper() for n in Settings.model_fields} | {"VOXPOP_PASSWORD", "VOXPOP_TEST_PG_ADMIN_URL"}
    for path in (ROOT / "src" / "voxpop").rglob("*.py"):
        if path.name == "settings.py":
            continue
        for var in re.findall(r"VOXPOP_[A-Z][A-Z0-9_]*[A-Z0-9]", path.read_text()):
            assert var in known, f"{path.relative_to(ROOT)} uses {var}, which voxpop.settings.Settings does not list"


def test_environment_is_read_each_time_and_words_are_accepted(monkeypatch):
    monkeypatch.setenv("VOXPOP_RATE_LIMITS", "off")
    monkeypatch.setenv("VOXPOP_SQLITE_SYNCHRONOUS", "full")
    monkeypatch.setenv("VOXPOP_EMBED_THREADS", "3")
    s = load_settings()
    assert s.rate_limits is False and s.sqlite_synchronous == "FULL" and s.embed_threads == 3
    monkeypatch.setenv("VOXPOP_RATE_LIMITS", "on")
    assert load_settings().rate_limits is True
    assert load_settings(rate_limits=False).rate_limits is False  # arguments win


def test_a_bad_value_names_the_variable(monkeypatch):
    monkeypatch.setenv("VOXPOP_BACKGROUND", "sometimes")
    with pytest.raises(SettingsError, match="VOXPOP_BACKGROUND='sometimes'"):
        load_settings()
    monkeypatch.setenv("VOXPOP_BACKGROUND", "off")
    monkeypatch.setenv("VOXPOP_STATEMENTS_BURST", "-1")
    with pytest.raises(SettingsError, match="VOXPOP_STATEMENTS_BURST"):
        load_settings()


def test_voxpop_config_prints_values_defaults_and_meanings(monkeypatch, tmp_path):
    env = {"PATH": "/usr/bin:/bin", "VOXPOP_DATABASE_URL": "postgresql+psycopg://me:hunter2@db/voxpop",
           "VOXPOP_SECRET_KEY": "s" * 40, "VOXPOP_WRITER_THREADS": "2", "PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run([sys.executable, "-m", "voxpop.cli", "config", "--json"], env=env, capture_output=True,
                         text=True, check=True, cwd=tmp_path).stdout
    rows = {r["variable"]: r for r in json.loads(out)}
    assert set(rows) == {"VOXPOP_" + n.upper() for n in Settings.model_fields}
    assert rows["VOXPOP_WRITER_THREADS"]["value"] == "2" and rows["VOXPOP_WRITER_THREADS"]["default"] == "0"
    assert "hunter2" not in out and "s" * 40 not in out  # secrets never printed
    text = subprocess.run([sys.executable, "-m", "voxpop.cli", "config"], env=env, capture_output=True, text=True,
                          check=True, cwd=tmp_path).stdout
    assert "VOXPOP_WRITER_THREADS=2   (default 0)" in text and "vote writer threads" in text
    bad = subprocess.run([sys.executable, "-m", "voxpop.cli", "config"], env={**env, "VOXPOP_FAST_VOTES": "maybe"},
                         capture_output=True, text=True, cwd=tmp_path)
    assert bad.returncode == 2 and "VOXPOP_FAST_VOTES='maybe'" in bad.stderr


def test_the_app_takes_a_settings_object(tmp_path):
    from fastapi.testclient import TestClient

    from voxpop.web.app import create_app

    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'v.db'}", background="off", fast_votes=False,
                             writer_threads=2)
    app = create_app(settings=settings)
    assert app.fast_votes is None
    with TestClient(app) as c:
        assert c.get("/api/v1/whoami").status_code == 200
        assert app.state.voxpop.writer.n_threads == 2 and app.state.voxpop.worker is None
