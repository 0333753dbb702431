"""voxpop export / import: a conversation out of one database and into another (docs/archive.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.exc import SQLAlchemyError

from voxpop.cli import app
from voxpop.cli.serve import DbUrl, _db_error, _fail


@app.command("export")
def export_cmd(
    conversation_id: Annotated[str, typer.Argument(help="The conversation's id (as in its address).")],
    folder: Annotated[Path, typer.Argument(help="A new (or empty) folder to write the archive into.")],
    database_url: DbUrl = None,
    browser_ids: Annotated[bool, typer.Option("--browser-ids", help="Keep participants' anonymous browser ids, "
                                              "so returning browsers stay the same participants after a move "
                                              "(needs the same cookie secret on the new server).")] = False,
) -> None:
    """Write a conversation into an archive folder: settings, statements, participants, every vote, moderation,
    places and themes (never passwords or tokens). `voxpop import` restores it into any database. It only
    reads: a database that is not there is an error (it creates none)."""
    from voxpop.cli.reading import conversations_present, open_for_reading
    from voxpop.errors import NotFound, ServiceError
    from voxpop.store.archive import export_conversation

    try:
        db = open_for_reading(database_url, "export")
        try:
            manifest = export_conversation(db, conversation_id, folder, browser_ids=browser_ids)
        except NotFound as e:
            raise _fail(f"{e.message}\n{conversations_present(db)}") from None
    except ServiceError as e:
        raise _fail(e.message) from None
    except OSError as e:
        raise _fail(f"{folder}: cannot write ({e.strerror}); check the folder is writable") from None
    except ValueError as e:
        raise _fail(str(e)) from None
    except SQLAlchemyError as e:
        raise _db_error(e, database_url) from None
    rows = manifest["tables"]
    typer.echo(f"exported conversation {conversation_id} ({manifest['conversation']['topic']}) to {folder}: "
               f"{rows['statements']['rows']} statements, {rows['participants']['rows']} participants, "
               f"{rows['vote_events']['rows']} vote events")


@app.command("import")
def import_cmd(
    folder: Annotated[Path, typer.Argument(help="An archive folder from `voxpop export`, or a Pol.is export "
                                                "folder (comments.csv, votes.csv) to carry on as a live "
                                                "conversation.")],
    database_url: DbUrl = None,
    as_copy: Annotated[bool, typer.Option("--as-copy", help="Import as a new conversation (new id) even when "
                                          "the database already has this one.")] = False,
    owner: Annotated[str | None, typer.Option("--owner", help="Organiser (username) who owns the imported "
                                              "conversation.")] = None,
    analysis: Annotated[str, typer.Option("--analysis", help="When to compute the analysis: now (before "
                                          "returning, so results show at once) or later (left to the server's "
                                          "background worker).")] = "now",
) -> None:
    """Rebuild a conversation from an archive (keeping ids, history and timestamps), or start a live
    conversation from a Pol.is export; then compute its analysis (--analysis later leaves it to the worker)."""
    from voxpop.errors import ServiceError
    from voxpop.io import InputError
    from voxpop.store.archive import import_archive, import_polis, is_archive
    from voxpop.store.db import get_database

    if analysis not in ("now", "later"):
        raise _fail("--analysis must be now or later")
    if not folder.is_dir():
        raise _fail(f"{folder}: not a folder; give an archive folder (voxpop export) or a Pol.is export folder")
    try:
        db = get_database(database_url)
        if is_archive(folder):
            report = import_archive(db, folder, as_copy=as_copy, owner=owner)
        else:
            if as_copy:
                raise _fail("--as-copy is for voxpop archives; a Pol.is export is always imported as a new "
                            "conversation")
            report = import_polis(db, folder, owner=owner)
    except (ServiceError, InputError) as e:
        raise _fail(getattr(e, "message", str(e))) from None
    except ValueError as e:
        raise _fail(str(e)) from None
    except SQLAlchemyError as e:
        raise _db_error(e, database_url) from None
    how = "as a copy of " + report.source_id if report.copied else "from " + str(folder)
    typer.echo(f"imported conversation {report.conversation_id} ({report.topic}) {how}: "
               f"{report.rows.get('statements', 0)} statements, {report.rows.get('participants', 0)} participants, "
               f"{report.rows.get('vote_events', 0)} vote events")
    for note in report.notes:
        typer.echo(f"note: {note}")
    if analysis == "now":
        from voxpop.services.analyses import run_analysis

        try:
            doc = run_analysis(db, report.conversation_id)
        except SQLAlchemyError as e:
            raise _db_error(e, database_url) from None
        meta = doc.get("meta") or {}
        typer.echo(f"analysed: {meta.get('k') or 0} opinion groups" if meta.get("status") == "ok"
                   else f"analysed: {meta.get('message')}")
