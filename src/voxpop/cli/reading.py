"""Commands that only read a database (voxpop export): they never create one, and when the database or the
conversation is not there they say which database they looked in and how to choose another."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from voxpop.store.db import Database, NoDatabase, SchemaMismatch, get_database, sqlite_file, where_is

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


where = where_is  # the database as a user named it: the SQLite file, or the server (never a password)


def upgrade_command(url: str) -> str:
    """The command that upgrades the database at url, quoted as one can type it (a password shown as ***)."""
    from sqlalchemy.engine import make_url

    shown = make_url(url).render_as_string(hide_password=True)
    return f"`voxpop db upgrade --database-url {shown}`" + (" (with its password)" if "***" in shown else "")


def open_for_reading(url: str | None, command: str) -> Database:
    """The database at url (else $VOXPOP_DATABASE_URL, else ./voxpop.db), never created nor upgraded: a missing
    SQLite file, or one at another schema revision than this voxpop's, raises ValueError with a message that
    names the database and what to do."""
    try:
        return get_database(url, create=False)
    except NoDatabase as e:
        named = f" ({e.url})" if e.path is not None else ""  # a server's is named in the reason, without password
        raise ValueError(f"{e.reason}{named}; `voxpop {command}` only reads a database, so it creates none: "
                         f"{CHOOSE}{demo_hint(e.url)}") from None
    except SchemaMismatch as e:
        if e.newer:
            raise ValueError(str(e)) from None
        raise ValueError(f"{e}; `voxpop {command}` only reads a database, so it does not upgrade it: upgrade it "
                         f"with {upgrade_command(e.url)} (back it up first: docs/archive.md), then run "
                         f"`voxpop {command}` again") from None


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
