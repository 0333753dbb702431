"""Replay a conversation's history: the engine re-run in the update steps Pol.is would have taken.

Pol.is's groups are the end of a history: every update starts from the previous one's clusters, keeps
everyone who was ever in the conversation, and shows a new k only after it has won four updates in a
row. `replay` rebuilds that history from the vote times (`voxpop.engine.steps.update_steps`): for each
step it builds the matrix of the votes cast so far (latest vote wins) and runs one warm update
(`analyze_matrix(..., history=state)`). Rows must be in arrival order
(first vote time), so that every step's participants keep their rows.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .matrix import from_vote_log
from .pipeline import EngineOptions, EngineResult, TooFewVotes, analyze_matrix
from .steps import time_order, update_steps
from .warm import EngineState

DEFAULT_WINDOW_S = 600.0  # one update per 10 minutes of votes (docs/departures.md, "Replay")
DEFAULT_GROUP_MEMORY_S = 3600.0  # group clusterings forgotten across a pause in voting longer than this


@dataclass(frozen=True)
class ReplayInfo:
    steps: int  # update steps run (the last one on every vote)
    skipped: int  # steps with too few votes to cluster (only the sticky in-conv set moved)
    window_s: float
    seconds: float
    k_history: list[tuple[int, int]]  # (best k, shown k) after each clustered step


def replay(
    participant: np.ndarray,
    statement: np.ndarray,
    vote: np.ndarray,
    timestamp: np.ndarray,
    *,
    n_participants: int,
    n_statements: int,
    mod_out: np.ndarray | None = None,
    options: EngineOptions | None = None,
    window_s: float = DEFAULT_WINDOW_S,
    group_memory_s: float | None = DEFAULT_GROUP_MEMORY_S,
    progress: Callable[[str, float], None] | None = None,
) -> tuple[EngineResult, ReplayInfo]:
    """The final analysis after replaying every update step; raises TooFewVotes like `analyze_matrix`.

    Carried through every step: rows, the sticky in-conversation set, base clusters and the k smoother.
    Group clusterings (one per k) are carried too, but forgotten across a pause in voting longer than
    `group_memory_s` (None: never forgotten): Pol.is keeps them in memory only, so a restart of its
    math worker drops them, and carried through weeks of history they drift away from Pol.is's own
    exported groups (docs/departures.md).
    """
    t0 = time.perf_counter()
    if timestamp is None:
        raise ValueError("a replay needs vote times: give a timestamp per vote")
    if not (np.isfinite(window_s) and window_s >= 0):
        raise ValueError(f"window_s must be a number of seconds >= 0, got {window_s!r}")
    p, s, v = (np.asarray(x) for x in (participant, statement, vote))
    t = np.asarray(timestamp, dtype=np.float64)
    if not (len(p) == len(s) == len(v) == len(t)):
        raise ValueError("participant, statement, vote and timestamp must have the same length")
    order = time_order(t)
    p, s, v, t = p[order], s[order], v[order], t[order]
    ends = update_steps(t, window_s * 1000.0)
    if len(ends) == 0:
        raise TooFewVotes("nobody has voted yet: an analysis needs votes from at least two participants")
    state = EngineState()
    skipped = 0
    ks: list[tuple[int, int]] = []
    opts = options or EngineOptions()
    step_opts = EngineOptions(**{**opts.__dict__, "bridging": False})
    starts = np.concatenate(([0], ends[:-1]))
    for i, end in enumerate(ends[:-1]):
        if group_memory_s is not None and state.groups:
            gap = (t[starts[i]] - t[starts[i] - 1]) / 1000.0 if starts[i] > 0 else 0.0
            if gap > group_memory_s:
                state = _without_groups(state)
        m = from_vote_log(p[:end], s[:end], v[:end], n_participants=n_participants, n_statements=n_statements)
        try:
            r = analyze_matrix(m, mod_out, step_opts, history=state)
        except TooFewVotes:
            skipped += 1
            state = _sticky_only(state, m, opts)
            continue
        assert r.state is not None and r.best_k is not None and r.k is not None
        state = r.state
        ks.append((int(r.best_k), int(r.k)))
        if progress is not None and i % 64 == 0:
            progress("replay", 0.1 + 0.5 * i / len(ends))
    if group_memory_s is not None and len(ends) > 1 and (t[starts[-1]] - t[starts[-1] - 1]) / 1000.0 > group_memory_s:
        state = _without_groups(state)
    m = from_vote_log(p, s, v, n_participants=n_participants, n_statements=n_statements)
    result = analyze_matrix(m, mod_out, opts, progress, history=state)
    ks.append((int(result.best_k or 0), int(result.k or 0)))
    info = ReplayInfo(len(ends), skipped, float(window_s), time.perf_counter() - t0, ks)
    return result, info


def _sticky_only(state: EngineState, m, opts: EngineOptions) -> EngineState:
    """A step that cannot be clustered still admits participants (Pol.is evaluates in-conv every update)."""
    from dataclasses import replace

    from .inconv import in_conversation

    cells = m.cells
    counts = np.diff(cells.indptr).astype(np.int64)
    n_cmts = int((np.bincount(cells.indices, minlength=m.n_cols) > 0).sum())
    mask = in_conversation(counts, n_cmts, min_votes=opts.min_votes, greedy_fill=opts.greedy_fill,
                           prior=state.prior_in_conv(m.n_rows))
    return replace(state, in_conv=mask, updates=state.updates + 1)


def _without_groups(state):
    from dataclasses import replace

    return replace(state, groups={})
