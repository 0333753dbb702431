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
_DIRECT = 400_000  # points × centers up to which `lloyd` assigns every point directly each step


@dataclass(frozen=True)
class KMeansResult:
    labels: np.ndarray  # int[n_points], 0..k'-1 in order of the surviving cluster ids
    centers: np.ndarray  # float[k', 2]
    weights: np.ndarray  # float[k'], total member weight (member count when unweighted)
    steps: int  # Lloyd steps run
    kept: np.ndarray | None = None  # int[k'], index of each surviving cluster among the initial centers


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
    return _nearest_two(points, centers)[0]


def _nearest_two(points: np.ndarray, centers: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(nearest index with ties → last, distance to it, distance to the second nearest center)."""
    rev = centers[::-1]
    c2 = np.einsum("ij,ij->i", rev, rev)
    n, k = len(points), len(centers)
    idx = np.empty(n, dtype=np.intp)
    d1 = np.empty(n)
    d2 = np.full(n, np.inf)
    for start in range(0, n, _CHUNK):
        block = points[start : start + _CHUNK]
        d = block @ (-2.0 * rev.T)
        d += c2
        j = np.argmin(d, axis=1)
        rows = np.arange(len(block))
        x2 = np.einsum("ij,ij->i", block, block)
        best = d[rows, j]
        d1[start : start + _CHUNK] = np.sqrt(np.maximum(best + x2, 0.0))
        if k > 1:
            d[rows, j] = np.inf
            d2[start : start + _CHUNK] = np.sqrt(np.maximum(d.min(axis=1) + x2, 0.0))
        idx[start : start + _CHUNK] = k - 1 - j
    return idx, d1, d2


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
    """Pol.is k-means from given initial centers: at most max_iters + 1 steps, empty clusters dropped.

    Assignments are exact Lloyd assignments, computed with Hamerly's bounds: a point whose distance to
    its center (upper bound) is still strictly below its distance to every other center (lower bound),
    after both are moved by how far the centers moved, keeps its center without any distance being
    computed. Late steps, where centers barely move, then touch only the few points near a boundary.
    """
    points = np.asarray(points, dtype=np.float64)
    w = None if weights is None else np.asarray(weights, dtype=np.float64)
    wpoints = points if w is None else points * w[:, None]
    centers = np.asarray(centers, dtype=np.float64)
    n, dim = points.shape
    if n * len(centers) <= _DIRECT:
        return _lloyd_direct(points, centers, w, wpoints, max_iters)
    labels, upper, lower = _nearest_two(points, centers)
    cols = [np.ascontiguousarray(wpoints[:, d]) for d in range(dim)]
    buf = np.empty(n)  # scratch for the per-point gathers, reused every step
    alive = np.arange(len(centers))
    steps = 0
    for remaining in range(max_iters, -1, -1):
        steps += 1
        if steps > 1:
            _refresh(points, centers, labels, upper, lower, buf)
        k = len(centers)
        count = np.bincount(labels, minlength=k)
        wsum = count.astype(np.float64) if w is None else np.bincount(labels, weights=w, minlength=k)
        new = np.column_stack([np.bincount(labels, weights=c, minlength=k) for c in cols]).astype(np.float64)
        if count.all():
            new /= wsum[:, None]
            kept = centers
        else:
            nonempty = count > 0
            new = new[nonempty] / wsum[nonempty, None]
            # renumber surviving clusters, keeping their order; dropping centers keeps lower bounds valid
            labels = (np.cumsum(nonempty) - 1)[labels]
            kept = centers[nonempty]
            alive = alive[nonempty]
        done = remaining == 0 or same_clustering(centers, new)
        moved = np.linalg.norm(new - kept, axis=1)
        centers = new
        if done:
            break
        upper += np.take(moved, labels, out=buf)
        if len(moved) > 1:
            top2 = np.sort(moved)[-2:]
            # a point's lower bound drops by the largest move among the *other* centers
            lower -= np.take(np.where(moved == top2[1], top2[0], top2[1]), labels, out=buf)
        else:
            lower[:] = np.inf
    k = len(centers)
    if w is None:
        wsum = np.bincount(labels, minlength=k).astype(np.float64)
    else:
        wsum = np.bincount(labels, weights=w, minlength=k)
    return KMeansResult(labels, centers, wsum, steps, alive)


def _lloyd_direct(points, centers, w, wpoints, max_iters) -> KMeansResult:
    """`lloyd` for small problems: every step assigns every point (the same |c|² - 2 x·c argmin as
    `_nearest_two`, ties → last), with no bounds to maintain; the fixed cost per step is a few small
    numpy calls. The sorted center list of one step is reused as the "old" list of the next."""
    dim = points.shape[1]
    old_sorted = _sorted_centers(centers)
    alive = np.arange(len(centers))
    steps = 0
    for remaining in range(max_iters, -1, -1):
        steps += 1
        k = len(centers)
        rev = centers[::-1]
        d = points @ (-2.0 * rev.T)
        d += np.einsum("ij,ij->i", rev, rev)
        labels = (k - 1) - d.argmin(axis=1)
        count = np.bincount(labels, minlength=k)
        wsum = count.astype(np.float64) if w is None else np.bincount(labels, weights=w, minlength=k)
        new = np.empty((k, dim))
        for j in range(dim):
            new[:, j] = np.bincount(labels, weights=wpoints[:, j], minlength=k)
        if count.all():
            new /= wsum[:, None]
        else:
            nonempty = count > 0
            new = new[nonempty] / wsum[nonempty, None]
            labels = (np.cumsum(nonempty) - 1)[labels]
            wsum = wsum[nonempty]
            alive = alive[nonempty]
        new_sorted = _sorted_centers(new)
        m = min(len(old_sorted), len(new_sorted))
        done = remaining == 0 or bool(
            np.all(np.linalg.norm(old_sorted[:m] - new_sorted[:m], axis=1) < CONVERGENCE)
        )
        centers, old_sorted = new, new_sorted
        if done:
            break
    return KMeansResult(labels, centers, wsum, steps, alive)


def _refresh(points, centers, labels, upper, lower, buf=None) -> None:
    """Make labels exact nearest-center assignments (ties → last) given valid Hamerly bounds, in place."""
    if len(centers) > 1:
        cc = np.linalg.norm(centers[:, None, :] - centers[None, :, :], axis=-1)
        np.fill_diagonal(cc, np.inf)
        half = 0.5 * cc.min(axis=1)
    else:
        half = np.full(1, np.inf)
    # a safety margin far above rounding error, so a skipped point is strictly nearest to its center
    margin = 1e-9 * (1.0 + float(np.abs(centers).max()) + float(upper.max(initial=0.0)))
    bound = np.take(half, labels, out=buf)
    np.maximum(bound, lower, out=bound)
    bound -= margin
    todo = np.flatnonzero(upper >= bound)
    if len(todo) == 0:
        return
    # tighten the upper bound to the exact distance, retest, then fully reassign what is left
    diff = points[todo] - centers[labels[todo]]
    exact = np.sqrt(np.einsum("ij,ij->i", diff, diff))
    upper[todo] = exact
    todo = todo[exact >= bound[todo]]
    if len(todo) == 0:
        return
    _reassign_local(points, centers, labels, upper, lower, todo, cc if len(centers) > 1 else None)


def _reassign_local(points, centers, labels, upper, lower, todo, cc) -> None:
    """Exact reassignment of `todo` points, comparing each only with the centers near its own.

    A point at exact distance u from its center a can only be nearer to a center j with ‖c_a - c_j‖ ≤ 2u
    (triangle inequality), so for every center the candidates are the centers within twice the largest u
    among its points; the lower bound also covers the centers left out (‖c_a - c_j‖ - u ≥ u).
    """
    if cc is None or len(todo) < 4096:
        idx, d1, d2 = _nearest_two(points[todo], centers)
        labels[todo], upper[todo], lower[todo] = idx, d1, d2
        return
    cc = cc.copy()
    np.fill_diagonal(cc, 0.0)
    own = labels[todo]
    if len(centers) <= np.iinfo(np.int16).max:
        own = own.astype(np.int16)  # a stable sort of 16-bit keys is a radix sort
    order = np.argsort(own, kind="stable")
    todo, own = todo[order], own[order]
    starts = np.searchsorted(own, np.arange(len(centers) + 1))
    # gather once in center order; every center's points are then a contiguous slice
    pts, us = points[todo], upper[todo]
    lab, d1s, d2s = np.empty(len(todo), dtype=labels.dtype), np.empty(len(todo)), np.empty(len(todo))
    for a in np.flatnonzero(np.diff(starts)):
        s, e = starts[a], starts[a + 1]
        u = us[s:e]
        cand = np.flatnonzero(cc[a] <= 2.0 * u.max() * (1 + 1e-9) + 1e-12)
        rest = np.delete(cc[a], cand)
        idx, d1, d2 = _nearest_two(pts[s:e], centers[cand])
        if len(rest):
            np.minimum(d2, rest.min() - u, out=d2)
        lab[s:e], d1s[s:e], d2s[s:e] = cand[idx], d1, d2
    labels[todo], upper[todo], lower[todo] = lab, d1s, d2s


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


def pairwise(points: np.ndarray) -> np.ndarray:
    """Euclidean distances between all pairs of points (what `silhouette` needs; reusable across k)."""
    return np.sqrt(np.maximum(((points[:, None, :] - points[None, :, :]) ** 2).sum(-1), 0.0))


def silhouette(points: np.ndarray, labels: np.ndarray, dist: np.ndarray | None = None) -> float:
    """Unweighted mean silhouette over points (base centers); a point alone in its group scores 0.

    A clustering with fewer than two groups scores -1 (it is never preferred to a real split).
    `dist` is `pairwise(points)` when the caller already has it.
    """
    groups = np.unique(labels)
    if len(groups) < 2:
        return -1.0
    d = pairwise(points) if dist is None else dist
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
