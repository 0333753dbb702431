"""The common-ground step: statements a majority of every group backs, and where groups split
(`voxpop.analysis.common_ground`, from the document's per-group counts)."""

from __future__ import annotations

from voxpop.analysis.common_ground import common_ground, splits

from .base import Context, Section, Step, register


def run(ctx: Context) -> Section:
    doc = ctx.document
    group_ids = [g["id"] for g in doc["groups"]]
    statements = doc["statements"]
    return Section({"common_ground": common_ground(statements, group_ids), "splits": splits(statements, group_ids)})


STEP = register(Step(name="common_ground", needs=("statistics",), fills=("common_ground", "splits"),
                     timing="document_s", run=run,
                     description="what a majority of every group agrees on, and where groups split"))
