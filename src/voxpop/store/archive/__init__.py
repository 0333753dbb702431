"""Conversation archives: one conversation out of a database into a folder, and back into any database.

`export_conversation` writes the folder (docs/archive.md): manifest.json, README.txt and one JSON Lines
file per table. `import_archive` rebuilds the conversation from it in any database (SQLite or
PostgreSQL) with its ids, history and timestamps; `import_polis` carries a Pol.is export on as a live
conversation through the same path.
"""

from voxpop.store.archive.format import FORMAT, FORMAT_VERSION, ArchiveError
from voxpop.store.archive.reader import ImportReport, import_archive, is_archive
from voxpop.store.archive.writer import export_conversation

__all__ = ["FORMAT", "FORMAT_VERSION", "ArchiveError", "ImportReport", "export_conversation", "import_archive",
           "import_polis", "is_archive"]


def import_polis(*args, **kwargs):
    from voxpop.store.archive.polis import import_polis as run

    return run(*args, **kwargs)
