"""How much the opinion groups disagree with each other on a statement.

Pol.is has no divisiveness output (its client shows the lowest group-aware consensus). Ours:

    d_g = pa_g − pd_g = (A_g − D_g) / (S_g + 2)      the group's net agreement, Beta(1, 1)-smoothed
    divisiveness = standard deviation of d_g over the groups that voted on the statement (S_g > 0)

Each group counts once, whatever its size, like the group-aware consensus product; the +2 shrinks
groups with few votes towards neutral, so a thinly-voted group cannot make a statement look divisive.
Passes pull d_g towards 0 (a group that mostly passes takes no side). The value lies in [0, 1): two
groups at unanimous opposite sides approach 1; 0 means every group has the same net position. It is
unchanged when every vote is flipped. Fewer than two voting groups → 0.
"""

from __future__ import annotations

import numpy as np

from voxpop.engine.matrix import VoteMatrix
from voxpop.engine.stats import vote_counts


def group_net_agreement(by_group: dict[str, np.ndarray]) -> np.ndarray:
    """(A_g − D_g) / (S_g + 2) for each (group, statement)."""
    a = by_group["n_agree"].astype(np.float64)
    d = by_group["n_disagree"].astype(np.float64)
    return (a - d) / (by_group["n_seen"].astype(np.float64) + 2.0)


def divisiveness(m: VoteMatrix, labels: np.ndarray, k: int, *, counts: dict | None = None) -> np.ndarray:
    """Spread of the groups' smoothed net agreement (see module docstring), float[n_cols].

    `counts` may pass an already computed `vote_counts(m, labels, k)` to save a pass over the votes.
    """
    by = (counts if counts is not None else vote_counts(m, labels, k))["by_group"]
    net = group_net_agreement(by)
    voted = by["n_seen"] > 0
    n = voted.sum(axis=0)
    w = voted.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (net * w).sum(axis=0) / n
        var = (w * (net - mean) ** 2).sum(axis=0) / n
    return np.where(n >= 2, np.sqrt(np.maximum(var, 0.0)), 0.0)
