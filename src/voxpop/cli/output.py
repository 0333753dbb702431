"""Where the CLI's output goes: a console as wide as the reader's screen, files or "-" for stdout."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from rich.console import Console

PIPED_WIDTH = 160  # no terminal anywhere (cron, CI): wide enough that no table row wraps


def screen_width() -> int | None:
    """The width of the terminal the user is looking at, even when stdout is piped (| less, > file):
    $COLUMNS, else the terminal on stderr or stdin, else None."""
    if os.environ.get("COLUMNS", "").isdigit():
        return int(os.environ["COLUMNS"])
    for stream in (sys.stderr, sys.stdin):
        try:
            if stream is not None and stream.isatty():
                return os.get_terminal_size(stream.fileno()).columns
        except (OSError, ValueError):
            continue
    return None


def make_console(width: int | None = None, *, stderr: bool = False) -> Console:
    """A Rich console. On a terminal, its width; piped, the user's screen width (or PIPED_WIDTH) instead
    of Rich's 80 columns; `width` (--width) overrides both."""
    probe = Console(stderr=stderr)
    if width is None and not probe.is_terminal:
        width = screen_width() or PIPED_WIDTH
    return Console(stderr=stderr, highlight=False, width=width)


def is_stdout(target: Path | None) -> bool:
    return target is not None and str(target) == "-"


def write_text(target: Path, text: str) -> None:
    """Write text atomically to a file, or to stdout for "-". OSError says why a file failed."""
    if is_stdout(target):
        sys.stdout.write(text)
        if not text.endswith("\n"):
            sys.stdout.write("\n")
        sys.stdout.flush()
        return
    from voxpop.io.atomic import atomic_write

    with atomic_write(target) as f:
        f.write(text)
