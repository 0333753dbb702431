"""Readers and writers for files: Pol.is exports and plain CSVs. Errors name the file and the line."""

from __future__ import annotations

from pathlib import Path

from voxpop.conversation import Conversation
from voxpop.io.errors import InputError

__all__ = ["InputError", "read_conversation"]


def read_conversation(path: str | Path, statements: str | Path | None = None) -> Conversation:
    """A Pol.is export folder, or a plain votes CSV (participant,statement,vote[,timestamp])."""
    from voxpop.io.polis import read_polis_export
    from voxpop.io.votes import read_votes_csv

    p = Path(path)
    try:
        if p.is_dir():
            if statements is not None:
                raise InputError(statements, "--statements is for plain votes CSVs",
                                 fix="a Pol.is folder already has comments.csv")
            return read_polis_export(p)
        if not p.exists():
            raise InputError(p, "file or folder not found", fix="check the path")
        return read_votes_csv(p, statements)
    except OSError as e:  # permissions, a vanished file, a device error
        raise InputError(e.filename or p, f"cannot be read ({e.strerror or e})",
                         fix="check the file exists and you may read it") from None
