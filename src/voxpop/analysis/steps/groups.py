"""The groups step: in-conversation participants, the PCA map and the opinion groups (the engine's core).

Cold, replayed from vote times (`analyze(conv, replay=True)`), or warm-started from the state of an
earlier analysis (`analyze(conv, history=state)`, `voxpop.engine.warm.EngineState`). Raises
`voxpop.engine.pipeline.TooFewVotes` when there is nothing to group yet; `analyze` then returns the
"too_few_votes" document. `ctx.groups` is its `EngineResult` for the steps after it.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import numpy as np

from voxpop.analysis.document import floats, num
from voxpop.engine.inconv import in_conversation_history
from voxpop.engine.pipeline import EngineResult, analyze_matrix
from voxpop.engine.replay import DEFAULT_WINDOW_S
from voxpop.engine.replay import replay as run_replay
from voxpop.engine.warm import EngineState

from .base import Context, Section, Step, register


def run(ctx: Context) -> Section:
    result, history = _engine(ctx)
    k = int(result.k)
    labels = result.group_labels
    sizes = np.bincount(labels[labels >= 0], minlength=k)
    ks = sorted(result.silhouette) if result.silhouette else [k]
    groups: list[dict[str, Any]] = [
        {"id": g, "size": int(sizes[g]), "center": floats(result.group_centers[g], 5), "representative": []}
        for g in range(k)]
    return Section({
        "meta.k": k, "meta.k_range": [int(ks[0]), int(ks[-1])],
        "meta.silhouette": {str(kk): num(v) for kk, v in result.silhouette.items()},
        "meta.options": asdict(result.options) | history,
        "meta.counts.participants_in_conversation": int(result.in_conv.sum()),
        "participants[].group": [g if g >= 0 else None for g in labels.tolist()],
        "participants[].x": floats(result.proj[:, 0], 5), "participants[].y": floats(result.proj[:, 1], 5),
        "participants[].votes": result.votes_per_participant.tolist(),
        "participants[].in_conversation": result.in_conv.tolist(),
        "groups": groups,
        "statements[].extremity": ctx.per_statement(result.extremity),
        "statements[].x": ctx.per_statement(result.comment_proj[:, 0]),
        "statements[].y": ctx.per_statement(result.comment_proj[:, 1]),
    }, data=result, timings={key: v for key, v in result.timings.items() if key != "total_s"})


def _engine(ctx: Context) -> tuple[EngineResult, dict[str, Any]]:
    """The engine run, cold, warm or replayed, and what to record about it in meta.options."""
    conv, m, opts = ctx.conv, ctx.matrix, ctx.options
    outer = ctx.progress
    progress = None if outer is None else (lambda stage, f: outer(stage, 0.1 + 0.5 * f))
    window_s = float(ctx.inputs.get("replay_window_s", DEFAULT_WINDOW_S))
    history: EngineState | None = ctx.inputs.get("history")
    if history is not None:
        result = analyze_matrix(m, ctx.excluded, opts, progress=progress, history=history)
        return result, {"history": f"warm, update {result.state.updates if result.state else 1}"}
    if conv.timestamp is None:
        return analyze_matrix(m, ctx.excluded, opts, progress=progress), {"history": "cold"}
    if ctx.inputs.get("replay"):
        result, info = run_replay(conv.participant, conv.statement, conv.vote, conv.timestamp,
                                  n_participants=m.n_rows, n_statements=m.n_cols, mod_out=ctx.excluded, options=opts,
                                  window_s=window_s, progress=progress)
        return result, {"history": "replay", "replay_window_s": info.window_s, "replay_steps": info.steps,
                        "replay_s": round(info.seconds, 3)}
    sticky = in_conversation_history(conv.participant, conv.statement, conv.timestamp, m.n_rows,
                                     window_ms=window_s * 1000.0, min_votes=opts.min_votes,
                                     greedy_fill=opts.greedy_fill)
    result = analyze_matrix(m, ctx.excluded, opts, progress=progress, history=EngineState(in_conv=sticky))
    return result, {"history": "cold, in-conversation replayed from vote times", "replay_window_s": window_s}


STEP = register(Step(
    name="groups", needs=("votes",), timing="cluster_s", run=run,
    fills=("meta.k", "meta.k_range", "meta.silhouette", "meta.options", "meta.counts.participants_in_conversation",
           "participants[].group", "participants[].x", "participants[].y", "participants[].votes",
           "participants[].in_conversation", "groups", "statements[].extremity", "statements[].x",
           "statements[].y"),
    description="who is in the conversation, the map (PCA) and the opinion groups (k-means), as Pol.is",
))
