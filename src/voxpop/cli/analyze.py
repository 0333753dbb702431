"""voxpop analyze: a Pol.is export folder or a votes CSV -> groups, common ground, bridging, report."""

from __future__ import annotations

import json
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

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
# stage just done (the engine's stages, then each analysis step's name) -> the stage shown next
NEXT = {"parse": "matrix", "matrix": "pca", "pca": "cluster", "cluster": "stats", "statistics": "stats",
        "divisive": "bridging", "bridging": "places", "common_ground": "places", "places": "done"}


def fail(message: str, code: int = 2) -> typer.Exit:
    Console(stderr=True, highlight=False).print(f"[bold red]error:[/] {message}", soft_wrap=True)
    return typer.Exit(code)


@app.command()
def analyze(
    path: Annotated[Path, typer.Argument(help="A Pol.is export folder, a folder of voxpop exports (ID-votes.csv "
                                              "...), or a votes CSV (participant,statement,vote[,timestamp]); "
                                              "statements.csv, places.csv and participants.csv beside it are "
                                              "read too.")],
    statements: Annotated[Path | None, typer.Option("--statements", help="CSV of statement,text "
                                                    "(for a plain votes CSV; default: statements.csv beside "
                                                    "it).")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the analysis document here "
                                                  "(- for stdout).")] = None,
    html: Annotated[Path | None, typer.Option("--html", help="Write a self-contained HTML report here "
                                              "(- for stdout).")] = None,
    seed: Annotated[int, typer.Option(help="Seed (results are deterministic for a seed).")] = 0,
    k_max: Annotated[int, typer.Option("--k-max", help="Largest number of groups to consider.")] = 5,
    places: Annotated[Path | None, typer.Option("--places", help="Places CSV (id,name,kind,parent,"
                                                "population).")] = None,
    participants: Annotated[Path | None, typer.Option("--participants", help="CSV of participant_id,"
                                                      "place_id (with --places).")] = None,
    policy: Annotated[Policy, typer.Option(help="How much each place counts.")] = Policy.population,
    min_cell: Annotated[int, typer.Option("--min-cell", min=1, help="Smallest group of participants shown "
                                          "in a place breakdown (smaller cells are suppressed).")] = 5,
    place_mapping: Annotated[str | None, typer.Option("--place-mapping", help="Column mapping for --places: "
                                                      "a preset, JSON, or id=COL,name=COL,population=COL,"
                                                      "parent.region=CODE:NAME (docs/places.md).")] = None,
    margins: Annotated[Path | None, typer.Option("--margins", help="JSON raking targets matched with the "
                                                 "--participants strata columns, e.g. "
                                                 '{"age_band": {"16-24": 0.12, ...}}.')] = None,
    csv_dir: Annotated[Path | None, typer.Option("--csv", help="Write the places tables (support, places, "
                                                 "breakdowns, coverage_next) as CSV files in this folder.")] = None,
    only_given: Annotated[bool, typer.Option("--only-given", help="Read only the files named here, not the "
                                             "statements, places or participants files beside them.")] = False,
    width: Annotated[int | None, typer.Option("--width", min=40, help="Width of the summary in columns "
                                              "(default: the terminal's, also when piped).")] = None,
    replay: Annotated[bool, typer.Option("--replay", help="Re-run the conversation's history from its vote "
                                         "times in the update steps Pol.is would have taken (each warm-started "
                                         "from the last), to get Pol.is's own groups (docs/departures.md).")] = False,
    replay_window: Annotated[float, typer.Option("--replay-window", min=0.0, help="Seconds of votes per update "
                                                 "step (for --replay, and for when participants joined).")] = 600.0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print no summary.")] = False,
) -> None:
    """Find opinion groups, what each group stands for, common ground and bridging statements."""
    from voxpop.analysis.document import DocumentError, validate_document
    from voxpop.analysis.run import analyze as run_analysis
    from voxpop.cli.output import is_stdout, make_console, write_text
    from voxpop.engine.pipeline import EngineOptions
    from voxpop.io import InputError, locate, read_located

    if is_stdout(json_out) and is_stdout(html):
        raise fail("--json - and --html - would both write to stdout; send one of them to a file")
    # the summary goes to stderr when a document goes to stdout, so the document stays clean
    console = make_console(width, stderr=is_stdout(json_out) or is_stdout(html))
    try:
        found = locate(path, statements, beside=not only_given)
    except InputError as e:
        raise fail(str(e)) from None
    if places is None and found.places is not None:
        places, participants = found.places, found.participants
    elif places is not None:
        found.notes = [n for n in found.notes if not n.startswith(("places:", "participants:"))]
    if not quiet:
        for note in found.notes:
            console.print(f"[dim]using {note}[/]")
    if participants is not None and places is None:
        raise fail("--participants needs --places (the places those participants live in)")
    for given, name in ((place_mapping, "--place-mapping"), (margins, "--margins"), (csv_dir, "--csv")):
        if given is not None and places is None:
            raise fail(f"{name} needs --places (a places CSV)")
    targets = _read_margins(margins) if margins is not None else None
    try:
        options = EngineOptions(seed=seed, k_max=k_max)
    except ValueError as e:
        raise fail(str(e)) from None
    with _progress(console) as step:
        step("parse")
        t = time.perf_counter()
        try:
            conv = read_located(found)
            registry = placed = None
            if places is not None:
                registry, placed = _read_places(places, participants, place_mapping)
        except InputError as e:  # also voxpop.places' PlaceError: both name the file, the line, the fix
            raise fail(str(e)) from None
        load_s = time.perf_counter() - t
        step("matrix")
        try:
            raw = run_analysis(conv, options=options, places=registry, participant_places=placed,
                               policy=policy.value, min_cell=min_cell, margins=targets, load_s=load_s,
                               progress=lambda stage, _f: step(NEXT.get(stage, stage)),
                               replay=replay, replay_window_s=replay_window)
        except InputError as e:  # places that do not match the registry (PlaceError) name what to fix
            raise fail(str(e)) from None
        except ValueError as e:  # --replay on votes without times
            raise fail(str(e)) from None
    try:  # the types of docs/analysis-schema.md: a document that breaks them is a bug, never written
        doc = validate_document(raw, strict_json=False)  # (the JSON below is written strictly)
    except DocumentError as e:
        raise fail(f"{e}\nThis is a bug in voxpop: please report it with the command you ran.", code=1) from None
    outputs: list[tuple[Path, str]] = []
    if json_out is not None:
        outputs.append((json_out, json.dumps(doc, ensure_ascii=False, allow_nan=False, separators=(",", ":"))))
    if html is not None:
        from voxpop.report import render_html

        outputs.append((html, render_html(doc)))
    for target, text in outputs:
        try:
            write_text(target, text)
        except OSError as e:
            raise fail(f"{target}: cannot write ({e.strerror}) — check the folder exists and is writable") from None
    csv_written: list[Path] = []
    if csv_dir is not None:
        if not doc["places"]:
            raise fail(f"--csv {csv_dir}: no places tables to write ({doc['meta']['message']})")
        from voxpop.places.export import write_csvs

        try:
            csv_written = write_csvs(doc, csv_dir)
        except OSError as e:
            raise fail(f"{csv_dir}: cannot write ({e.strerror}) — check the folder is writable") from None
    if not quiet:
        print_summary(console, doc)
        for target in [t for t, _ in outputs if not is_stdout(t)] + csv_written:
            console.print(f"[green]wrote[/] {target}")


def _read_places(places: Path, participants: Path | None, mapping: str | None = None):
    from voxpop.places.io import read_participant_places, read_places

    return read_places(places, mapping), (read_participant_places(participants) if participants else None)


def _read_margins(path: Path) -> dict[str, dict[str, float]]:
    """{"stratum": {"category": share, ...}, ...} from a JSON file, checked: shares are numbers >= 0."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise fail(f"{path}: cannot read ({e.strerror})") from None
    except json.JSONDecodeError as e:
        raise fail(f"{path}: not valid JSON (line {e.lineno}: {e.msg})") from None
    example = '{"age_band": {"16-24": 0.12, "25-49": 0.41, "50+": 0.47}}'
    if not isinstance(data, dict) or not data:
        raise fail(f"{path}: give an object of strata, each with its categories' shares, e.g. {example}")
    for name, target in data.items():
        ok = isinstance(target, dict) and target and all(
            isinstance(v, int | float) and not isinstance(v, bool) and v >= 0 for v in target.values())
        if not ok or sum(target.values()) <= 0:
            raise fail(f"{path}: margin {name!r} must map each category to a share of 0 or more (not all 0), "
                       f"e.g. {example}")
    return {name: {str(k): float(v) for k, v in target.items()} for name, target in data.items()}


class _progress:
    """A Rich progress bar over the analysis stages, shown only on a terminal."""

    def __init__(self, console: Console):
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(TextColumn("{task.description:<14}"), BarColumn(), TimeElapsedColumn(),
                            console=Console(stderr=True), transient=True,
                            disable=not console.is_terminal)
        self.order = list(STAGES)
        self.task: Any = None  # the rich TaskID once the bar starts

    def __enter__(self):
        self.bar.__enter__()
        self.task = self.bar.add_task(STAGES["parse"], total=len(self.order) - 1)
        return self.step

    def step(self, stage: str) -> None:
        if stage in STAGES:
            self.bar.update(self.task, description=STAGES[stage], completed=self.order.index(stage))

    def __exit__(self, *exc):
        return self.bar.__exit__(*exc)
