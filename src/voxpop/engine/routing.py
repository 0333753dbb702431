"""Which statement to show next: Pol.is comment priorities and the weighted lottery (polis-math.md §8)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

META_PRIORITY = 49.0  # 7², Pol.is' fixed priority for meta statements


def _column_total(counts: Mapping[str, np.ndarray], key: str) -> np.ndarray:
    if key not in counts:
        raise ValueError(f"counts must have the key {key!r} (use vote_counts(...)['by_group'])")
    arr = np.asarray(counts[key], dtype=np.float64)
    if arr.ndim == 2:  # (k, n_cols): sum over the groups
        return arr.sum(axis=0)
    if arr.ndim == 1:
        return arr
    raise ValueError(f"counts[{key!r}] must be (n_cols,) or (k, n_cols), got shape {arr.shape}")


def priorities(
    counts_by_group: Mapping[str, np.ndarray], extremity: np.ndarray, meta: np.ndarray | None = None
) -> np.ndarray:
    """Pol.is comment priorities, float[n_cols].

    `counts_by_group` holds "n_agree", "n_disagree", "n_seen", each (k, n_cols) — summed over groups,
    i.e. grouped (in-conversation) participants, as `vote_counts(...)["by_group"]` gives — or already
    summed (n_cols,). With A, D, S those sums, P = S − A − D and E the statement extremity:

        importance = (1 − (P+1)/(S+2)) · (E+1) · (A+1)/(S+2)
        novelty    = 1 + 8 · 2^(−S/5)
        priority   = (importance · novelty)²,  and 49 for meta statements.

    Pol.is feeds the previous tick's counts; pass whichever counts you have.
    """
    a = _column_total(counts_by_group, "n_agree")
    d = _column_total(counts_by_group, "n_disagree")
    s = _column_total(counts_by_group, "n_seen")
    e = np.asarray(extremity, dtype=np.float64)
    if not (a.shape == d.shape == s.shape == e.shape):
        raise ValueError(
            f"counts and extremity must cover the same statements: got {a.shape}, {d.shape}, {s.shape}, {e.shape}"
        )
    p = s - a - d
    importance = (1.0 - (p + 1.0) / (s + 2.0)) * (e + 1.0) * (a + 1.0) / (s + 2.0)
    novelty = 1.0 + 8.0 * np.exp2(-s / 5.0)
    out = (importance * novelty) ** 2
    if meta is not None:
        meta_arr = np.asarray(meta, dtype=bool)
        if meta_arr.shape != out.shape:
            raise ValueError(
                f"meta must have one entry per statement: expected {out.shape}, got {meta_arr.shape}"
            )
        out = np.where(meta_arr, META_PRIORITY, out)
    return out


def choose_next(
    priorities: np.ndarray, candidate_cols: Sequence[int] | np.ndarray, rng: np.random.Generator
) -> int | None:
    """Pol.is weighted lottery over the candidates (in the order given, e.g. by creation time).

    Weight = priorities[col]; a candidate with no priority (col beyond the array: a statement newer than
    the last analysis), a priority of 0 or a non-finite one gets weight 1, as the Pol.is server does.
    Draw r uniform in [0, total) and return the first candidate whose cumulative weight exceeds r.
    Returns None when there is no candidate.
    """
    cand = np.asarray(candidate_cols, dtype=np.int64).ravel()
    if cand.size == 0:
        return None
    if cand.min() < 0:
        raise ValueError(f"candidate columns must be non-negative statement indices, got {int(cand.min())}")
    pr = np.asarray(priorities, dtype=np.float64)
    w = np.ones(cand.size, dtype=np.float64)
    known = cand < pr.size
    vals = pr[cand[known]]
    w[known] = np.where(np.isfinite(vals) & (vals > 0), vals, 1.0)
    cum = np.cumsum(w)
    r = rng.random() * cum[-1]
    i = int(np.searchsorted(cum, r, side="right"))
    return int(cand[min(i, cand.size - 1)])
