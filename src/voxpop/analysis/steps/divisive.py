"""The divisive step: how far the groups' agreement on each statement spreads (`voxpop.engine.divisive`).

A small example of a step: the math is one engine function, the section two document parts."""

from __future__ import annotations

from voxpop.engine.divisive import divisiveness

from .base import Context, Section, Step, register


def run(ctx: Context) -> Section:
    values = divisiveness(ctx.matrix, ctx.groups.group_labels, int(ctx.groups.k))
    return Section({"statements[].divisiveness": ctx.per_statement(values), "divisive": ctx.ranked(values)},
                   data=values)


STEP = register(Step(name="divisive", needs=("groups",), fills=("statements[].divisiveness", "divisive"),
                     timing="stats_s", run=run, description="statements the groups disagree about most"))
