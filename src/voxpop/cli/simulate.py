"""voxpop simulate: a conversation with planted groups and common ground, at any size."""

from __future__ import annotations

import re
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from voxpop.cli import app


class Format(StrEnum):
    plain = "plain"
    polis = "polis"


def _range(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d+)\s*(?:(?:\.\.|-)\s*(\d+)\s*)?", text)
    if not m:
        raise typer.BadParameter(f"{text!r} is not a range like 20..60", param_hint="--votes-per-participant")
    a = int(m.group(1))
    b = int(m.group(2)) if m.group(2) else a
    if not 1 <= a <= b:
        raise typer.BadParameter("needs 1 <= A <= B", param_hint="--votes-per-participant")
    return a, b


@app.command()
def simulate(
    out_dir: Annotated[Path, typer.Argument(help="Folder to write votes.csv, statements.csv and truth.json to.")],
    participants: Annotated[int, typer.Option(min=1, help="Number of participants.")] = 1000,
    statements: Annotated[int, typer.Option(min=1, help="Number of statements.")] = 100,
    groups: Annotated[int, typer.Option(min=1, help="Planted opinion groups (unequal sizes).")] = 3,
    votes_per_participant: Annotated[str, typer.Option(help="Votes per person, a range A..B.")] = "20..60",
    consensus_fraction: Annotated[float, typer.Option(min=0.0, max=1.0, help="Share of common-ground "
                                                      "statements (every group agrees).")] = 0.1,
    pass_probability: Annotated[float, typer.Option(min=0.0, max=1.0, help="Chance a vote is a pass.")] = 0.1,
    follow_probability: Annotated[float, typer.Option(min=0.0, max=1.0, help="Chance a vote follows the "
                                                      "person's group.")] = 0.85,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    format: Annotated[Format, typer.Option("--format", help="What to write: plain (a votes CSV) or polis (a Pol.is export folder).")]
    = Format.plain,
) -> None:
    """Simulate a divided country listening to itself (planted groups and common ground)."""
    from voxpop.simulate import SimSpec, write
    from voxpop.simulate import simulate as run

    vmin, vmax = _range(votes_per_participant)
    spec = SimSpec(participants=participants, statements=statements, groups=groups, votes_min=vmin,
                   votes_max=vmax, consensus_fraction=consensus_fraction, p_pass=pass_probability,
                   p_follow=follow_probability, seed=seed)
    console = Console(highlight=False)
    t = time.perf_counter()
    sim = run(spec)
    t_gen = time.perf_counter() - t
    paths = write(sim, out_dir, format.value)
    t_all = time.perf_counter() - t
    sizes = sim.truth()["group_sizes"] if participants <= 1_000_000 else None
    console.print(f"simulated {participants:,} participants · {statements:,} statements · {len(sim.vote):,} votes "
                  f"in {t_gen:.1f}s; written in {t_all - t_gen:.1f}s")
    if sizes:
        console.print(f"planted groups: {', '.join(f'{s:,}' for s in sizes)} · "
                      f"common-ground statements: {len(sim.consensus):,}")
    for p in paths:
        console.print(f"[green]wrote[/] {p}")
