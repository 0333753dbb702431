"""The archive format: which tables and columns go in, which never do, and how versions evolve.

Rules (docs/archive.md):
- Every table with a `conversation_id` column is archived, all of its columns, and so is every table
  hanging off an archived one by a required foreign key (statement translations, paper entries...),
  except DERIVED_TABLES (recomputed after import), SECRET_TABLES, the columns in EXCLUDED_COLUMNS, and
  any column whose name says it holds a secret (SECRET_WORDS: hashes, tokens, keys, passwords). A new
  table or column is therefore archived with no change here; a new secret column must be named as one
  or listed in EXCLUDED_COLUMNS, a table of secrets listed in SECRET_TABLES.
- Foreign keys are followed from the models: integer ids are kept when they are free in the target
  database and shifted (order kept) when not; organisers travel by username only (organisers.jsonl).
  Integer references that are not foreign keys are listed in REFERENCES.
- Adding tables or columns does not change FORMAT_VERSION: an older voxpop skips what it does not know
  (and says so), a newer one fills what an older archive lacks with the column defaults. Changing the
  meaning or type of an existing column or table, or removing one, bumps FORMAT_VERSION; an importer
  refuses archives of a version newer than it knows.
"""

from __future__ import annotations

import base64

from sqlalchemy import LargeBinary, Table

from voxpop.errors import Invalid
from voxpop.store.models import Base

FORMAT = "voxpop-archive"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
ORGANISERS = "organisers"  # id + username only, never password hashes or tokens
DERIVED_TABLES = {"analyses"}  # the cached analysis: recomputed from the votes after import
SECRET_TABLES = {"field_kiosks"}  # a kiosk's id is its device's secret: kiosks are set up again after a move
BOOKKEEPING = {("conversations", "analysis_dirty_since"), ("conversations", "analysis_claim"),
               ("conversations", "analysis_claim_ms"),
               # a listening job's worker claim: an imported job running at export time is taken up afresh
               ("listen_jobs", "claim"), ("listen_jobs", "claim_ms")}
BYTES = "$base64"  # a bytes value (an uploaded file's piece) is stored as {"$base64": "..."} in the JSON Lines
EXCLUDED_COLUMNS = BOOKKEEPING | {
    ("participants", "anon_id"),  # browser ids: only with browser_ids=True
    ("field_participants", "kiosk_id"),  # the kiosk's secret id (the channel "kiosk" stays)
    ("field_volunteers", "code"),  # one-time invitation codes
}
SECRET_WORDS = ("password", "secret", "token", "hash", "salt", "key")
REFERENCES = {  # integer ids that are not declared foreign keys
    ("votes", "event_id"): "vote_events",
    ("field_paper_sheets", "participant_id"): "participants",
    ("field_volunteers", "participant_id"): "participants",
    ("field_participants", "volunteer_id"): "field_volunteers",
}


class ArchiveError(Invalid):
    """The folder is not a usable archive; the message names the file and what to do."""


def looks_secret(column: str) -> bool:
    """client_key (an idempotency key chosen by the voter's device) is not a secret."""
    return column != "client_key" and any(word in column.lower() for word in SECRET_WORDS)


def _parent_key(table: Table, archived: set[str]):
    """The required foreign key column that ties a table without conversation_id to an archived table."""
    for col in table.c:
        for fk in col.foreign_keys:
            if not col.nullable and fk.column.name == "id" and fk.column.table.name in archived:
                return col, fk.column.table
    return None


def conversation_tables() -> list[Table]:
    """The archived tables, parents before children (conversations first)."""
    out: list[Table] = []
    names: set[str] = set()
    for table in Base.metadata.sorted_tables:
        if table.name in DERIVED_TABLES or table.name in SECRET_TABLES:
            continue
        if table.name == "conversations" or "conversation_id" in table.c or _parent_key(table, names):
            out.append(table)
            names.add(table.name)
    return out


def scope(table: Table, conversation_id: str):
    """The WHERE clause selecting one conversation's rows of an archived table."""
    from sqlalchemy import select

    if table.name == "conversations":
        return table.c.id == conversation_id
    if "conversation_id" in table.c:
        return table.c.conversation_id == conversation_id
    found = _parent_key(table, {t.name for t in conversation_tables()})
    if found is None:
        raise ValueError(f"table {table.name} is not archived")
    col, parent = found
    return col.in_(select(parent.c.id).where(scope(parent, conversation_id)))


def archived_columns(table: Table, *, browser_ids: bool = False) -> list[str]:
    keep = []
    for col in table.c:
        if (table.name, col.name) in EXCLUDED_COLUMNS and not (browser_ids and col.name == "anon_id"):
            continue
        if looks_secret(col.name):
            continue
        keep.append(col.name)
    return keep


def int_primary_key(table: Table) -> str | None:
    """The name of a single integer primary key column (ids that may need shifting), else None."""
    pk = list(table.primary_key.columns)
    if len(pk) == 1 and pk[0].name == "id" and pk[0].type.python_type is int:
        return "id"
    return None


def references(table: Table) -> dict[str, str]:
    """column -> the table whose integer ids it holds (declared foreign keys plus REFERENCES)."""
    out = {}
    for col in table.c:
        for fk in col.foreign_keys:
            if fk.column.name == "id" and fk.column.table.name != "conversations":
                out[col.name] = fk.column.table.name
    for (tname, cname), target in REFERENCES.items():
        if tname == table.name and cname in table.c:
            out[cname] = target
    return out


def binary_columns(table: Table) -> set[str]:
    """Columns holding bytes (written as {BYTES: base64 text}, read back as bytes)."""
    return {col.name for col in table.c if isinstance(col.type, LargeBinary)}


def to_json(value: bytes) -> dict:
    return {BYTES: base64.b64encode(value).decode("ascii")}


def from_json(value, where: str) -> bytes:
    """Bytes back from the archive's {BYTES: text}; ArchiveError (naming `where`) for anything else."""
    if isinstance(value, dict) and isinstance(value.get(BYTES), str):
        try:
            return base64.b64decode(value[BYTES], validate=True)
        except ValueError:
            pass
    raise ArchiveError(f"{where}: expected bytes written as {{{BYTES!r}: base64 text}}; the archive is damaged, "
                       "export the conversation again")
