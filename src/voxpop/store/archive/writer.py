"""Export one conversation into an archive folder (voxpop.store.archive.format has the rules)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, select

from voxpop.errors import NotFound
from voxpop.store.archive.format import (
    DERIVED_TABLES,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    ORGANISERS,
    SECRET_TABLES,
    ArchiveError,
    archived_columns,
    binary_columns,
    conversation_tables,
    int_primary_key,
    scope,
    to_json,
)
from voxpop.store.db import Database
from voxpop.store.models import Conversation, Organiser, now_ms

README = """This folder is a voxpop conversation archive ({format} version {version}).

It holds one conversation: its settings, statements (with moderation), participants, the full vote
history, moderation decisions, places, themes and other results, and listening uploads not yet themed,
one JSON Lines file per table (one JSON object per line, every column by name; bytes as {{"$base64": ...}}). manifest.json lists the files with their row counts and SHA-256.
Secrets never go in: no passwords, password hashes or API tokens, and browser ids only when asked for.

Restore it into any voxpop database (SQLite or PostgreSQL) with

    voxpop import {folder}

The format and its rules are described in voxpop's docs/archive.md.
"""


def _write_rows(conn: Connection, table, columns: list[str], where, path: Path) -> tuple[int, str, set[int], list]:
    """Rows as JSON Lines; returns (rows, sha256, organiser ids referenced, [smallest id, largest id])."""
    org_cols = [c for c in columns if any(fk.column.table.name == "organisers" for fk in table.c[c].foreign_keys)]
    order = [table.c[c] for c in (int_primary_key(table) and ["id"] or [c.name for c in table.primary_key.columns])]
    digest = hashlib.sha256()
    organisers: set[int] = set()
    n = 0
    span: list = [None, None]
    pk = int_primary_key(table)
    binary = [c for c in columns if c in binary_columns(table)]
    stmt = select(*[table.c[c] for c in columns]).where(where).order_by(*order)
    with open(path, "wb") as f:
        for row in conn.execution_options(stream_results=True, yield_per=5000).execute(stmt):
            record = dict(zip(columns, row, strict=True))
            for c in binary:
                if record[c] is not None:
                    record[c] = to_json(bytes(record[c]))
            organisers.update(record[c] for c in org_cols if record[c] is not None)
            if pk:
                span = [record[pk] if span[0] is None else span[0], record[pk]]
            line = (json.dumps(record, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n").encode()
            digest.update(line)
            f.write(line)
            n += 1
    return n, digest.hexdigest(), organisers, span


def _target(folder: Path) -> None:
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ArchiveError(f"{folder} already exists and is not an empty folder; choose a new folder for the archive")
    if not folder.parent.exists():
        raise ArchiveError(f"{folder.parent} does not exist; create it first or choose another place")


def export_conversation(db: Database, conversation_id: str, folder: str | Path, *, browser_ids: bool = False) -> dict:
    """Write the archive of one conversation into `folder` (new or empty); returns the manifest.

    One consistent snapshot (a repeatable-read transaction), written into a temporary folder beside the
    target and renamed into place at the end, so a failed export never leaves a half archive behind.
    browser_ids=True keeps participants' anonymous browser ids, so that returning browsers stay the same
    participants after a move (their cookies are signed with the server's secret, which never travels)."""
    from voxpop import __version__
    from voxpop.store.db import current_revision

    folder = Path(folder)
    _target(folder)
    work = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        tables: dict[str, dict] = {}
        organisers: set[int] = set()
        with db.engine.connect() as conn:
            if not db.is_sqlite:
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                for table in conversation_tables():
                    where = scope(table, conversation_id)
                    columns = archived_columns(table, browser_ids=browser_ids)
                    n, sha, orgs, span = _write_rows(conn, table, columns, where, work / f"{table.name}.jsonl")
                    if table.name == "conversations" and n == 0:
                        raise NotFound(f"there is no conversation {conversation_id!r} in this database; check "
                                       "the id (it is in the conversation's address) and the --database-url")
                    organisers |= orgs
                    tables[table.name] = {"file": f"{table.name}.jsonl", "rows": n, "columns": columns, "sha256": sha}
                    if int_primary_key(table):
                        tables[table.name]["ids"] = span
                people = conn.execute(select(Organiser.id, Organiser.username)
                                      .where(Organiser.id.in_(sorted(organisers)))).all()
                topic = conn.execute(select(Conversation.topic).where(Conversation.id == conversation_id)).scalar()
        with open(work / f"{ORGANISERS}.jsonl", "wb") as f:
            digest = hashlib.sha256()
            for pk, username in people:
                line = (json.dumps({"id": pk, "username": username}, ensure_ascii=False) + "\n").encode()
                digest.update(line)
                f.write(line)
        tables[ORGANISERS] = {"file": f"{ORGANISERS}.jsonl", "rows": len(people), "columns": ["id", "username"],
                              "sha256": digest.hexdigest()}
        t = now_ms()
        manifest = {
            "format": FORMAT, "format_version": FORMAT_VERSION, "voxpop_version": __version__,
            "schema_revision": current_revision(db),
            "exported_at": datetime.fromtimestamp(t / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "exported_ms": t,
            "conversation": {"id": conversation_id, "topic": topic},
            "browser_ids": browser_ids,
            "tables": tables,
            "left_out": sorted(DERIVED_TABLES | SECRET_TABLES) + ["secrets (password hashes, API tokens, the cookie secret)"]
            + ([] if browser_ids else ["participants.anon_id (browser ids; --browser-ids keeps them)"]),
        }
        (work / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        (work / "README.txt").write_text(README.format(format=FORMAT, version=FORMAT_VERSION, folder=folder),
                                         encoding="utf-8")
        if folder.exists():
            folder.rmdir()
        os.replace(work, folder)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return manifest
