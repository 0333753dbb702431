"""voxpop's command line (Typer + Rich). Each command lives in its own module."""

from __future__ import annotations

import typer

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
    from voxpop.cli import analyze, demo, listen, serve, simulate  # noqa: F401


def main() -> None:
    _register()
    app()


@app.command()
def version() -> None:
    """Print voxpop's version."""
    from voxpop import __version__

    typer.echo(__version__)
