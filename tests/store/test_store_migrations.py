"""Migrations: one linear head, applied on start, idempotent, and the models match them."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from voxpop.store.db import Database, alembic_config, current_revision
from voxpop.store.models import Base


def test_single_head_and_packaged(db):
    script = ScriptDirectory.from_config(alembic_config(db))
    assert len(script.get_heads()) == 1, "migrations must stay linear (one head)"
    assert current_revision(db) == script.get_current_head()


def test_upgrade_twice_is_a_no_op_and_schema_matches_models(db):
    db.upgrade()
    db.upgrade()
    names = set(inspect(db.engine).get_table_names())
    assert {"conversations", "statements", "participants", "votes", "vote_events", "moderation_decisions",
            "organisers", "api_tokens", "analyses", "places", "artifacts"} <= names
    cols = {c["name"] for c in inspect(db.engine).get_columns("participants")}
    assert {"place_id", "strata"} <= cols
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_sqlite_is_wal(tmp_path):

    db = Database(f"sqlite:///{tmp_path}/w.db")
    db.upgrade()
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000


def test_concurrent_upgrades_on_a_fresh_file(tmp_path):
    """Several processes starting at once on a new SQLite file: one migrates, the others wait (file lock)."""
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path}/fresh.db"
    procs = [subprocess.Popen([sys.executable, "-m", "voxpop.cli", "db", "upgrade", "--database-url", url],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for _ in range(3)]
    outs = [p.communicate(timeout=120)[0].decode() for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    head = ScriptDirectory.from_config(alembic_config(Database(url))).get_current_head()
    assert all(f"revision {head}" in o for o in outs), outs
