"""Pol.is two-level clustering, cold start (docs/polis-math.md §4, §5).

* Base clusters: k-means with k=100 on the 2-D projections of in-conversation participants (row order),
  initialised with the first k *distinct* points, at most 101 Lloyd steps.
* Group clusters: for each k, weighted k-means on the base-cluster centers (weights = member counts),
  initialised with the first k distinct base centers in base-id order, at most 21 Lloyd steps.
* k: the largest unweighted silhouette over base-cluster centers; ties go to the larger k.

Lloyd step exactly as Pol.is: assign every point to its nearest center (ties → the *last* center), drop
clusters left empty (ids kept, k can shrink), move each center to the (weighted) mean of its members.
Stop when the lexicographically sorted old and new center lists are pairwise (zip, truncating) closer
than 0.01, or when the step budget is spent.

The assignment is vectorised: squared distances as |c|² - 2 x·c (the |x|² term does not change the
argmin) in row chunks, so a million points against 100 centers costs one small matrix product per chunk.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CONVERGENCE = 0.01
_CHUNK = 1 << 16


@dataclass(frozen=True)
class KMeansResult:
    labels: np.ndarray  # int[n_points], 0..k'-1 in order of the surviving cluster ids
    centers: np.ndarray  # float[k', 2]
    weights: np.ndarray  # float[k'], total member weight (member count when unweighted)
    steps: int  # Lloyd steps run


def first_distinct(points: np.ndarray, k: int) -> np.ndarray:
    """Indices of the first k distinct rows of `points`, in row order (Pol.is cold-start init)."""
    n = len(points)
    pts = points + 0.0  # -0.0 == 0.0, as Clojure's `distinct` on numbers treats them
    take = min(n, max(4 * k, 1024))
    while True:
        _, first = np.unique(pts[:take], axis=0, return_index=True)
        if len(first) >= k or take >= n:
            return np.sort(first)[:k]
        take = min(n, take * 4)


def nearest_last(points: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Index of the nearest center per point; among equally near centers, the last one (Clojure min-key)."""
    rev = centers[::-1]
    c2 = np.einsum("ij,ij->i", rev, rev)
    out = np.empty(len(points), dtype=np.intp)
    for start in range(0, len(points), _CHUNK):
        block = points[start : start + _CHUNK]
        d = block @ (-2.0 * rev.T)
        d += c2
        out[start : start + _CHUNK] = np.argmin(d, axis=1)
    return len(centers) - 1 - out


def _sorted_centers(c: np.ndarray) -> np.ndarray:
    return c[np.lexsort(c.T[::-1])] if len(c) else c


def same_clustering(old: np.ndarray, new: np.ndarray, threshold: float = CONVERGENCE) -> bool:
    """Pol.is `same-clustering?`: sort both center lists, zip (truncating), every pair closer than threshold."""
    a, b = _sorted_centers(old), _sorted_centers(new)
    n = min(len(a), len(b))
    return bool(np.all(np.linalg.norm(a[:n] - b[:n], axis=1) < threshold))


def lloyd(
    points: np.ndarray, centers: np.ndarray, *, weights: np.ndarray | None = None, max_iters: int = 100
) -> KMeansResult:
    """Pol.is k-means from given initial centers: at most max_iters + 1 steps, empty clusters dropped."""
    points = np.asarray(points, dtype=np.float64)
    w = np.ones(len(points)) if weights is None else np.asarray(weights, dtype=np.float64)
    centers = np.asarray(centers, dtype=np.float64)
    labels = np.zeros(len(points), dtype=np.intp)
    steps = 0
    for remaining in range(max_iters, -1, -1):
        steps += 1
        labels = nearest_last(points, centers)
        k = len(centers)
        wsum = np.bincount(labels, weights=w, minlength=k)
        nonempty = np.bincount(labels, minlength=k) > 0
        new = np.column_stack(
            [np.bincount(labels, weights=w * points[:, d], minlength=k) for d in range(points.shape[1])]
        )
        new = new[nonempty] / wsum[nonempty, None]
        # renumber surviving clusters, keeping their order
        remap = np.cumsum(nonempty) - 1
        labels = remap[labels]
        done = remaining == 0 or same_clustering(centers, new)
        centers = new
        if done:
            break
    wsum = np.bincount(labels, weights=w, minlength=len(centers))
    return KMeansResult(labels, centers, wsum, steps)


def base_clusters(points: np.ndarray, k: int = 100, max_iters: int = 100) -> KMeansResult:
    """Base clustering of participant projections (row order matters: it picks the initial centers)."""
    if len(points) == 0:
        return KMeansResult(np.zeros(0, np.intp), np.zeros((0, 2)), np.zeros(0), 0)
    init = points[first_distinct(points, k)]
    return lloyd(points, init, max_iters=max_iters)


def group_clusters(
    centers: np.ndarray, weights: np.ndarray, k: int, max_iters: int = 20
) -> KMeansResult:
    """Weighted k-means of base-cluster centers into k groups (Pol.is: ≤ 21 steps)."""
    init = centers[first_distinct(centers, k)]
    return lloyd(centers, init, weights=weights, max_iters=max_iters)


def silhouette(points: np.ndarray, labels: np.ndarray) -> float:
    """Unweighted mean silhouette over points (base centers); a point alone in its group scores 0.

    A clustering with fewer than two groups scores -1 (it is never preferred to a real split).
    """
    groups = np.unique(labels)
    if len(groups) < 2:
        return -1.0
    d = np.sqrt(np.maximum(((points[:, None, :] - points[None, :, :]) ** 2).sum(-1), 0.0))
    onehot = (labels[:, None] == groups[None, :]).astype(np.float64)
    size = onehot.sum(0)
    sums = d @ onehot  # [n, g] total distance to each group
    own = np.searchsorted(groups, labels)
    n_own = size[own]
    a = np.divide(sums[np.arange(len(points)), own], n_own - 1, out=np.zeros(len(points)), where=n_own > 1)
    mean_other = sums / size[None, :]
    mean_other[np.arange(len(points)), own] = np.inf
    b = mean_other.min(1)
    denom = np.maximum(a, b)
    s = np.divide(b - a, denom, out=np.zeros(len(points)), where=denom > 0)
    s[n_own <= 1] = 0.0
    return float(s.mean())


def k_range(n_base: int, k_min: int = 2, k_max: int = 5) -> list[int]:
    """Candidate k: k_min..min(k_max, 2 + ⌊n_base/12⌋) (Pol.is: 2..min(5, 2 + ⌊n_base/12⌋)), never above n_base."""
    upper = max(min(k_max, 2 + n_base // 12), k_min)
    upper = min(upper, n_base)
    lower = min(k_min, upper)
    return list(range(lower, upper + 1))


def choose_k(scores: dict[int, float]) -> int:
    """argmax of the silhouette; ties go to the larger k (Clojure max-key keeps the last maximum)."""
    best_k, best = None, -np.inf
    for k in sorted(scores):
        if scores[k] >= best:
            best_k, best = k, scores[k]
    assert best_k is not None
    return best_k
