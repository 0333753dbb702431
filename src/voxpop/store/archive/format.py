"""The archive format: which tables and columns go in, which never do, and how versions evolve.

Rules (docs/archive.md):
- Every table with a `conversation_id` column is archived, all of its columns, except DERIVED_TABLES
  (recomputed after import), the columns in EXCLUDED_COLUMNS, and any column whose name says it holds a
  secret (SECRET_WORDS: hashes, tokens, keys, passwords). A new table or column is therefore archived with
  no change here; a new secret column must be named as one or listed in EXCLUDED_COLUMNS.
- Foreign keys are followed from the models: integer ids are kept when they are free in the target
  database and shifted (order kept) when not; organisers travel by username only (organisers.jsonl).
  Integer references that are not foreign keys are listed in REFERENCES.
- Adding tables or columns does not change FORMAT_VERSION: an older voxpop skips what it does not know
  (and says so), a newer one fills what an older archive lacks with the column defaults. Changing the
  meaning or type of an existing column or table, or removing one, bumps FORMAT_VERSION; an importer
  refuses archives of a version newer than it knows.
"""

from __future__ import annotations

from sqlalchemy import Table

from voxpop.store.errors import Invalid
from voxpop.store.models import Base

FORMAT = "voxpop-archive"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
ORGANISERS = "organisers"  # id + username only, never password hashes or tokens
DERIVED_TABLES = {"analyses"}  # the cached analysis: recomputed from the votes after import
BOOKKEEPING = {("conversations", "analysis_dirty_since"), ("conversations", "analysis_claim"),
               ("conversations", "analysis_claim_ms")}
EXCLUDED_COLUMNS = BOOKKEEPING | {("participants", "anon_id")}  # anon_id: only with browser_ids=True
SECRET_WORDS = ("password", "secret", "token", "hash", "salt", "key")
REFERENCES = {("votes", "event_id"): "vote_events"}  # integer ids that are not declared foreign keys


class ArchiveError(Invalid):
    """The folder is not a usable archive; the message names the file and what to do."""


def looks_secret(column: str) -> bool:
    """client_key (an idempotency key chosen by the voter's device) is not a secret."""
    return column != "client_key" and any(word in column.lower() for word in SECRET_WORDS)


def conversation_tables() -> list[Table]:
    """The archived tables, parents before children (conversations first)."""
    out = []
    for table in Base.metadata.sorted_tables:
        if table.name in DERIVED_TABLES:
            continue
        if table.name == "conversations" or "conversation_id" in table.c:
            out.append(table)
    return out


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
