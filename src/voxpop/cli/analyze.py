"""voxpop analyze: a Pol.is export folder or a votes CSV -> groups, common ground, bridging, report."""

from __future__ import annotations

import json
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from voxpop.cli import app
from voxpop.cli.summary import print_summary


class Policy(StrEnum):
    population = "population"
    equal = "equal"
    sqrt = "sqrt"


STAGES = {"parse": "reading votes", "matrix": "vote matrix", "pca": "PCA", "cluster": "clustering",
          "stats": "statistics", "bridging": "bridging", "places": "finishing", "done": "done"}
NEXT = {"parse": "matrix", "matrix": "pca", "pca": "cluster", "cluster": "stats", "stats": "bridging",
        "bridging": "places", "places": "done"}


def fail(message: str, code: int = 2) -> typer.Exit:
    Console(stderr=True, highlight=False).print(f"[bold red]error:[/] {message}", soft_wrap=True)
    return typer.Exit(code)


@app.command()
def analyze(
    path: Annotated[Path, typer.Argument(help="A Pol.is export folder, or a votes CSV "
                                              "(participant,statement,vote[,timestamp]).")],
    statements: Annotated[Path | None, typer.Option("--statements", help="CSV of statement,text "
                                                    "(for a plain votes CSV).")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the analysis document here.")] = None,
    html: Annotated[Path | None, typer.Option("--html", help="Write a self-contained HTML report here.")] = None,
    seed: Annotated[int, typer.Option(help="Seed (results are deterministic for a seed).")] = 0,
    k_max: Annotated[int, typer.Option("--k-max", help="Largest number of groups to consider.")] = 5,
    places: Annotated[Path | None, typer.Option("--places", help="Places CSV (id,name,kind,parent,"
                                                "population).")] = None,
    participants: Annotated[Path | None, typer.Option("--participants", help="CSV of participant_id,"
                                                      "place_id (with --places).")] = None,
    policy: Annotated[Policy, typer.Option(help="How much each place counts.")] = Policy.population,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print no summary.")] = False,
) -> None:
    """Find opinion groups, what each group stands for, common ground and bridging statements."""
    from voxpop.analysis.run import analyze as run_analysis
    from voxpop.engine.pipeline import EngineOptions
    from voxpop.io import InputError, read_conversation

    console = Console(highlight=False)
    if participants is not None and places is None:
        raise fail("--participants needs --places (the places those participants live in)")
    try:
        options = EngineOptions(seed=seed, k_max=k_max)
    except ValueError as e:
        raise fail(str(e)) from None
    with _progress(console) as step:
        step("parse")
        t = time.perf_counter()
        try:
            conv = read_conversation(path, statements)
            registry = placed = None
            if places is not None:
                registry, placed = _read_places(places, participants)
        except InputError as e:
            raise fail(str(e)) from None
        except ValueError as e:  # voxpop.places.registry.PlaceError names its file and line too
            if type(e).__name__ != "PlaceError":
                raise
            raise fail(str(e)) from None
        load_s = time.perf_counter() - t
        step("matrix")
        try:
            doc = run_analysis(conv, options=options, places=registry, participant_places=placed,
                               policy=policy.value, progress=lambda stage, _f: step(NEXT.get(stage, stage)),
                               load_s=load_s)
        except ValueError as e:  # places that do not match the registry (PlaceError) name what to fix
            if type(e).__name__ != "PlaceError":
                raise
            raise fail(str(e)) from None
    outputs: list[tuple[Path, str]] = []
    if json_out is not None:
        outputs.append((json_out, json.dumps(doc, ensure_ascii=False, allow_nan=False, separators=(",", ":"))))
    if html is not None:
        from voxpop.report import render_html

        outputs.append((html, render_html(doc)))
    from voxpop.io.atomic import atomic_write

    for target, text in outputs:
        try:
            with atomic_write(target) as f:
                f.write(text)
        except OSError as e:
            raise fail(f"{target}: cannot write ({e.strerror}) — check the folder exists and is writable") from None
    if not quiet:
        print_summary(console, doc)
        for target, _ in outputs:
            console.print(f"[green]wrote[/] {target}")


def _read_places(places: Path, participants: Path | None):
    from voxpop.places.io import read_participant_places, read_places

    return read_places(places), (read_participant_places(participants) if participants else None)


class _progress:
    """A Rich progress bar over the analysis stages, shown only on a terminal."""

    def __init__(self, console: Console):
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(TextColumn("{task.description:<14}"), BarColumn(), TimeElapsedColumn(),
                            console=Console(stderr=True), transient=True,
                            disable=not console.is_terminal)
        self.order = list(STAGES)
        self.task = None

    def __enter__(self):
        self.bar.__enter__()
        self.task = self.bar.add_task(STAGES["parse"], total=len(self.order) - 1)
        return self.step

    def step(self, stage: str) -> None:
        if stage in STAGES:
            self.bar.update(self.task, description=STAGES[stage], completed=self.order.index(stage))

    def __exit__(self, *exc):
        return self.bar.__exit__(*exc)
