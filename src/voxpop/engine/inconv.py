"""Which participants are clustered: Pol.is's `in-conv` rule, cold start (docs/polis-math.md §1.4).

1. count[p] = cells p has in the *raw* matrix (agree, disagree and pass, moderated-out statements included);
2. in-conv = {p : count[p] >= min(min_votes, n_cmts)}, n_cmts = statements with at least one vote;
3. if fewer than `greedy_fill` are in, add the remaining participants with the most votes until there are
   `greedy_fill` (or everybody who voted). Ties go to the earlier row (Pol.is: arbitrary hash order).

Pol.is keeps in-conv sticky across ticks ("once in, always in"): `prior` is the mask of the previous
update (`EngineState.in_conv`), and `in_conversation_history` evaluates the rule as a conversation grew,
from its vote times.
"""

from __future__ import annotations

import numpy as np


def in_conversation(
    counts: np.ndarray, n_cmts: int, *, min_votes: int = 7, greedy_fill: int = 15,
    prior: np.ndarray | None = None,
) -> np.ndarray:
    """Boolean mask of in-conversation rows, from raw per-row vote counts (and the sticky `prior` mask)."""
    counts = np.asarray(counts)
    threshold = min(min_votes, n_cmts)
    mask = (counts >= threshold) & (counts > 0)
    if prior is not None:
        mask |= np.asarray(prior, dtype=bool)
    missing = greedy_fill - int(mask.sum())
    if missing > 0:
        candidates = np.flatnonzero(~mask & (counts > 0))
        # highest count first, earlier row first among equal counts (stable sort)
        order = candidates[np.argsort(-counts[candidates], kind="stable")]
        mask[order[:missing]] = True
    return mask


def in_conversation_history(
    participant: np.ndarray,
    statement: np.ndarray,
    timestamp: np.ndarray,
    n_rows: int,
    *,
    window_ms: float,
    min_votes: int = 7,
    greedy_fill: int = 15,
) -> np.ndarray:
    """Rows that were in-conversation after some update step as the conversation grew ("once in, always
    in"), from the vote times; steps as in `voxpop.engine.steps.update_steps`.

    The rule is evaluated at the end of every step on that moment's raw counts (distinct statements voted
    on) and n_cmts (statements with a vote), and so is the greedy fill. Only the early steps can admit
    someone the final counts would not — before `min_votes` statements had votes, or before
    `greedy_fill` participants were in — so the replay stops at the first step after which both hold,
    and only the earliest votes are ever sorted.
    """
    from .steps import update_steps

    p, s = np.asarray(participant), np.asarray(statement)
    t = np.asarray(timestamp, dtype=np.float64)
    n = len(t)
    # the earliest votes, without sorting (or copying) all of them: a cut-off time from a strided sample
    sample = t[:: max(1, n // (1 << 20))]
    share = (1 << 14) / max(n, 1)
    while True:
        if share >= 1.0:
            idx = np.arange(n)
        else:
            k = min(len(sample) - 1, int(np.ceil(share * len(sample))))
            idx = np.flatnonzero(t <= np.partition(sample, k)[k])
        idx = idx[np.argsort(t[idx], kind="stable")]
        done, mask = _replay_prefix(p[idx].astype(np.int64), s[idx].astype(np.int64), t[idx], n_rows, window_ms,
                                    min_votes, greedy_fill, complete=len(idx) == n, steps=update_steps)
        if done or len(idx) == n:
            return mask
        share *= 8


def _replay_prefix(p, s, t, n_rows, window_ms, min_votes, greedy_fill, *, complete, steps):
    """(finished?, mask) for the time-sorted prefix p, s, t; unfinished when the prefix ran out before
    the stopping step (its last step may be cut short unless the prefix is `complete`)."""
    mask = np.zeros(n_rows, dtype=bool)
    cell = p * (int(s.max()) + 1 if len(s) else 1) + s
    _, first_cell = np.unique(cell, return_index=True)
    new_cell = np.zeros(len(p), dtype=bool)
    new_cell[first_cell] = True
    _, first_col = np.unique(s, return_index=True)
    new_col = np.zeros(len(p), dtype=bool)
    new_col[first_col] = True
    n_cmts_after = np.cumsum(new_col)
    counts = np.zeros(n_rows, dtype=np.int64)
    ends = steps(t, window_ms)
    start = 0
    for k, end in enumerate(ends):
        if not complete and k == len(ends) - 1:
            return False, mask  # the last step may continue past the prefix
        sl = slice(start, end)
        np.add.at(counts, p[sl][new_cell[sl]], 1)
        n_cmts = int(n_cmts_after[end - 1])
        threshold = min(min_votes, n_cmts)
        voters = np.unique(p[sl])
        mask[voters[counts[voters] >= threshold]] = True
        missing = greedy_fill - int(mask.sum())
        if missing > 0:
            cand = np.flatnonzero(~mask & (counts > 0))
            order = cand[np.argsort(-counts[cand], kind="stable")]
            mask[order[:missing]] = True
        if n_cmts >= min_votes and int(mask.sum()) >= greedy_fill:
            return True, mask
        start = end
    return True, mask
