"""`voxpop export` only reads, also when the database is at another schema revision than this voxpop's: an older
one is refused with the exact command that upgrades it (and is left byte for byte as it was), a newer one (a
newer voxpop upgraded it) is refused with a clear message, never a traceback; so are the commands that migrate.
Real CLI, real SQLite files and a real PostgreSQL database, each first built at the newest revision with a
conversation in it and then taken down to revision 0009 by Alembic's own downgrade."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from tests.cli.test_cli_reading import voxpop
from tests.roundtrip.build import build_conversation
from tests.support import pgtemp

from voxpop.store.db import Database, alembic_config, current_revision, known_revisions

OLD = "0009_i9_listen_jobs"  # the revision before published_themes (0010)
FUTURE = "0099_from_a_newer_voxpop"


def _downgrade(db: Database, revision: str) -> None:
    cfg = alembic_config(db)
    with db.engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)
        conn.commit()


def _set_revision(db: Database, revision: str) -> None:
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})


def _sqlite_at(tmp_path: Path, name: str, revision: str) -> tuple[str, str]:
    """A SQLite file holding one conversation, at `revision`; returns (url, conversation id). Its WAL is
    checkpointed into the file and the lock file removed, so the folder holds the file alone."""
    path = tmp_path / name
    db = Database(f"sqlite:///{path}")
    db.upgrade()
    cid, _ = build_conversation(db, people=12, n_statements=3)
    if revision == FUTURE:
        _set_revision(db, FUTURE)
    else:
        _downgrade(db, revision)
    db.dispose()
    Path(f"{path}.migrate-lock").unlink(missing_ok=True)
    assert sorted(os.listdir(tmp_path)) == [name]
    return f"sqlite:///{path}", cid


def _with_password(url: str) -> str:
    """The URL with a password in it (the test clusters trust local connections: any password is let in)."""
    return make_url(url).set(password="not-shown").render_as_string(hide_password=False)


def _revision_of(path: Path) -> str:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]


def test_export_of_an_older_sqlite_database_is_refused_and_names_the_upgrade_command(tmp_path):
    url, cid = _sqlite_at(tmp_path, "old.db", OLD)
    path = tmp_path / "old.db"
    before = path.read_bytes()
    head, _ = known_revisions()
    r = voxpop(tmp_path, "export", cid, "out", "--database-url", url)
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert f"is at schema revision {OLD}, older than this voxpop's {head}" in r.stderr
    assert "`voxpop export` only reads a database, so it does not upgrade it" in r.stderr
    assert f"`voxpop db upgrade --database-url {url}`" in r.stderr
    assert path.read_bytes() == before and _revision_of(path) == OLD
    assert sorted(os.listdir(tmp_path)) == ["old.db"]  # no archive, no lock file, no WAL left behind

    # the command the message names upgrades it, and then the export works
    r = voxpop(tmp_path, "db", "upgrade", "--database-url", url)
    assert r.returncode == 0 and f"database at revision {head}" in r.stdout, r.stderr
    r = voxpop(tmp_path, "export", cid, "out", "--database-url", url)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "out/manifest.json").is_file()


def test_export_at_the_newest_revision_writes_nothing_into_the_database_folder(tmp_path):
    url, cid = _sqlite_at(tmp_path, "now.db", known_revisions()[0])
    before = (tmp_path / "now.db").read_bytes()
    r = voxpop(tmp_path, "export", cid, "out", "--database-url", url)
    assert r.returncode == 0, r.stderr
    assert sorted(os.listdir(tmp_path)) == ["now.db", "out"]  # no .migrate-lock: it did not try to migrate
    assert (tmp_path / "now.db").read_bytes() == before


def test_a_database_from_a_newer_voxpop_is_refused_clearly_by_export_and_by_commands_that_migrate(tmp_path):
    url, cid = _sqlite_at(tmp_path, "new.db", FUTURE)
    path = tmp_path / "new.db"
    before = path.read_bytes()
    for args in (("export", cid, "out"), ("db", "upgrade"), ("import", str(tmp_path / "nothing-here")),
                 ("worker", "--once")):
        if args[0] == "import":
            (tmp_path / "nothing-here").mkdir()
            (tmp_path / "nothing-here/comments.csv").write_text("x\n")
        r = voxpop(tmp_path, *args, "--database-url", url)
        assert r.returncode == 2, (args, r.stderr)
        assert "Traceback" not in r.stderr, (args, r.stderr)
        assert r.stderr.strip().splitlines()[-1].startswith(
            f"error: the database {path} ({url}) is at schema revision {FUTURE}, which this voxpop"), (args, r.stderr)
        assert "a newer voxpop has upgraded it" in r.stderr
        assert path.read_bytes() == before and _revision_of(path) == FUTURE, args
    assert not (tmp_path / "out").exists()


@pytest.mark.postgres
def test_postgres_database_at_an_older_or_newer_revision_is_not_changed_by_export(pg_admin_url, tmp_path):
    url = pgtemp.create_database(pg_admin_url, prefix="voxpop_oldschema")
    db = Database(url)
    db.upgrade()
    cid, _ = build_conversation(db, people=12, n_statements=3)
    _downgrade(db, OLD)
    assert current_revision(db) == OLD and not inspect(db.engine).has_table("published_themes")
    head, _ = known_revisions()

    r = voxpop(tmp_path, "export", cid, "out", "--database-url", url)
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert f"is at schema revision {OLD}, older than this voxpop's {head}" in r.stderr
    assert f"`voxpop db upgrade --database-url {url}`" in r.stderr  # no password in this URL: shown whole
    assert current_revision(db) == OLD and not inspect(db.engine).has_table("published_themes")
    assert not (tmp_path / "out").exists()

    _set_revision(db, FUTURE)
    r = voxpop(tmp_path, "export", cid, "out", "--database-url", url)
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert f"is at schema revision {FUTURE}, which this voxpop" in r.stderr
    assert current_revision(db) == FUTURE

    # an empty PostgreSQL database is not voxpop's: export creates no tables in it
    empty = pgtemp.create_database(pg_admin_url, prefix="voxpop_empty")
    secret = _with_password(empty)
    r = voxpop(tmp_path, "export", cid, "out", "--database-url", secret)
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert (f"error: the database {empty.rsplit('@', 1)[-1]} is not a voxpop database (it has no voxpop tables); "
            "`voxpop export` only reads a database, so it creates none") in r.stderr
    assert "not-shown" not in r.stderr
    other = Database(empty)
    assert inspect(other.engine).get_table_names() == []
    other.dispose()

    _set_revision(db, OLD)  # with a password in the URL, the command names it without showing it
    r = voxpop(tmp_path, "export", cid, "out", "--database-url", _with_password(url))
    assert r.returncode == 2 and "not-shown" not in r.stderr, r.stderr
    hidden = make_url(_with_password(url)).render_as_string(hide_password=True)
    assert "***@" in hidden and f"`voxpop db upgrade --database-url {hidden}` (with its password)" in r.stderr
    r = voxpop(tmp_path, "db", "upgrade", "--database-url", url)
    assert r.returncode == 0, r.stderr
    r = voxpop(tmp_path, "export", cid, "out", "--database-url", url)
    assert r.returncode == 0, r.stderr
    db.dispose()
