"""Small hand-computed vote matrices shared by the statistics tests."""

from __future__ import annotations

import numpy as np

from voxpop.engine.matrix import VoteMatrix, from_vote_log

# rows 0-3 group 0, rows 4-7 group 1
#   col 0: group 0 all agree, group 1 all disagree
#   col 1: everyone agrees
#   col 2: p0, p1 agree, p2, p3 pass; p4 agrees, p5 disagrees, p6, p7 never saw it
HAND = [
    [1, 1, 1],
    [1, 1, 1],
    [1, 1, 0],
    [1, 1, 0],
    [-1, 1, 1],
    [-1, 1, -1],
    [-1, 1, None],
    [-1, 1, None],
]
LABELS = np.array([0, 0, 0, 0, 1, 1, 1, 1])


def matrix(dense: list[list[int | None]]) -> VoteMatrix:
    """A VoteMatrix from a dense list of rows (None = not seen)."""
    cells = [(i, j, v) for i, row in enumerate(dense) for j, v in enumerate(row) if v is not None]
    p, s, v = (np.array(x) for x in zip(*cells, strict=True))
    return from_vote_log(p, s, v, n_participants=len(dense), n_statements=len(dense[0]))
