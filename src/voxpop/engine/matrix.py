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
        if len(rows) > 1 and not _row_major(rows, cols):
            perm = np.argsort(rows.astype(np.int64) * max(self.n_cols, 1) + cols, kind="stable")
            rows, cols, vals = rows[perm], cols[perm], vals[perm]
        indptr = np.zeros(self.n_rows + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=self.n_rows), out=indptr[1:])
        if indptr[-1] < np.iinfo(np.int32).max:
            indptr = indptr.astype(np.int32)
        return indptr, rows, cols.astype(np.int32, copy=False), vals

    def _subset(self, keep: np.ndarray, data: np.ndarray | None) -> sp.csr_matrix:
        """CSR of the kept entries; data None means all ones."""
        indptr, _, indices, _ = self._canonical
        kept_before = np.concatenate(([0], np.cumsum(keep, dtype=np.int64)))
        new_ptr = kept_before[indptr].astype(indptr.dtype)
        kept = indices[keep]
        values = np.ones(len(kept), dtype=np.float64) if data is None else data[keep]
        return sp.csr_matrix((values, kept, new_ptr), shape=(self.n_rows, self.n_cols))

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

    @property
    def cell_votes(self) -> np.ndarray:
        """The int8 votes in the order of `cells`' entries (its data as bytes: cheaper to scan)."""
        return self._canonical[3]

    @cached_property
    def values(self) -> sp.csr_matrix:
        """The vote values (+1/-1; passes are 0 and so not stored)."""
        _, _, _, vals = self._canonical
        return self._subset(vals != 0, vals.astype(np.float64))

    @cached_property
    def agree(self) -> sp.csr_matrix:
        _, _, _, vals = self._canonical
        return self._subset(vals == 1, None)

    @cached_property
    def disagree(self) -> sp.csr_matrix:
        _, _, _, vals = self._canonical
        return self._subset(vals == -1, None)

    @property
    def n_votes(self) -> int:
        return int(len(self.vals))


def _row_major(rows: np.ndarray, cols: np.ndarray, block: int = 1 << 22) -> bool:
    """True when the entries are strictly increasing in (row, col), checked block by block (small
    temporaries, no 64-bit key; stops at the first block out of order)."""
    n = len(rows)
    for start in range(0, n - 1, block):
        stop = min(start + block + 1, n)
        r, c = rows[start:stop], cols[start:stop]
        r, c = (x.astype(np.int64) if x.dtype.kind == "u" else x for x in (r, c))  # no wrap-around
        dr = np.diff(r)
        ok = dr > 0
        ok |= (dr == 0) & (np.diff(c) > 0)
        if not ok.all():
            return False
    return True


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
    p, s = _index_array(participant, "participant"), _index_array(statement, "statement")
    v = np.asarray(vote)
    if not (len(p) == len(s) == len(v)):
        raise ValueError("participant, statement and vote must have the same length")
    if len(v):
        ok = (v.min() >= -1 and v.max() <= 1) if v.dtype.kind in "iu" else bool(np.isin(v, (-1, 0, 1)).all())
        if not ok:
            bad = v[~np.isin(v, (-1, 0, 1))][0]
            raise ValueError(f"votes must be 1 (agree), -1 (disagree) or 0 (pass); got {bad.item()!r}")
    n_p = int(n_participants if n_participants is not None else (p.max() + 1 if len(p) else 0))
    n_s = int(n_statements if n_statements is not None else (s.max() + 1 if len(s) else 0))
    if len(p) and (p.max() >= n_p or s.max() >= n_s):
        raise ValueError("a participant or statement index is >= n_participants / n_statements")
    pos = None  # None: log order is time order
    if timestamp is not None:
        t = np.asarray(timestamp, dtype=np.float64)
        if len(t) != len(v):
            raise ValueError("timestamp must have the same length as the votes")
        # rank of each vote in time order (ties: log order); a log already in time order costs O(n)
        if len(t) > 1 and not bool(np.all(t[1:] >= t[:-1])):
            pos = np.empty(len(v), dtype=np.int64)
            pos[np.argsort(t, kind="stable")] = np.arange(len(v), dtype=np.int64)
    rows, cols, idx = _latest_per_cell(p, s, pos, n_p, n_s)
    return VoteMatrix(rows=rows, cols=cols, vals=v[idx].astype(np.int8), n_rows=n_p, n_cols=n_s)


def _index_array(x, name: str) -> np.ndarray:
    a = np.asarray(x)
    if a.dtype.kind not in "iu":
        a = a.astype(np.int64)
    if len(a) and a.min() < 0:
        raise ValueError(f"{name} indices must be >= 0")
    return a


def _latest_per_cell(
    p: np.ndarray, s: np.ndarray, pos: np.ndarray | None, n_p: int, n_s: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rows int32, cols int32, vote index) of the kept votes, sorted by (participant, statement): per cell
    the latest vote, i.e. the one with the largest `pos` (its rank in time order; None = log order).

    O(n) bucketing by participant (scipy's COO→CSR counting sort, duplicates kept), then a short sort of
    each participant's statements; duplicate cells are then adjacent and resolved by the largest `pos`.
    """
    if len(p) == 0:
        return np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0, np.int64)
    itype = np.int32 if max(len(p), n_p, n_s) < np.iinfo(np.int32).max else np.int64
    coo = sp.coo_matrix(
        (np.arange(len(p), dtype=itype), (p.astype(itype, copy=False), s.astype(itype, copy=False))),
        shape=(n_p, max(n_s, 1)),
    )
    coo.has_canonical_format = True  # keep duplicates: they are resolved below, not summed
    csr = coo.tocsr()
    del coo
    csr.has_sorted_indices = False
    csr.sort_indices()
    order = csr.data  # vote indices, sorted by (participant, statement); duplicates adjacent, any order
    same = csr.indices[1:] == csr.indices[:-1]
    starts_of_rows = csr.indptr[1:-1]
    same[starts_of_rows[(starts_of_rows > 0) & (starts_of_rows < len(order))] - 1] = False
    rows = np.repeat(np.arange(n_p, dtype=np.int32), np.diff(csr.indptr))
    if not same.any():
        return rows, csr.indices.astype(np.int32, copy=False), order
    starts = np.flatnonzero(np.concatenate(([True], ~same)))
    rows, cols = rows[starts], csr.indices[starts].astype(np.int32, copy=False)
    if pos is None:  # log order: the largest vote index wins
        return rows, cols, np.maximum.reduceat(order, starts)
    best_pos = np.maximum.reduceat(pos[order], starts)
    # map the winning pos back to a vote index (pos is a permutation of 0..n-1)
    vote_at = np.empty(len(pos), dtype=np.int64)
    vote_at[pos] = np.arange(len(pos), dtype=np.int64)
    return rows, cols, vote_at[best_pos]
