"""voxpop's command line (Typer + Rich). Each command lives in its own module."""

from __future__ import annotations

import os
import sys

import typer
from typer.core import TyperOption

app = typer.Typer(
    name="voxpop",
    help="Listen to a whole country: conversations, opinion groups, places and testimony.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)


@app.callback()
def _root() -> None:
    """Listen to a whole country: conversations, opinion groups, places and testimony."""


def _register() -> None:
    # Each module adds its commands to `app`; imported here so `voxpop --help` lists them all.
    from voxpop.cli import analyze, archive, config, demo, listen, serve, simulate  # noqa: F401


def _plain_flags() -> None:
    """--help shows no `<bool>` after a flag: a flag takes no value, so there is no type to show."""
    show = TyperOption.display_type_rich
    if getattr(show, "_voxpop", False):
        return

    def display_type_rich(self, ctx):
        return None if self.is_flag else show(self, ctx)

    display_type_rich._voxpop = True  # type: ignore[attr-defined]
    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]


def _one_line_usage_errors() -> None:
    """A usage error (an unknown option, a value of the wrong type, a missing argument) is one line on stderr,
    `error: ...; see `voxpop CMD --help``, exit code 2, like the commands' own messages for bad input (Typer
    would draw the usage and a box around the message)."""
    from typer import rich_utils

    show = rich_utils.rich_format_error
    if getattr(show, "_voxpop", False):
        return

    def rich_format_error(self) -> None:
        # Typer carries its own copy of Click: its UsageError is known by name
        names = {c.__name__ for c in type(self).__mro__}
        if "UsageError" not in names or "NoArgsIsHelpError" in names:
            show(self)
            return
        ctx = getattr(self, "ctx", None)
        where = ctx.command_path if ctx is not None else "voxpop"
        typer.secho(f"error: {self.format_message().rstrip('.')}; see `{where} --help`", fg=typer.colors.RED, err=True)

    rich_format_error._voxpop = True  # type: ignore[attr-defined]
    rich_utils.rich_format_error = rich_format_error


def dash_paths(argv: list[str]) -> list[str]:
    """Files whose names start with "-" (a conversation id like -5j6Rb75ZRs) are not options: an argument
    that names an existing file or folder is passed as ./NAME."""
    return [f"./{a}" if a.startswith("-") and a != "-" and os.path.exists(a) else a for a in argv]


_plain_flags()
_one_line_usage_errors()


def main() -> None:
    _register()
    app(args=dash_paths(sys.argv[1:]), prog_name="voxpop")


@app.command()
def version() -> None:
    """Print voxpop's version."""
    from voxpop import __version__

    typer.echo(__version__)
