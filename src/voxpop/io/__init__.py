"""Readers and writers for files: Pol.is exports and plain CSVs. Errors name the file and the line."""

from __future__ import annotations

from pathlib import Path

from voxpop import i18n
from voxpop.conversation import Conversation
from voxpop.io.errors import InputError
from voxpop.io.locate import Located, locate

__all__ = ["InputError", "Located", "locate", "read_conversation", "read_located"]


def read_conversation(path: str | Path, statements: str | Path | None = None, *, beside: bool = True) -> Conversation:
    """A Pol.is export folder (or voxpop web exports), or a votes CSV with the statements file beside it
    (see voxpop.io.locate). beside=False reads only the files named."""
    try:
        return read_located(locate(path, statements, beside=beside))
    except OSError as e:  # permissions, a vanished file, a device error
        raise InputError(e.filename or path, i18n.lazy_gettext("cannot be read (%(value)s)", value=e.strerror or e),
                         fix=i18n.lazy_gettext("check the file exists and you may read it")) from None


def read_located(loc: Located) -> Conversation:
    from voxpop.io.polis import read_polis_export
    from voxpop.io.votes import read_votes_csv

    try:
        if loc.kind == "polis":
            return read_polis_export(loc.folder, loc.prefix)
        if loc.kind == "polis-api":
            from voxpop.io.polis_api import read_polis_api

            return read_polis_api(loc.folder)
        assert loc.votes is not None
        return read_votes_csv(loc.votes, loc.statements)
    except OSError as e:
        raise InputError(e.filename or loc.folder, i18n.lazy_gettext("cannot be read (%(value)s)", value=e.strerror or e),
                         fix=i18n.lazy_gettext("check the file exists and you may read it")) from None
