"""The whole-database backups docs/archive.md gives, run as written: SQLite's online .backup and
PostgreSQL's pg_dump / pg_restore bring back every conversation and the same analysis."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from sqlalchemy import create_engine, text
from tests.roundtrip.build import build_conversation
from tests.roundtrip.compare import assert_same_analysis
from tests.support import pgtemp

from voxpop.services.analyses import run_analysis
from voxpop.store.db import Database
from voxpop.store.models import Conversation


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} not found: install it (apt-get install {'sqlite3' if name == 'sqlite3' else 'postgresql-client'})")
    return path


def test_sqlite_online_backup_restores_everything(tmp_path):
    db = Database(f"sqlite:///{tmp_path}/voxpop.db")
    db.upgrade()
    cid, _ = build_conversation(db)
    before = run_analysis(db, cid)
    subprocess.run([_tool("sqlite3"), "voxpop.db", ".backup 'voxpop-backup.db'"], cwd=tmp_path, check=True,
                   timeout=60)
    restored = Database(f"sqlite:///{tmp_path}/voxpop-backup.db")
    with restored.read() as s:
        assert s.get(Conversation, cid).topic == "Round trip"
    assert_same_analysis(run_analysis(restored, cid), before)
    db.engine.dispose()
    restored.engine.dispose()


def test_postgres_dump_and_restore_bring_everything_back(pg_admin_url, tmp_path):
    source_url = pgtemp.create_database(pg_admin_url, prefix="voxpop_backup")
    target_url = pgtemp.create_database(pg_admin_url, prefix="voxpop_restored")
    libpq = lambda url: url.replace("postgresql+psycopg://", "postgresql://")  # noqa: E731
    source, target = Database(source_url), None
    try:
        source.upgrade()
        cid, _ = build_conversation(source)
        before = run_analysis(source, cid)
        dump = tmp_path / "voxpop.dump"
        subprocess.run([_tool("pg_dump"), "--format=custom", f"--file={dump}", libpq(source_url)], check=True,
                       timeout=120)
        subprocess.run([_tool("pg_restore"), "--no-owner", f"--dbname={libpq(target_url)}", str(dump)], check=True,
                       timeout=120)
        target = Database(target_url)
        with target.read() as s:
            assert s.get(Conversation, cid).topic == "Round trip"
        assert_same_analysis(run_analysis(target, cid), before)
    finally:
        source.engine.dispose()
        if target is not None:
            target.engine.dispose()
        admin = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            for url in (source_url, target_url):
                c.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
        admin.dispose()
