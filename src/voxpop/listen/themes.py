"""Themes and sub-themes: Ward hierarchy over (micro-clusters of) embeddings, cut where silhouette is best.

See docs/listening.md "Themes: method and why".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from sklearn.cluster import MiniBatchKMeans
from sklearn.decomposition import PCA
from sklearn.metrics import pairwise_distances, silhouette_score

PCA_DIMS = 64
MICRO_ABOVE = 3000
MAX_MICRO = 1000
SAMPLE = 2500
MAX_THEMES = 30
SUB_MIN_CLAIMS = 20
SUB_MAX = 8
SUB_MIN_SILHOUETTE = 0.05


@dataclass
class Clustering:
    labels: np.ndarray  # (n,) theme per claim, 0 = largest
    sublabels: np.ndarray  # (n,) sub-theme within its theme, -1 = theme has no sub-themes
    k: int
    silhouette: float | None
    silhouettes: dict[int, float]
    micro_clusters: int | None
    pca_dims: int
    k_range: tuple[int, int]


def reduce(X: np.ndarray, seed: int = 0) -> np.ndarray:
    n, d = X.shape
    dims = min(PCA_DIMS, d, n - 1)
    if dims < 2 or d <= dims:
        return X.astype(np.float64)
    return PCA(n_components=dims, random_state=seed, svd_solver="randomized").fit_transform(X)


def _hierarchy(Y: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray, int | None]:
    """(micro label per point, Ward linkage over micro units, number of micro-clusters or None)."""
    n = len(Y)
    if n <= MICRO_ABOVE:
        return np.arange(n), linkage(Y, method="ward"), None
    m = min(MAX_MICRO, n // 10)
    km = MiniBatchKMeans(n_clusters=m, random_state=seed, batch_size=4096, n_init=1, max_iter=100,
                         init_size=min(n, 3 * m))
    micro = km.fit_predict(Y)
    used = np.unique(micro)
    remap = np.full(m, -1)
    remap[used] = np.arange(len(used))
    return remap[micro], linkage(km.cluster_centers_[used], method="ward"), len(used)


def _best_cut(Z: np.ndarray, micro: np.ndarray, Y: np.ndarray, kmin: int, kmax: int,
              seed: int) -> tuple[np.ndarray, int, float | None, dict[int, float]]:
    n = len(Y)
    rng = np.random.default_rng(seed)
    sample = np.sort(rng.choice(n, SAMPLE, replace=False)) if n > SAMPLE else np.arange(n)
    D = pairwise_distances(Y[sample])
    scores: dict[int, float] = {}
    best = (None, 1, None)
    for k in range(kmin, kmax + 1):
        lab = fcluster(Z, k, criterion="maxclust")[micro] if len(Z) else np.zeros(n, int)
        ls = lab[sample]
        if len(np.unique(ls)) < 2 or len(np.unique(ls)) >= len(sample):
            continue
        s = float(silhouette_score(D, ls, metric="precomputed"))
        scores[k] = round(s, 4)
        if best[2] is None or s > best[2] + 1e-9:
            best = (lab, k, s)
    if best[0] is None:
        return np.zeros(n, int), 1, None, scores
    return best[0], best[1], best[2], scores


def _by_size(labels: np.ndarray) -> np.ndarray:
    ids, counts = np.unique(labels, return_counts=True)
    order = ids[np.lexsort((ids, -counts))]
    remap = {old: new for new, old in enumerate(order)}
    return np.array([remap[x] for x in labels], dtype=int)


def cluster(X: np.ndarray, seed: int = 0) -> Clustering:
    n = len(X)
    if n < 4:
        z = np.zeros(n, int)
        return Clustering(z, np.full(n, -1), 1, None, {}, None, 0, (1, 1))
    Y = reduce(X, seed)
    micro, Z, n_micro = _hierarchy(Y, seed)
    units = len(Z) + 1
    kmax = max(2, min(MAX_THEMES, int(np.sqrt(n)), units - 1))
    labels, k, sil, scores = _best_cut(Z, micro, Y, 2, kmax, seed)
    labels = _by_size(labels)
    sub = np.full(n, -1)
    for t in range(int(labels.max()) + 1):
        idx = np.flatnonzero(labels == t)
        if len(idx) < SUB_MIN_CLAIMS:
            continue
        Ys = Y[idx]
        smicro, sZ, _ = _hierarchy(Ys, seed)
        skmax = min(SUB_MAX, len(sZ), len(idx) // 5)
        if skmax < 2:
            continue
        slab, _, ssil, _ = _best_cut(sZ, smicro, Ys, 2, skmax, seed)
        if ssil is not None and ssil >= SUB_MIN_SILHOUETTE:
            sub[idx] = _by_size(slab)
    return Clustering(labels, sub, int(labels.max()) + 1, sil, scores, n_micro, Y.shape[1], (2, kmax))
