"""The one error type for bad input files: it names the file, the line and what to fix."""

from __future__ import annotations

from pathlib import Path

from voxpop import i18n


class InputError(ValueError):
    """A file cannot be read as a conversation. str(err) is one line a person can act on, in the reader's
    language: `problem` and `fix` may be lazy translations (voxpop.i18n.lazy_gettext), put into words when the
    error is read."""

    def __init__(self, path: str | Path | None, problem: object, *, line: int | None = None, fix: object = ""):
        self.path = str(path) if path is not None else None
        self.line = line
        self.problem = problem
        self.fix = fix
        super().__init__(problem)

    def __str__(self) -> str:
        where = self.path or i18n.gettext("input")
        if self.line is not None:
            where = i18n.gettext("%(where)s, line %(line)s", where=where, line=self.line)
        msg = f"{where}: {self.problem}"
        if self.fix:
            msg += f" — {self.fix}"
        return msg

    def __reduce__(self):
        # lazy words do not pickle, and errors cross to and from worker processes: send them as words
        state = {**self.__dict__, "problem": str(self.problem), "fix": str(self.fix) if self.fix else ""}
        return _rebuild, (type(self), str(self.problem), state)


def _rebuild(cls: type[InputError], problem: str, state: dict) -> InputError:
    err = cls.__new__(cls)
    ValueError.__init__(err, problem)
    err.__dict__.update(state)
    return err
