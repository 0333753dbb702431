"""Import an archive (or any Source of rows, e.g. a Pol.is export) into a database as one conversation."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import JSON, String, Table, func, insert, select, text
from sqlalchemy.orm import Session

from voxpop import i18n
from voxpop.errors import Conflict
from voxpop.store.archive.format import (
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    ORGANISERS,
    ArchiveError,
    binary_columns,
    conversation_tables,
    from_json,
    int_primary_key,
    references,
)
from voxpop.store.db import Database, json_dumps
from voxpop.store.models import Conversation, Organiser, now_ms
from voxpop.store.queries import new_conversation_id

BATCH = 2000


class Source(Protocol):
    """Rows by table name; `manifest["tables"][name]` has "columns" and, for integer ids, "ids" [min, max]."""

    manifest: dict

    def rows(self, table: str) -> Iterator[dict]: ...


@dataclass
class ImportReport:
    conversation_id: str
    source_id: str
    copied: bool
    topic: str
    rows: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def is_archive(folder: str | Path) -> bool:
    return (Path(folder) / MANIFEST).is_file()


class FolderSource:
    """An archive folder: the manifest checked at once, each file's SHA-256 checked as it is read."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        path = self.folder / MANIFEST
        if not path.is_file():
            raise ArchiveError(i18n.lazy_gettext("%(folder)s has no %(manifest)s: it is not a voxpop archive "
                                                 "(make one with `voxpop export CONVERSATION_ID FOLDER`)", folder=self.folder, manifest=MANIFEST))
        try:
            self.manifest = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise ArchiveError(i18n.lazy_gettext("%(path)s is damaged (not valid JSON: %(e)s); export the "
                                                 "conversation again", path=path, e=e)) from None
        m = self.manifest
        if not isinstance(m, dict) or m.get("format") != FORMAT or not isinstance(m.get("tables"), dict):
            raise ArchiveError(i18n.lazy_gettext("%(path)s does not describe a voxpop archive (format "
                                                 "%(format)s expected)", path=path, format=repr(FORMAT)))
        version = m.get("format_version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise ArchiveError(i18n.lazy_gettext("%(folder)s was written by a newer voxpop (%(value)s, "
                                                 "archive format %(version)s); this voxpop reads format "
                                                 "%(format_version)s and older: upgrade voxpop to import it", folder=self.folder, value=m.get('voxpop_version'), version=version, format_version=FORMAT_VERSION))
        for name, entry in m["tables"].items():
            if not (self.folder / entry.get("file", "")).is_file():
                raise ArchiveError(i18n.lazy_gettext("%(value)s is missing (the manifest lists table "
                                                     "%(name)s); copy the whole archive folder again", value=self.folder / str(entry.get('file')), name=repr(name)))

    def rows(self, table: str) -> Iterator[dict]:
        entry = self.manifest["tables"][table]
        path = self.folder / entry["file"]
        digest = hashlib.sha256()
        with open(path, "rb") as f:
            for n, line in enumerate(f, start=1):
                digest.update(line)
                try:
                    row = json.loads(line)
                except (UnicodeDecodeError, json.JSONDecodeError):
                    raise ArchiveError(i18n.lazy_gettext("%(path)s, line %(n)s: not valid JSON; the archive "
                                                         "is damaged, export the conversation again", path=path, n=n)) from None
                if not isinstance(row, dict):
                    raise ArchiveError(i18n.lazy_gettext("%(path)s, line %(n)s: expected one JSON object per "
                                                         "line", path=path, n=n))
                yield row
        if entry.get("sha256") and digest.hexdigest() != entry["sha256"]:
            raise ArchiveError(i18n.lazy_gettext("%(path)s changed after the export (its SHA-256 differs "
                                                 "from the manifest's); use an unmodified archive", path=path))


def import_archive(db: Database, folder: str | Path, *, as_copy: bool = False, owner: str | None = None) -> ImportReport:
    """Rebuild the archived conversation in `db` (one transaction: all or nothing). The conversation keeps
    its id, its participants', statements' and votes' ids where they are free in `db` (else they are
    shifted, order kept, and the report says so), its history and its timestamps. If the conversation is
    already in `db`, Conflict, unless as_copy: then it gets a new id (and every row new ids)."""
    return import_rows(db, FolderSource(folder), as_copy=as_copy, owner=owner)


def import_rows(db: Database, source: Source, *, as_copy: bool = False, owner: str | None = None) -> ImportReport:
    tables = source.manifest["tables"]
    conv_rows = list(source.rows("conversations")) if "conversations" in tables else []
    if len(conv_rows) != 1 or not isinstance(conv_rows[0].get("id"), str):
        raise ArchiveError(i18n.lazy_gettext("the archive must hold exactly one conversation "
                                             "(conversations.jsonl)"))
    conv = conv_rows[0]
    with db.write() as s:
        existing = s.get(Conversation, conv["id"])
        if existing is not None and not as_copy:
            raise Conflict(i18n.lazy_gettext("conversation %(id)s (%(topic)s) is already in this database; "
                                             "import it as a new conversation with --as-copy, or import into "
                                             "another database", id=conv['id'], topic=repr(existing.topic)))
        new_id = new_conversation_id() if as_copy else conv["id"]
        report = ImportReport(new_id, conv["id"], as_copy, conv.get("topic", ""))
        organisers = _organisers(s, source, report)
        owner_id = _owner(s, owner) if owner is not None else None
        # every table's id shift first: a reference may point at a table imported later
        offsets = {t.name: _offset(s, t, tables[t.name], as_copy) for t in conversation_tables()
                   if t.name in tables and int_primary_key(t)}
        # tables keyed by a string (a listening job's unguessable id) get fresh keys in a copy, not a shift
        renamed: dict[str, dict[str, str]] = {t.name: {} for t in conversation_tables()
                                              if as_copy and _string_key(t) not in (None, "conversation_id")
                                              and t.name != "conversations"}
        for name in ("participants", "vote_events"):
            if offsets.get(name) and not as_copy:
                report.notes.append(f"{name} ids were taken in this database: shifted by {offsets[name]} "
                                    "(order kept)")
        known = {t.name for t in conversation_tables()}
        for name in sorted(set(tables) - known - {ORGANISERS}):
            report.notes.append(f"skipped table {name!r}: this voxpop does not know it (upgrade voxpop to import it)")
        for table in conversation_tables():
            if table.name not in tables:
                continue
            rows = iter(conv_rows) if table.name == "conversations" else source.rows(table.name)
            report.rows[table.name] = _copy_table(s, table, tables[table.name], rows, new_id=new_id,
                                                  offsets=offsets, organisers=organisers, report=report,
                                                  owner_id=owner_id, copy=as_copy, renamed=renamed)
        if s.execute(select(Conversation.owner_id).where(Conversation.id == new_id)).scalar() is None:
            report.notes.append("the conversation has no owner, so only admin organisers can manage it; import "
                                "with --owner USERNAME to give it one")
        if not db.is_sqlite:
            for table in conversation_tables():
                if int_primary_key(table) and report.rows.get(table.name):
                    s.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                   f"GREATEST((SELECT max(id) FROM {table.name}), 1))"))
    return report


def _organisers(s: Session, source: Source, report: ImportReport) -> dict[int, int | None]:
    """archived organiser id -> this database's organiser of the same username (None if there is none)."""
    if ORGANISERS not in source.manifest["tables"]:
        return {}
    rows = list(source.rows(ORGANISERS))
    here = dict(s.execute(select(Organiser.username, Organiser.id)
                          .where(Organiser.username.in_([r["username"] for r in rows]))).all())
    missing = sorted(r["username"] for r in rows if r["username"] not in here)
    if missing:
        report.notes.append(f"organiser(s) {', '.join(missing)} have no account here: their conversations and "
                            "moderation decisions keep no owner (create them with `voxpop create-organiser`, or "
                            "import with --owner USERNAME)")
    return {r["id"]: here.get(r["username"]) for r in rows}


def _owner(s: Session, username: str) -> int:
    pk = s.execute(select(Organiser.id).where(Organiser.username == username)).scalar()
    if pk is None:
        raise ArchiveError(i18n.lazy_gettext("--owner %(username)s: there is no organiser %(username2)s in "
                                             "this database; create it with `voxpop create-organiser` first", username=username, username2=repr(username)))
    return pk


def _offset(s: Session, table: Table, entry: dict, copy: bool) -> int:
    """0 when the archived ids are free here, else the shift that puts them after this table's ids."""
    span = entry.get("ids")
    if not span or span[0] is None:
        return 0
    lo, hi = int(span[0]), int(span[1])
    taken = s.execute(select(func.count()).select_from(table).where(table.c.id.between(lo, hi))).scalar()
    if not taken and not copy:
        return 0
    top = s.execute(select(func.max(table.c.id))).scalar() or 0
    return max(top, hi) + 1 - lo


def _insert(conn, table: Table, batch: list[dict]) -> None:
    """Insert rows (all with the same keys) through the driver, in the session's transaction: COPY on
    PostgreSQL, executemany on SQLite; JSON columns are encoded here as SQLAlchemy would (a Python None is
    SQL NULL only where the column says none_as_null)."""
    columns = list(batch[0])
    json_cols = {c: table.c[c].type for c in columns if isinstance(table.c[c].type, JSON)}
    raw = conn.connection.dbapi_connection
    if conn.dialect.name == "postgresql":
        from psycopg.types.json import Json

        def cell(c, v):
            if c in json_cols and (v is not None or not json_cols[c].none_as_null):
                return Json(v)
            return v

        names = ", ".join(f'"{c}"' for c in columns)
        with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for rec in batch:
                copy.write_row([cell(c, rec[c]) for c in columns])
        return
    if conn.dialect.name != "sqlite":
        conn.execute(insert(table), batch)
        return

    def encode(c, v):
        if c in json_cols and (v is not None or not json_cols[c].none_as_null):
            return json_dumps(v)
        return v

    sql = (f'INSERT INTO "{table.name}" ({", ".join(chr(34) + c + chr(34) for c in columns)}) '
           f"VALUES ({', '.join('?' for _ in columns)})")
    cur = raw.cursor()
    try:
        cur.executemany(sql, [tuple(encode(c, rec[c]) for c in columns) for rec in batch])
    finally:
        cur.close()


def _string_key(table: Table) -> str | None:
    """The table's primary key column when it is one string column, else None."""
    cols = list(table.primary_key.columns)
    return cols[0].name if len(cols) == 1 and isinstance(cols[0].type, String) else None


def _copy_table(s: Session, table: Table, entry: dict, rows: Iterator[dict], *, new_id: str,
                offsets: dict[str, int], organisers: dict[int, int | None], report: ImportReport,
                owner_id: int | None, copy: bool, renamed: dict[str, dict[str, str]] | None = None) -> int:
    renamed = renamed or {}
    fresh = renamed.get(table.name)
    skey = _string_key(table) if fresh is not None else None
    columns = [c for c in entry.get("columns", []) if c in table.c]
    unknown = [c for c in entry.get("columns", []) if c not in table.c]
    if unknown:
        report.notes.append(f"skipped column(s) {', '.join(unknown)} of {table.name}: this voxpop does not know them")
    pk = int_primary_key(table)
    refs = references(table)
    binary = [c for c in columns if c in binary_columns(table)]
    t = now_ms()
    batch: list[dict] = []
    n = 0
    conn = s.connection()
    for row in rows:
        rec: dict[str, Any] = {c: row.get(c) for c in columns}
        for c in binary:
            if rec[c] is not None:
                rec[c] = from_json(rec[c], f"{entry.get('file', table.name)}, row {n + len(batch) + 1}, {c}")
        if pk and rec.get(pk) is not None:
            rec[pk] += offsets[table.name]
        if skey and rec.get(skey) is not None:
            rec[skey] = fresh.setdefault(rec[skey], secrets.token_urlsafe(12))  # type: ignore[union-attr]
        for col, target in refs.items():
            value = rec.get(col)
            if value is None:
                continue
            if target == ORGANISERS:
                rec[col] = organisers.get(value)
            elif target in renamed:
                rec[col] = renamed[target].setdefault(value, secrets.token_urlsafe(12))
            elif offsets.get(target):
                rec[col] = value + offsets[target]
        if "conversation_id" in rec:
            rec["conversation_id"] = new_id
        if table.name == "conversations":
            rec.update(id=new_id, analysis_dirty_since=t, last_change_ms=t, analysis_claim=None,
                       analysis_claim_ms=None)
            if owner_id is not None:
                rec["owner_id"] = owner_id
            if copy:
                rec["topic"] = (rec.get("topic") or "")[: 300 - len(" (copy)")] + " (copy)"
        batch.append(rec)
        if len(batch) >= BATCH:
            _insert(conn, table, batch)
            n += len(batch)
            batch = []
    if batch:
        _insert(conn, table, batch)
        n += len(batch)
    return n
