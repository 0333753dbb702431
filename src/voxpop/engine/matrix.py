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
    """Deduplicated votes in COO form: one entry per (row, col) that has a vote (passes included).

    Entries may come in any order; `from_vote_log` returns them sorted by (row, col), which makes the
    CSR views below cheap (no sort needed).
    """

    rows: np.ndarray  # int32, participant index
    cols: np.ndarray  # int32, statement index
    vals: np.ndarray  # int8, +1 agree / -1 disagree / 0 pass
    n_rows: int
    n_cols: int

    @cached_property
    def _canonical(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(indptr, rows, indices, vals) of the entries in row-major (row, col) order."""
        rows = np.asarray(self.rows)
        cols = np.asarray(self.cols)
        vals = np.asarray(self.vals)
        if len(rows) > 1:
            key = rows.astype(np.int64) * max(self.n_cols, 1) + cols
            if not np.all(key[1:] > key[:-1]):
                perm = np.argsort(key, kind="stable")
                rows, cols, vals = rows[perm], cols[perm], vals[perm]
        indptr = np.zeros(self.n_rows + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=self.n_rows), out=indptr[1:])
        if indptr[-1] < np.iinfo(np.int32).max:
            indptr = indptr.astype(np.int32)
        return indptr, rows, cols.astype(np.int32, copy=False), vals

    def _subset(self, keep: np.ndarray, data: np.ndarray) -> sp.csr_matrix:
        indptr, rows, indices, _ = self._canonical
        new_ptr = np.zeros(self.n_rows + 1, dtype=indptr.dtype)
        np.cumsum(np.bincount(rows[keep], minlength=self.n_rows), out=new_ptr[1:])
        return sp.csr_matrix((data[keep], indices[keep], new_ptr), shape=(self.n_rows, self.n_cols))

    @cached_property
    def seen(self) -> sp.csr_matrix:
        """1.0 where a participant voted (agree, disagree or pass) on a statement."""
        indptr, _, indices, vals = self._canonical
        return sp.csr_matrix(
            (np.ones(len(vals), dtype=np.float64), indices, indptr), shape=(self.n_rows, self.n_cols)
        )

    @cached_property
    def cells(self) -> sp.csr_matrix:
        """Vote values on the `seen` structure: passes are stored as explicit zeros (same indptr/indices)."""
        indptr, _, indices, vals = self._canonical
        return sp.csr_matrix((vals.astype(np.float64), indices, indptr), shape=(self.n_rows, self.n_cols))

    @cached_property
    def values(self) -> sp.csr_matrix:
        """The vote values (+1/-1; passes are 0 and so not stored)."""
        _, _, _, vals = self._canonical
        return self._subset(vals != 0, vals.astype(np.float64))

    @cached_property
    def agree(self) -> sp.csr_matrix:
        _, _, _, vals = self._canonical
        return self._subset(vals == 1, np.ones(len(vals), dtype=np.float64))

    @cached_property
    def disagree(self) -> sp.csr_matrix:
        _, _, _, vals = self._canonical
        return self._subset(vals == -1, np.ones(len(vals), dtype=np.float64))

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
    The result's entries are sorted by (participant, statement).
    """
    p = np.asarray(participant, dtype=np.int64)
    s = np.asarray(statement, dtype=np.int64)
    v = np.asarray(vote)
    if not (len(p) == len(s) == len(v)):
        raise ValueError("participant, statement and vote must have the same length")
    if len(v) and not np.isin(v, (-1, 0, 1)).all():
        bad = v[~np.isin(v, (-1, 0, 1))][0]
        raise ValueError(f"votes must be 1 (agree), -1 (disagree) or 0 (pass); got {bad.item()!r}")
    if len(p) and (p.min() < 0 or s.min() < 0):
        raise ValueError("participant and statement indices must be >= 0")
    n_p = int(n_participants if n_participants is not None else (p.max() + 1 if len(p) else 0))
    n_s = int(n_statements if n_statements is not None else (s.max() + 1 if len(s) else 0))
    if len(p) and (p.max() >= n_p or s.max() >= n_s):
        raise ValueError("a participant or statement index is >= n_participants / n_statements")
    if timestamp is None:
        key = p * max(n_s, 1) + s
        # stable sort by key: within equal keys log order is kept, so the last of each run is the latest
        perm = np.argsort(key, kind="stable")
    else:
        t = np.asarray(timestamp, dtype=np.float64)
        if len(t) != len(v):
            raise ValueError("timestamp must have the same length as the votes")
        order = np.lexsort((np.arange(len(v)), t))
        key_o = p[order] * max(n_s, 1) + s[order]
        perm = order[np.argsort(key_o, kind="stable")]
        key = p * max(n_s, 1) + s
    ks = key[perm]
    last = np.ones(len(ks), dtype=bool)
    if len(ks) > 1:
        last[:-1] = ks[1:] != ks[:-1]
    idx = perm[last]
    return VoteMatrix(
        rows=p[idx].astype(np.int32),
        cols=s[idx].astype(np.int32),
        vals=v[idx].astype(np.int8),
        n_rows=n_p,
        n_cols=n_s,
    )
