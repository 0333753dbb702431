"""The one error type for bad input files: it names the file, the line and what to fix."""

from __future__ import annotations

from pathlib import Path


class InputError(ValueError):
    """A file cannot be read as a conversation. str(err) is one line a person can act on."""

    def __init__(self, path: str | Path | None, problem: str, *, line: int | None = None, fix: str = ""):
        self.path = str(path) if path is not None else None
        self.line = line
        self.problem = problem
        self.fix = fix
        where = self.path or "input"
        if line is not None:
            where += f", line {line}"
        msg = f"{where}: {problem}"
        if fix:
            msg += f" — {fix}"
        super().__init__(msg)
