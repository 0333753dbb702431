"""Which participants are clustered: Pol.is's `in-conv` rule, cold start (docs/polis-math.md §1.4).

1. count[p] = cells p has in the *raw* matrix (agree, disagree and pass, moderated-out statements included);
2. in-conv = {p : count[p] >= min(min_votes, n_cmts)}, n_cmts = statements with at least one vote;
3. if fewer than `greedy_fill` are in, add the remaining participants with the most votes until there are
   `greedy_fill` (or everybody who voted). Ties go to the earlier row (Pol.is: arbitrary hash order).

Pol.is keeps in-conv sticky across ticks; a cold start has no history, so this is the whole rule here.
"""

from __future__ import annotations

import numpy as np


def in_conversation(
    counts: np.ndarray, n_cmts: int, *, min_votes: int = 7, greedy_fill: int = 15
) -> np.ndarray:
    """Boolean mask of in-conversation rows, from raw per-row vote counts."""
    counts = np.asarray(counts)
    threshold = min(min_votes, n_cmts)
    mask = (counts >= threshold) & (counts > 0)
    missing = greedy_fill - int(mask.sum())
    if missing > 0:
        candidates = np.flatnonzero(~mask & (counts > 0))
        # highest count first, earlier row first among equal counts (stable sort)
        order = candidates[np.argsort(-counts[candidates], kind="stable")]
        mask[order[:missing]] = True
    return mask
