"""The vote matrix: participants x statements, built from a vote log (latest vote wins).

Votes use the export convention: +1 agree, -1 disagree, 0 pass; a cell with no vote is "not seen".
Rows and columns are integer indices; mapping them to ids is the caller's business.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp


@dataclass(frozen=True, eq=False)
class VoteMatrix:
    """Deduplicated votes in COO form: one entry per (row, col) that has a vote (passes included)."""

    rows: np.ndarray  # int32, participant index
    cols: np.ndarray  # int32, statement index
    vals: np.ndarray  # int8, +1 agree / -1 disagree / 0 pass
    n_rows: int
    n_cols: int

    def _csr(self, data: np.ndarray) -> sp.csr_matrix:
        m = sp.csr_matrix((data, (self.rows, self.cols)), shape=(self.n_rows, self.n_cols))
        m.sort_indices()
        return m

    @cached_property
    def seen(self) -> sp.csr_matrix:
        """1.0 where a participant voted (agree, disagree or pass) on a statement."""
        return self._csr(np.ones(len(self.vals), dtype=np.float64))

    @cached_property
    def values(self) -> sp.csr_matrix:
        """The vote values (+1/-1; passes are 0 and so not stored)."""
        keep = self.vals != 0
        m = sp.csr_matrix(
            (self.vals[keep].astype(np.float64), (self.rows[keep], self.cols[keep])),
            shape=(self.n_rows, self.n_cols),
        )
        m.sort_indices()
        return m

    @cached_property
    def agree(self) -> sp.csr_matrix:
        return self._csr((self.vals == 1).astype(np.float64))

    @cached_property
    def disagree(self) -> sp.csr_matrix:
        return self._csr((self.vals == -1).astype(np.float64))

    @property
    def n_votes(self) -> int:
        return int(len(self.vals))


def from_vote_log(
    participant: np.ndarray,
    statement: np.ndarray,
    vote: np.ndarray,
    timestamp: np.ndarray | None = None,
    *,
    n_participants: int | None = None,
    n_statements: int | None = None,
) -> VoteMatrix:
    """Build a VoteMatrix from a vote log; the latest vote per (participant, statement) wins.

    "Latest" is the largest timestamp; equal or missing timestamps fall back to log order (later row wins).
    """
    p = np.asarray(participant, dtype=np.int64)
    s = np.asarray(statement, dtype=np.int64)
    v = np.asarray(vote)
    if not (len(p) == len(s) == len(v)):
        raise ValueError("participant, statement and vote must have the same length")
    if len(v) and not np.isin(v, (-1, 0, 1)).all():
        bad = v[~np.isin(v, (-1, 0, 1))][0]
        raise ValueError(f"votes must be 1 (agree), -1 (disagree) or 0 (pass); got {bad!r}")
    n_p = int(n_participants if n_participants is not None else (p.max() + 1 if len(p) else 0))
    n_s = int(n_statements if n_statements is not None else (s.max() + 1 if len(s) else 0))
    order = np.arange(len(v))
    if timestamp is not None:
        order = np.lexsort((order, np.asarray(timestamp, dtype=np.float64)))
    key = p[order] * max(n_s, 1) + s[order]
    # keep the last occurrence of each key in time order
    rev_key = key[::-1]
    _, first_in_rev = np.unique(rev_key, return_index=True)
    idx = order[len(order) - 1 - first_in_rev]
    idx.sort()
    return VoteMatrix(
        rows=p[idx].astype(np.int32),
        cols=s[idx].astype(np.int32),
        vals=v[idx].astype(np.int8),
        n_rows=n_p,
        n_cols=n_s,
    )
