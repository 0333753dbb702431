"""Commands that only read a database (voxpop export): they never create one, and when the database or the
conversation is not there they say which database they looked in and how to choose another."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from voxpop.store.db import Database, NoDatabase, get_database, sqlite_file

DEMO_FILE = Path("voxpop-demo.db")  # what `voxpop demo` builds in the working directory (cli/demo.py)
CHOOSE = "choose the database with --database-url URL (or $VOXPOP_DATABASE_URL)"
SHOWN = 5


def demo_hint(url: str) -> str:
    """When ./voxpop-demo.db is here and is not the database in use: how to use it instead."""
    path = sqlite_file(url)
    if not DEMO_FILE.is_file() or (path is not None and path.resolve() == DEMO_FILE.resolve()):
        return ""
    demo = f"sqlite:///{DEMO_FILE}"
    return f"\nthe demo's database is {demo}: add --database-url {demo}"


def where(url: str) -> str:
    """The database as a user named it: the SQLite file, or the server (never a password)."""
    path = sqlite_file(url)
    return f"{path} ({url})" if path is not None else url.rsplit("@", 1)[-1]


def open_for_reading(url: str | None, command: str) -> Database:
    """The database at url (else $VOXPOP_DATABASE_URL, else ./voxpop.db), never created: a missing SQLite
    file raises ValueError with a message naming the path and how to choose the database."""
    try:
        return get_database(url, create=False)
    except NoDatabase as e:
        raise ValueError(f"{e.reason} ({e.url}); `voxpop {command}` only reads a database, so it creates none: "
                         f"{CHOOSE}{demo_hint(e.url)}") from None


def conversations_present(db: Database) -> str:
    """Up to SHOWN conversations of this database (newest first) as lines `ID  topic`, or that it has none."""
    from voxpop.store.models import Conversation

    with db.read() as s:
        total = s.scalar(select(func.count()).select_from(Conversation)) or 0
        rows = s.execute(select(Conversation.id, Conversation.topic)
                         .order_by(Conversation.created_ms.desc()).limit(SHOWN)).all()
    if not total:
        return f"the database {where(db.url)} has no conversations{demo_hint(db.url)}"
    more = f" ({SHOWN} newest of {total})" if total > SHOWN else ""
    lines = "".join(f"\n  {cid}  {topic}" for cid, topic in rows)
    return f"conversations in {where(db.url)}{more}:{lines}{demo_hint(db.url)}"
