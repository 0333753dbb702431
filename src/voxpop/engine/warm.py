"""What Pol.is carries from one update to the next, as pure functions (docs/polis-math.md §4.2, §5.4, §11.1).

Pol.is never recomputes a live conversation from scratch: each update ("tick") starts from the previous
one's state. Three pieces of that state decide the groups, and all three are here:

* **clusters with ids** (`Clustering`): base clusters of participants and, for every k, group clusterings
  of base clusters. `warm_kmeans` starts k-means from the previous clusters the way Pol.is's
  `clean-start-clusters` does: recentre each old cluster on its members' current positions (dropping
  clusters none of whose members are left), merge clusters whose centres coincide exactly, then, while
  there are fewer clusters than min(k, distinct points), move the point farthest from its nearest centre
  into a new cluster (id = largest id + 1); then ordinary Lloyd steps. New points are placed by the
  Lloyd steps only.
* **the k smoother** (`KSmoother`): a new best k is shown only once it has won `buffer` (4) updates in
  a row.
* **sticky in-conversation membership**: `voxpop.engine.inconv` (`prior=`).

Everything is a value: a function takes the previous state and returns a new one, nothing is mutated,
so a service can keep the state of its last analysis and warm-start the next from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import clusters as cl


@dataclass(frozen=True)
class Clustering:
    """Clusters with ids that persist across updates.

    `members` are point keys (matrix row for base clusters, base-cluster id for group clusters),
    `member_of[i]` is the position in `ids` of the cluster that holds `members[i]`.
    """

    ids: np.ndarray  # int64[c], distinct
    members: np.ndarray  # int64[m]
    member_of: np.ndarray  # int64[m], 0..c-1

    @staticmethod
    def empty() -> Clustering:
        z = np.zeros(0, dtype=np.int64)
        return Clustering(z, z, z)

    def labels_for(self, keys: np.ndarray) -> np.ndarray:
        """Position in `ids` of each key's cluster, -1 for keys in no cluster."""
        keys = np.asarray(keys, dtype=np.int64)
        out = np.full(len(keys), -1, dtype=np.int64)
        if len(self.members) == 0 or len(keys) == 0:
            return out
        order = np.argsort(self.members, kind="stable")
        sm = self.members[order]
        pos = np.searchsorted(sm, keys)
        pos_c = np.minimum(pos, len(sm) - 1)
        hit = sm[pos_c] == keys
        out[hit] = self.member_of[order[pos_c[hit]]]
        return out


@dataclass(frozen=True)
class KSmoother:
    """Pol.is's group-k smoother: `shown` changes only after a k wins `buffer` updates in a row."""

    last_k: int | None = None
    count: int = 0
    shown: int | None = None

    def update(self, best_k: int, available: list[int], buffer: int = 4) -> KSmoother:
        count = self.count + 1 if self.last_k == best_k else 1
        shown = best_k if count >= buffer or self.shown is None else self.shown
        if shown not in available:  # max k shrank below the shown k (Pol.is fix #2536)
            shown = best_k
        return KSmoother(best_k, count, shown)


@dataclass(frozen=True)
class EngineState:
    """The state one analysis hands to the next (Pol.is's tick state, polis-math.md §11.1).

    Rows are matrix rows: a later analysis must keep existing participants on the same rows (append new
    participants after them), as the arrival-ordered readers do.
    """

    in_conv: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))  # bool[n_rows], sticky
    base: Clustering = field(default_factory=Clustering.empty)  # members: rows
    groups: dict[int, Clustering] = field(default_factory=dict)  # k -> clustering of base ids
    smoother: KSmoother = field(default_factory=KSmoother)
    updates: int = 0  # analyses folded into this state
    # optional warm starts of the numerical fits, set by a caller that keeps them (voxpop.services.snapshots):
    # the previous PCA axes start the next PCA (as Pol.is starts its power iteration from the last axes), the
    # previous bridging fit (statement intercepts, factors, mu) starts the next alternating least squares
    pca_comps: np.ndarray | None = None  # float[2, n_cols then]; new statements since get 0
    bridging: tuple[np.ndarray, np.ndarray, float] | None = None

    def prior_in_conv(self, n_rows: int) -> np.ndarray:
        """The sticky in-conversation mask, padded with False for rows that are new."""
        out = np.zeros(n_rows, dtype=bool)
        n = min(n_rows, len(self.in_conv))
        out[:n] = self.in_conv[:n]
        return out


def _means(points: np.ndarray, labels: np.ndarray, n: int, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(weighted mean of each cluster's member points, total member weight); -1 labels ignored."""
    ok = labels >= 0
    lab, pts, ww = labels[ok], points[ok], w[ok]
    tot = np.bincount(lab, weights=ww, minlength=n)
    cen = np.column_stack([np.bincount(lab, weights=pts[:, d] * ww, minlength=n) for d in range(points.shape[1])])
    return np.divide(cen, tot[:, None], out=np.zeros_like(cen), where=tot[:, None] > 0), tot


def _n_distinct(points: np.ndarray) -> int:
    return len(np.unique(points + 0.0, axis=0)) if len(points) else 0


def clean_start(
    points: np.ndarray, labels: np.ndarray, ids: np.ndarray, k: int, weights: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Initial (ids, centers) for k-means from the previous clusters (Pol.is `clean-start-clusters`).

    `labels[i]` is the position in `ids` of point i's previous cluster, or -1 for a point in none.
    Returns ids ascending and their centers.
    """
    n = len(points)
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.int64).copy()
    present = np.unique(labels[labels >= 0])
    if len(present) == 0:  # nobody left: one cluster holding everyone
        ids_now = np.array([int(ids.max()) + 1 if len(ids) else 0], dtype=np.int64)
        labels = np.zeros(n, dtype=np.int64)
    else:
        ids_now = np.asarray(ids, dtype=np.int64)[present]
        remap = np.full(int(labels.max()) + 1, -1, dtype=np.int64)
        remap[present] = np.arange(len(present))
        labels = np.where(labels >= 0, remap[np.maximum(labels, 0)], -1)
    centers, _ = _means(points, labels, len(ids_now), w)
    # merge clusters whose centres are exactly equal (the id of the one with more members survives)
    sizes = np.bincount(labels[labels >= 0], minlength=len(ids_now))
    seen: dict[tuple[float, ...], int] = {}
    target = np.arange(len(ids_now))
    dupes = len(np.unique(centers + 0.0, axis=0)) < len(centers)
    for i, c in enumerate(map(tuple, centers + 0.0) if dupes else ()):
        j = seen.get(c)
        if j is None:
            seen[c] = i
            continue
        target[i] = j
        if sizes[i] >= sizes[j]:  # Clojure max-key keeps the later one on ties
            ids_now[j] = ids_now[i]
        sizes[j] += sizes[i]
    if (target != np.arange(len(ids_now))).any():
        keep = np.flatnonzero(target == np.arange(len(ids_now)))
        pos = np.full(len(ids_now), -1, dtype=np.int64)
        pos[keep] = np.arange(len(keep))
        labels = np.where(labels >= 0, pos[target[np.maximum(labels, 0)]], -1)
        ids_now = ids_now[keep]
    possible = k if len(ids_now) >= k else min(k, _n_distinct(points))
    while True:
        centers, tot = _means(points, labels, len(ids_now), w)
        if (tot <= 0).any():  # a cluster emptied by a move: drop it
            keep = np.flatnonzero(tot > 0)
            pos = np.full(len(ids_now), -1, dtype=np.int64)
            pos[keep] = np.arange(len(keep))
            labels = np.where(labels >= 0, pos[np.maximum(labels, 0)], -1)
            ids_now, centers = ids_now[keep], centers[keep]
        if len(ids_now) >= possible:
            break
        # the point farthest from its nearest centre (ties: the last point) starts a new cluster
        _, dist, _ = cl._nearest_two(points, centers)
        far = len(dist) - 1 - int(np.argmax(dist[::-1]))
        if not dist[far] > 0:
            break
        labels[far] = len(ids_now)
        ids_now = np.append(ids_now, int(ids_now.max()) + 1)
    order = np.argsort(ids_now, kind="stable")
    return ids_now[order], centers[order]


def warm_kmeans(
    points: np.ndarray,
    keys: np.ndarray,
    k: int,
    previous: Clustering | None,
    *,
    weights: np.ndarray | None = None,
    max_iters: int = 20,
) -> tuple[cl.KMeansResult, Clustering]:
    """Pol.is k-means of `points` (identified by `keys`), warm-started from `previous` when it has any
    clusters, else from the first k distinct points (cold). Returns the k-means result (labels index the
    surviving clusters in id order) and the clustering with its ids, for the next update."""
    points = np.asarray(points, dtype=np.float64)
    keys = np.asarray(keys, dtype=np.int64)
    if previous is None or len(previous.ids) == 0:
        init = points[cl.first_distinct(points, k)]
        ids = np.arange(len(init), dtype=np.int64)
    else:
        ids, init = clean_start(points, previous.labels_for(keys), previous.ids, k, weights)
    res = cl.lloyd(points, init, weights=weights, max_iters=max_iters)
    kept = res.kept if res.kept is not None else np.arange(len(res.centers))
    return res, Clustering(ids[kept], keys.copy(), np.asarray(res.labels, dtype=np.int64))
