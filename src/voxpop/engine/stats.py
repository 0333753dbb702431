"""Vote counts and the small statistical tests Pol.is uses (polis-math.md §6, §7).

Votes use the export convention (+1 agree, -1 disagree, 0 pass). Every estimate carries the Pol.is
Beta(1, 1)-style prior: a share is (x + 1) / (n + 2), and the tests add 1 to every count.
"""

from __future__ import annotations

import weakref

import numpy as np

from voxpop.engine.matrix import VoteMatrix

#: One-sided 90 % significance threshold for a z statistic (Pol.is `z-sig-90?`: z > 1.2816).
Z_90 = 1.2816

COUNT_KEYS = ("n_agree", "n_disagree", "n_pass", "n_seen")


def check_labels(m: VoteMatrix, labels: np.ndarray, k: int) -> np.ndarray:
    """Validate a per-participant group label array (-1 = not grouped) and return it as int64."""
    if int(k) != k or k < 0:
        raise ValueError(f"k must be a non-negative integer number of groups, got {k!r}")
    lab = np.asarray(labels)
    if lab.shape != (m.n_rows,):
        raise ValueError(
            f"labels must have one entry per participant row: expected shape ({m.n_rows},), got {lab.shape}"
        )
    if lab.size and not np.issubdtype(lab.dtype, np.integer):
        raise ValueError(f"labels must be integers (group id, or -1 for not grouped), got dtype {lab.dtype}")
    lab = lab.astype(np.int64, copy=False)
    if lab.size and (lab.min() < -1 or lab.max() >= k):
        bad = lab[(lab < -1) | (lab >= k)][0]
        raise ValueError(f"labels must be -1 (not grouped) or a group id in 0..{int(k) - 1}; found {bad}")
    return lab


def check_col_mask(m: VoteMatrix, mask: np.ndarray | None, name: str) -> np.ndarray:
    """Validate a boolean per-statement mask (None = all False)."""
    if mask is None:
        return np.zeros(m.n_cols, dtype=bool)
    arr = np.asarray(mask)
    if arr.shape != (m.n_cols,):
        raise ValueError(
            f"{name} must have one entry per statement column: expected ({m.n_cols},), got {arr.shape}"
        )
    if arr.dtype != bool:
        raise ValueError(f"{name} must be a boolean array, got dtype {arr.dtype}")
    return arr


def group_indicator(labels: np.ndarray, k: int) -> np.ndarray:
    """Dense one-hot (n_rows, k) float matrix; rows with label -1 are all zero."""
    onehot = np.zeros((len(labels), k), dtype=np.float64)
    grouped = np.flatnonzero(labels >= 0)
    onehot[grouped, labels[grouped]] = 1.0
    return onehot


_COUNTS_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _tallies(m: VoteMatrix, lab: np.ndarray, k: int) -> np.ndarray:
    """int64 (k + 1, n_cols, 3): disagree / pass / agree counts per (group, statement); slot k holds the
    participants with no group. One bincount over the votes (duplicate entries count, as in the CSR views)."""
    rows, cols, vals = np.asarray(m.rows), np.asarray(m.cols), np.asarray(m.vals)
    n_cols = m.n_cols
    if k == 0:  # nobody grouped: one slot
        key = cols.astype(np.int64) * 3
    else:
        key = np.where(lab >= 0, lab, k)[rows]
        key *= n_cols
        key += cols
        key *= 3
    key += vals + 1
    return np.bincount(key, minlength=(k + 1) * n_cols * 3).reshape(k + 1, n_cols, 3)


def vote_counts(m: VoteMatrix, labels: np.ndarray, k: int) -> dict:
    """Per-statement vote counts over all participants and per group (grouped participants only).

    Returns {"n_agree", "n_disagree", "n_pass", "n_seen": int64 (n_cols,), "by_group": {same keys:
    int64 (k, n_cols)}}. "seen" counts every vote, passes included.

    One pass over the votes; the result is remembered for this matrix and labelling (repness, consensus,
    group-informed consensus and divisiveness all ask for it), so treat the arrays as read-only.
    """
    lab = check_labels(m, labels, k)
    k = int(k)
    cached = _COUNTS_CACHE.get(m)
    if cached is not None and cached[1] == k and np.array_equal(cached[0], lab):
        return cached[2]
    if cached is not None and k == 0:  # nobody grouped: the totals do not depend on the labelling
        empty = np.zeros((0, m.n_cols), dtype=np.int64)
        empty.flags.writeable = False
        return {**{key: cached[2][key] for key in COUNT_KEYS}, "by_group": dict.fromkeys(COUNT_KEYS, empty)}
    tally = _tallies(m, lab, k)
    per_group = tally[:k]
    total = tally.sum(axis=0)

    def keyed(t: np.ndarray) -> dict:
        out = {"n_agree": t[..., 2], "n_disagree": t[..., 0], "n_pass": t[..., 1], "n_seen": t.sum(axis=-1)}
        out = {key: np.ascontiguousarray(out[key]) for key in COUNT_KEYS}
        for arr in out.values():
            arr.flags.writeable = False
        return out

    result = {**keyed(total), "by_group": keyed(per_group)}
    try:
        _COUNTS_CACHE[m] = (lab.copy(), k, result)
    except TypeError:  # not weak-referenceable: no caching
        pass
    return result


def smoothed_share(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    """(x + 1) / (n + 2): the share with a Beta(1, 1) prior."""
    return (np.asarray(x, dtype=np.float64) + 1.0) / (np.asarray(n, dtype=np.float64) + 2.0)


def prop_test(succ: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Pol.is one-proportion z: 2·sqrt(n+1)·((succ+1)/(n+1) − 0.5)."""
    s = np.asarray(succ, dtype=np.float64) + 1.0
    nn = np.asarray(n, dtype=np.float64) + 1.0
    return 2.0 * np.sqrt(nn) * (s / nn - 0.5)


def two_prop_test(succ_in, succ_out, pop_in, pop_out) -> np.ndarray:
    """Pol.is two-proportion z with +1 on all four counts; exactly 0 where the pooled share is 1."""
    s1 = np.asarray(succ_in, dtype=np.int64) + 1
    s2 = np.asarray(succ_out, dtype=np.int64) + 1
    n1 = np.asarray(pop_in, dtype=np.int64) + 1
    n2 = np.asarray(pop_out, dtype=np.int64) + 1
    s1, s2, n1, n2 = np.broadcast_arrays(s1, s2, n1, n2)
    pooled_one = (s1 + s2) == (n1 + n2)  # exact integer check, as Clojure's rational (= pi-hat 1)
    p1 = s1 / n1
    p2 = s2 / n2
    pi = (s1 + s2) / (n1 + n2)
    var = pi * (1.0 - pi) * (1.0 / n1 + 1.0 / n2)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (p1 - p2) / np.sqrt(var)
    return np.where(pooled_one, 0.0, z)
