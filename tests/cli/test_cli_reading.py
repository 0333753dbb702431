"""A command that only reads (voxpop export) never creates a database: a missing SQLite file is an error that
names the path and how to choose the database (and points at ./voxpop-demo.db when it is there); an unknown
conversation id lists the conversations the database has. Real CLI, real SQLite, in a temporary folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.roundtrip.build import build_conversation

from voxpop.store.db import get_database

SRC = str(Path(__file__).resolve().parents[2] / "src")


def voxpop(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "VOXPOP_DATABASE_URL"}
    env["PYTHONPATH"] = SRC + os.pathsep + env.get("PYTHONPATH", "")
    env["COLUMNS"] = "300"  # one message line stays one line
    return subprocess.run([sys.executable, "-m", "voxpop.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


def test_export_from_a_missing_database_fails_clearly_and_creates_nothing(tmp_path):
    r = voxpop(tmp_path, "export", "abc123", "out")
    assert r.returncode == 2, r.stderr
    assert "there is no database file voxpop.db (sqlite:///voxpop.db)" in r.stderr
    assert "only reads a database, so it creates none" in r.stderr
    assert "--database-url URL (or $VOXPOP_DATABASE_URL)" in r.stderr
    assert "voxpop-demo.db" not in r.stderr  # no demo here: no demo hint
    assert sorted(os.listdir(tmp_path)) == []  # no voxpop.db, no .migrate-lock, no archive folder

    r = voxpop(tmp_path, "export", "abc123", "out", "--database-url", f"sqlite:///{tmp_path}/sub/other.db")
    assert r.returncode == 2 and f"there is no database file {tmp_path}/sub/other.db" in r.stderr
    assert sorted(os.listdir(tmp_path)) == []  # not even the folder


def test_the_demo_database_is_suggested_when_it_is_here(tmp_path):
    demo = get_database(f"sqlite:///{tmp_path}/voxpop-demo.db")
    cid, _ = build_conversation(demo, people=20, n_statements=4)
    demo.dispose()
    before = sorted(os.listdir(tmp_path))
    r = voxpop(tmp_path, "export", cid, "out")
    assert r.returncode == 2
    assert ("the demo's database is sqlite:///voxpop-demo.db: add --database-url sqlite:///voxpop-demo.db"
            in r.stderr)
    assert sorted(os.listdir(tmp_path)) == before  # still no ./voxpop.db

    r = voxpop(tmp_path, "export", cid, "out", "--database-url", "sqlite:///voxpop-demo.db")
    assert r.returncode == 0, r.stderr
    assert f"exported conversation {cid} (Round trip)" in r.stdout and (tmp_path / "out/manifest.json").is_file()


def test_an_unknown_id_lists_the_conversations_present(tmp_path):
    url = f"sqlite:///{tmp_path}/voxpop.db"
    db = get_database(url)
    r = voxpop(tmp_path, "export", "nope", "out", "--database-url", url)
    assert r.returncode == 2
    assert "there is no conversation 'nope' in this database" in r.stderr
    assert f"the database {tmp_path}/voxpop.db ({url}) has no conversations" in r.stderr

    ids = [build_conversation(db, people=12, n_statements=3, seed=i)[0] for i in range(6)]
    db.dispose()
    (tmp_path / "voxpop-demo.db").touch()
    r = voxpop(tmp_path, "export", "nope", "out")  # ./voxpop.db by default
    assert r.returncode == 2 and not (tmp_path / "out").exists()
    assert "conversations in voxpop.db (sqlite:///voxpop.db) (5 newest of 6):" in r.stderr
    listed = [cid for cid in ids if f"  {cid}  Round trip" in r.stderr]
    assert len(listed) == 5 and ids[-1] in listed
    assert "add --database-url sqlite:///voxpop-demo.db" in r.stderr


def test_a_file_that_is_not_a_voxpop_database_is_left_alone(tmp_path):
    (tmp_path / "voxpop.db").write_bytes(b"")
    r = voxpop(tmp_path, "export", "abc", "out")
    assert r.returncode == 2 and "voxpop.db is not a voxpop database (it has no voxpop tables)" in r.stderr
    assert (tmp_path / "voxpop.db").stat().st_size == 0
    (tmp_path / "voxpop.db").write_bytes(b"not a database at all, just words")
    r = voxpop(tmp_path, "export", "abc", "out")
    assert r.returncode == 2 and "voxpop.db is not a voxpop database" in r.stderr
    assert (tmp_path / "voxpop.db").read_bytes() == b"not a database at all, just words"


def test_commands_that_write_still_create_the_database(tmp_path):
    r = voxpop(tmp_path, "db", "upgrade")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "voxpop.db").is_file()
