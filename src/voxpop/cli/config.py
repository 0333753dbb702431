"""`voxpop config`: every VOXPOP_* setting with the value in effect, its default and meaning."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from voxpop.cli import app
from voxpop.settings import SettingsError, load_settings, settings_markdown


@app.command()
def config(
    as_json: Annotated[bool, typer.Option("--json", help="Print them as a JSON list.")] = False,
    markdown: Annotated[bool, typer.Option("--markdown", help="Print docs/settings.md (defaults, not values).")] = False,
) -> None:
    """Print every setting (VOXPOP_* environment variable): value in effect, default, meaning."""
    if markdown and as_json:
        typer.secho("error: give --json or --markdown, not both", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    if markdown:
        typer.echo(settings_markdown(), nl=False)
        return
    try:
        rows = load_settings().describe()
    except SettingsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    for r in rows:
        note = "" if r["value"] == r["default"] else f"   (default {r['default']})"
        typer.echo(f"{r['variable']}={r['value']}{note}\n    {r['meaning']}")
