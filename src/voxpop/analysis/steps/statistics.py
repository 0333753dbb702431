"""The statistics step: Pol.is's per-group counts, representative statements, consensus and
group-informed consensus (`voxpop.engine.stats`, `.repness`, `.consensus`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from voxpop.analysis.document import num
from voxpop.engine.consensus import consensus, group_informed_consensus
from voxpop.engine.repness import group_repness
from voxpop.engine.stats import vote_counts

from .base import Context, Section, Step, register


def run(ctx: Context) -> Section:
    m, r, sids = ctx.matrix, ctx.groups, ctx.conv.statement_ids
    labels, k = r.group_labels, int(r.k)
    counts = vote_counts(m, labels, k)
    repness = group_repness(m, labels, k, ctx.excluded)
    lists = consensus(m, ctx.excluded)
    gic = group_informed_consensus(m, labels, k)
    bg = {key: np.asarray(counts["by_group"][key]).tolist() for key in ("n_agree", "n_disagree", "n_seen")}
    by_group = [
        [{"group": g, "n_agree": bg["n_agree"][g][j], "n_disagree": bg["n_disagree"][g][j],
          "n_pass": bg["n_seen"][g][j] - bg["n_agree"][g][j] - bg["n_disagree"][g][j],
          "n_seen": bg["n_seen"][g][j]} for g in range(k)]
        for j in range(len(sids))]
    per_consensus: list[dict[str, Any] | None] = [None] * len(sids)
    for side in ("disagree", "agree"):
        for c in lists.get(side, []):
            per_consensus[c["col"]] = {"direction": side, "p": num(c["p"]), "p_test": num(c["p_test"])}
    representative = [
        [{"statement": sids[x["col"]], "direction": x["direction"], "n_agree": x["n_agree"],
          "n_disagree": x["n_disagree"], "n_seen": x["n_seen"], "p": num(x["p"]), "p_test": num(x["p_test"]),
          "r": num(x["r"]), "r_test": num(x["r_test"]), "repness": num(x["repness"]),
          "best_agree": bool(x["best_agree"])} for x in reps]
        for reps in repness]
    return Section({
        "groups[].representative": representative,
        "statements[].by_group": by_group,
        "statements[].consensus": per_consensus,
        "statements[].group_informed_consensus": ctx.per_statement(gic),
        "consensus": {side: [sids[c["col"]] for c in lists.get(side, [])] for side in ("agree", "disagree")},
        "group_informed_consensus": ctx.ranked(gic),
    }, data={"counts": counts, "repness": repness, "consensus": lists, "gic": gic})


STEP = register(Step(
    name="statistics", needs=("groups",), timing="stats_s", run=run,
    fills=("groups[].representative", "statements[].by_group", "statements[].consensus",
           "statements[].group_informed_consensus", "consensus", "group_informed_consensus"),
    description="votes per group, representative statements, consensus and group-informed consensus (Pol.is)",
))
