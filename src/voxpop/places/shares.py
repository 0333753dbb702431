"""Vectorised agree / disagree / pass shares over cells of participants, unweighted and weighted.

Cells are columns of a sparse 0/1 membership matrix M (participants x cells); votes are sparse indicator
matrices (participants x statements). Every sum is one sparse product M.T @ (diag(w^k) X), so a whole
breakdown (all places, kinds and groups x all statements) costs a handful of matmuls.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import scipy.sparse as sp
from scipy.stats import norm

LEVEL = 0.95


@lru_cache(maxsize=256)
def z_for(level: float = LEVEL, family: int = 1) -> float:
    """Two-sided normal quantile; Sidak-adjusted for a family of `family` simultaneous intervals."""
    lvl = level ** (1.0 / max(int(family), 1))
    return float(norm.ppf(0.5 + lvl / 2.0))


def wilson(p: np.ndarray, n: np.ndarray, z: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for share p out of n (vectorised; nan where n == 0)."""
    p = np.asarray(p, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        z2n = z * z / n
        centre = (p + z2n / 2) / (1 + z2n)
        half = z * np.sqrt(p * (1 - p) / n + z2n / (4 * n)) / (1 + z2n)
    lo = np.clip(centre - half, 0.0, 1.0)
    hi = np.clip(centre + half, 0.0, 1.0)
    bad = ~(n > 0)
    lo[bad] = np.nan
    hi[bad] = np.nan
    return lo, hi


@dataclass
class VoteIndicators:
    agree: sp.csr_matrix  # participants x statements, 1.0 where agreed
    disagree: sp.csr_matrix
    seen: sp.csr_matrix  # agree, disagree or pass


@dataclass
class CellSums:
    """Per cell x statement: counts, weighted sums (w) and squared-weight sums (w2) of each indicator."""

    n: np.ndarray
    n_agree: np.ndarray
    n_disagree: np.ndarray
    w: dict[str, np.ndarray]  # "agree" / "disagree" / "seen"
    w2: dict[str, np.ndarray]

    @property
    def n_pass(self) -> np.ndarray:
        return self.n - self.n_agree - self.n_disagree

    def weighted(self, key: str) -> np.ndarray:
        if key == "pass":
            return self.w["seen"] - self.w["agree"] - self.w["disagree"]
        return self.w[key]

    def weighted2(self, key: str) -> np.ndarray:
        if key == "pass":
            return self.w2["seen"] - self.w2["agree"] - self.w2["disagree"]
        return self.w2[key]


def cell_sums(members: sp.csr_matrix, votes: VoteIndicators, w: np.ndarray) -> CellSums:
    mt = members.T.tocsr()
    wt = mt @ sp.diags(w)
    w2t = mt @ sp.diags(w * w)

    def prod(a, x):
        return np.asarray((a @ x).toarray(), dtype=float)

    return CellSums(
        n=prod(mt, votes.seen), n_agree=prod(mt, votes.agree), n_disagree=prod(mt, votes.disagree),
        w={k: prod(wt, getattr(votes, k)) for k in ("agree", "disagree", "seen")},
        w2={k: prod(w2t, getattr(votes, k)) for k in ("agree", "disagree", "seen")},
    )


def atom_sums(atom: np.ndarray, atom_cells: sp.csr_matrix, rows: np.ndarray, cols: np.ndarray,
              vals: np.ndarray, n_statements: int, w: np.ndarray) -> CellSums:
    """CellSums for cells that are unions of "atoms", the finest partition of participants (e.g. one
    place x one group). Sums are first taken per atom in one pass over the votes (np.bincount on the
    deduplicated COO votes rows/cols/vals), then added into cells by the small atoms x cells 0/1 matrix;
    so the cost is one pass over the votes however many cells each participant belongs to."""
    n_atoms, n_st = atom_cells.shape[0], n_statements
    base = atom[rows].astype(np.int64) * (3 * n_st) + cols
    ag, dg = vals == 1, vals == -1
    # per atom: [agree x statements, disagree x statements, seen x statements]
    key = np.concatenate([base + 2 * n_st, base[ag], base[dg] + n_st])
    pick = np.concatenate([np.arange(len(base)), np.flatnonzero(ag), np.flatnonzero(dg)])
    wr = w[rows][pick]
    size = n_atoms * 3 * n_st
    cells_t = atom_cells.T.tocsr()
    out = []
    for weights in (None, wr, wr * wr):
        acc = np.bincount(key, weights=weights, minlength=size).reshape(n_atoms, 3 * n_st)
        out.append(np.asarray(cells_t @ acc).reshape(-1, 3, n_st))
    cnt, ws, w2 = out
    return CellSums(n=cnt[:, 2], n_agree=cnt[:, 0], n_disagree=cnt[:, 1],
                    w={"agree": ws[:, 0], "disagree": ws[:, 1], "seen": ws[:, 2]},
                    w2={"agree": w2[:, 0], "disagree": w2[:, 1], "seen": w2[:, 2]})


def unweighted_share(s: CellSums, key: str, z: float | np.ndarray):
    count = {"agree": s.n_agree, "disagree": s.n_disagree, "pass": s.n_pass}[key]
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(s.n > 0, count / s.n, np.nan)
    lo, hi = wilson(p, s.n, z)
    return p, lo, hi


def weighted_share(s: CellSums, key: str, z: float | np.ndarray, *, strata: sp.csr_matrix | None = None,
                   n_stratum: np.ndarray | None = None):
    """Weighted share with a linearised variance; the cell is one stratum unless `strata` is given.

    With strata (cells x strata-cells matrix S, sums of this CellSums being per stratum-cell), the
    returned arrays are per aggregate cell: p = sum w*y / sum w*seen over its strata, and the variance
    adds the strata's within-stratum variances.
    """
    wy, ws = s.weighted(key), s.w["seen"]
    wy2, ws2 = s.weighted2(key), s.w2["seen"]
    n = s.n
    if strata is None:
        with np.errstate(divide="ignore", invalid="ignore"):
            p = np.where(ws > 0, wy / ws, np.nan)
            # sum z^2 with z = w (y - p seen) / W;  y^2 = y, y*seen = y, seen^2 = seen
            sz2 = ((1 - 2 * p) * wy2 + p * p * ws2) / (ws * ws)
            var = np.where(n > 1, n / (n - 1) * sz2, np.nan)
    else:
        WY, WS = strata @ wy, strata @ ws
        with np.errstate(divide="ignore", invalid="ignore"):
            p = np.where(WS > 0, WY / WS, np.nan)
            var = np.zeros_like(p)
            # per stratum h in aggregate c: n_h/(n_h-1) [sum z^2 - (sum z)^2 / n_h], z = w (y - p_c seen) / W_c
            st = strata.tocoo()
            for c, h in zip(st.row, st.col, strict=True):
                nh = n[h]
                pc, Wc = p[c], WS[c]
                sz2 = ((1 - 2 * pc) * wy2[h] + pc * pc * ws2[h]) / (Wc * Wc)
                sz = (wy[h] - pc * ws[h]) / Wc
                term = np.where(nh > 1, nh / (nh - 1) * (sz2 - sz * sz / np.where(nh > 0, nh, 1)), 0.0)
                var[c] += np.nan_to_num(term)
            n = strata @ n
            ws2 = strata @ ws2
            ws = WS
    with np.errstate(divide="ignore", invalid="ignore"):
        kish = np.where(ws2 > 0, ws * ws / ws2, 0.0)
        neff = np.where((var > 0) & (p > 0) & (p < 1), p * (1 - p) / var, kish)
    neff = np.minimum(np.nan_to_num(neff), n)  # never claim more precision than the raw count
    lo, hi = wilson(p, np.where(n > 0, neff, 0.0), z)
    return p, lo, hi, kish
