"""Themes and sub-themes: Ward hierarchy over (micro-clusters of) embeddings, cut where the silhouette
stands furthest above a structureless reference of the same shape (the fewest themes within PARSIMONY
of that best gap), and only when it stands clearly above it. The top-level themes are the consensus of
that cut made at several PCA widths (VIEWS): claims that most widths put together stay together.

See docs/listening.md "Themes: method and why".
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform
from sklearn.cluster import MiniBatchKMeans
from sklearn.decomposition import PCA
from sklearn.metrics import pairwise_distances, silhouette_score

PCA_DIMS = 64
# PCA widths (None: the vectors as they are) whose top-level cuts vote on the themes (see _consensus)
VIEWS: tuple[int | None, ...] = (32, 48, 64, 100, None)
MICRO_ABOVE = 3000
MAX_MICRO = 1000
SAMPLE = 2500
SUB_SAMPLE = 1000  # silhouettes inside one theme: a smaller sample (silhouette costs sample^2)
MAX_THEMES = 30
SUB_MIN_CLAIMS = 20
SUB_MAX = 8
# a cut is kept only when its silhouette beats the reference's by this much (see docs/listening.md)
TOP_GAP = 0.05
SUB_GAP = 0.02
# among cuts whose gap is within this of the best gap, the one with the fewest themes is kept
PARSIMONY = 0.02
LOOSE = 0.75  # a top-level theme below this share of the median coherence is split (see _promote_loose)
REFERENCE_FROM = 60  # points; below this the reference is too noisy and the best cut is kept


@dataclass
class Cut:
    labels: np.ndarray  # (n,) 0 = largest; all zeros when k == 1
    k: int
    silhouette: float | None
    gap: float | None  # silhouette minus the reference's at the chosen k
    silhouettes: dict[int, float] = field(default_factory=dict)
    reference: dict[int, float] = field(default_factory=dict)


@dataclass
class Clustering:
    labels: np.ndarray  # (n,) theme per point, 0 = largest
    sublabels: np.ndarray  # (n,) sub-theme within its theme, -1 = theme has no sub-themes
    k: int
    top: Cut
    micro_clusters: int | None
    pca_dims: int
    k_range: tuple[int, int]
    one_topic: bool = False  # the whole set is one topic, so its parts are the themes (see cluster)


def reduce(X: np.ndarray, seed: int = 0) -> np.ndarray:
    return project(X, seed, PCA_DIMS)


def project(X: np.ndarray, seed: int, width: int | None) -> np.ndarray:
    """X's first `width` principal components (fewer when X has fewer points; X itself for None)."""
    n, d = X.shape
    if width is None:
        return X.astype(np.float64)
    dims = min(width, d, n - 1)
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
    if len(used) < 2:  # every point the same (a theme of one repeated testimony): nothing to cut
        return np.zeros(n, int), np.zeros((0, 4)), 1
    remap = np.full(m, -1)
    remap[used] = np.arange(len(used))
    return remap[micro], linkage(km.cluster_centers_[used], method="ward"), len(used)


def _silhouettes(Z: np.ndarray, micro: np.ndarray, Y: np.ndarray, kmax: int, seed: int,
                 size: int = SAMPLE) -> dict[int, float]:
    """Silhouette (on a fixed-seed sample) of the dendrogram cut at each k in 2..kmax."""
    n = len(Y)
    rng = np.random.default_rng(seed)
    sample = np.sort(rng.choice(n, size, replace=False)) if n > size else np.arange(n)
    D = pairwise_distances(Y[sample])
    scores: dict[int, float] = {}
    for k in range(2, kmax + 1):
        ls = fcluster(Z, k, criterion="maxclust")[micro][sample]
        if len(np.unique(ls)) < 2 or len(np.unique(ls)) >= len(sample):
            continue
        scores[k] = float(silhouette_score(D, ls, metric="precomputed"))
    return scores


def _reference(Y: np.ndarray, kmax: int, seed: int, size: int = SAMPLE) -> dict[int, float]:
    """The same silhouettes for a structureless cloud: a Gaussian with Y's covariance (gap-statistic style)."""
    n = min(len(Y), MICRO_ABOVE)
    rng = np.random.default_rng(seed + 1)
    _, s, vt = np.linalg.svd(Y - Y.mean(axis=0), full_matrices=False)
    G = (rng.standard_normal((n, len(s))) * (s / np.sqrt(len(Y)))) @ vt
    micro, Z, _ = _hierarchy(G, seed)
    return _silhouettes(Z, micro, G, kmax, seed, size)


def best_cut(Y: np.ndarray, kmax: int, min_gap: float, seed: int = 0,
             tree: tuple[np.ndarray, np.ndarray] | None = None, sample: int = SAMPLE,
             parsimony: float | None = None) -> Cut:
    """With `parsimony` (top-level themes): the k in 2..kmax whose silhouette beats the reference's by the
    most, or the fewest themes within `parsimony` of that gap; without (parts of one topic): the k with the
    best silhouette. Either way k = 1 unless that cut beats the reference by min_gap."""
    n = len(Y)
    micro, Z = tree if tree is not None else _hierarchy(Y, seed)[:2]
    kmax = min(kmax, len(Z))
    if n < 4 or kmax < 2:
        return Cut(np.zeros(n, int), 1, None, None)
    sil = _silhouettes(Z, micro, Y, kmax, seed, sample)
    ref = _reference(Y, kmax, seed, sample) if n >= REFERENCE_FROM else {}
    min_gap = min_gap if ref else -1.0
    gaps = {k: sil[k] - ref.get(k, 0.0) for k in sil}
    rounded = ({k: round(v, 4) for k, v in sil.items()}, {k: round(v, 4) for k, v in ref.items()})
    if not gaps:
        return Cut(np.zeros(n, int), 1, None, None, *rounded)
    if ref and parsimony is not None:  # furthest above structureless data, or the fewest themes nearly as far ...
        top = max(gaps.values())
        k = min(j for j in gaps if gaps[j] >= top - parsimony)
    else:  # parts of one topic, or too few points for a reference: the best-separated cut ...
        k = max(sil, key=lambda j: (round(sil[j], 6), -j))
    if gaps[k] < min_gap:  # ... is kept only if it is clearly better separated than structureless data
        return Cut(np.zeros(n, int), 1, None, round(gaps[k], 4), *rounded)
    labels = by_size(fcluster(Z, k, criterion="maxclust")[micro])
    return Cut(labels, int(labels.max()) + 1, round(sil[k], 4), round(gaps[k], 4), *rounded)


def by_size(labels: np.ndarray) -> np.ndarray:
    ids, counts = np.unique(labels, return_counts=True)
    order = ids[np.lexsort((ids, -counts))]
    remap = {old: new for new, old in enumerate(order)}
    return np.array([remap[x] for x in labels], dtype=int)


def coherence(X: np.ndarray, idx: np.ndarray) -> float:
    """Mean cosine of the members' (unit) vectors to their centroid's direction."""
    c = X[idx].mean(axis=0)
    return float((X[idx] @ (c / (np.linalg.norm(c) or 1.0))).mean())


def _promote_loose(X: np.ndarray, Y: np.ndarray, labels: np.ndarray, seed: int) -> np.ndarray:
    """A top-level theme far less coherent than its siblings is a bag of topics, not a topic: its own best
    cut (if any clears the reference) becomes top-level themes."""
    k = int(labels.max()) + 1
    coh = np.array([coherence(X, np.flatnonzero(labels == t)) for t in range(k)])
    out, nxt = labels.copy(), k
    for t in np.flatnonzero(coh < LOOSE * np.median(coh)):
        idx = np.flatnonzero(labels == t)
        if len(idx) < SUB_MIN_CLAIMS:
            continue
        c = best_cut(Y[idx], min(SUB_MAX, len(idx) // 5), SUB_GAP, seed, sample=SUB_SAMPLE, parsimony=PARSIMONY)
        for j in range(1, c.k):
            out[idx[c.labels == j]] = nxt
            nxt += 1
    return by_size(out) if nxt > k else out


def _consensus(X: np.ndarray, micro: np.ndarray, n_micro: int | None, kmax: int, seed: int,
               cuts: dict[int | None, Cut]) -> np.ndarray | None:
    """Average linkage over micro units (claims when there are no micro-clusters), the distance between two
    units being the share of VIEWS whose top-level cut (the cut of `cuts`, or made here as in cluster())
    separates them; None when every view keeps one theme.

    One PCA width is one guess at how much of the embedding is topic and how much is noise, and the cut
    flips between near-equal alternatives as it changes (docs/listening.md); what most widths agree on is
    steadier, held out, than any one width."""
    units = n_micro if n_micro is not None else len(X)
    votes = []
    for width in VIEWS:
        if width not in cuts:
            Yv = project(X, seed, width)
            if n_micro is None:
                tree = (micro, linkage(Yv, method="ward"))
            else:
                centres = np.zeros((n_micro, Yv.shape[1]))
                np.add.at(centres, micro, Yv)
                centres /= np.bincount(micro, minlength=n_micro)[:, None]
                tree = (micro, linkage(centres, method="ward"))
            cuts[width] = best_cut(Yv, kmax, TOP_GAP, seed, tree, parsimony=PARSIMONY)
        unit_labels = np.zeros(units, int)
        unit_labels[micro] = cuts[width].labels
        votes.append(unit_labels)
    if all(c.k == 1 for c in cuts.values()):
        return None
    together = np.zeros((units, units), np.float32)
    for v in votes:
        together += v[:, None] == v[None, :]
    D = 1.0 - together / len(votes)
    return linkage(squareform(D, checks=False), method="average")


def cluster(X: np.ndarray, seed: int = 0, whole: bool = False) -> Clustering:
    """Top-level themes (possibly just one) and sub-themes of one set of embeddings. With `whole` (this
    set is everything there is), a single top-level topic would say nothing: its parts become the themes."""
    n = len(X)
    if n < 4:
        z = np.zeros(n, int)
        return Clustering(z, np.full(n, -1), 1, Cut(z, 1, None, None), None, 0, (1, 1))
    Y = reduce(X, seed)
    micro, Z, n_micro = _hierarchy(Y, seed)
    kmax = max(2, min(MAX_THEMES, int(np.sqrt(n)), len(Z)))
    top = best_cut(Y, kmax, TOP_GAP, seed, (micro, Z), parsimony=PARSIMONY)
    if len(VIEWS) > 1 and n >= REFERENCE_FROM and len(Z) > 0:  # top-level themes: what most PCA widths agree on
        agreed = _consensus(X, micro, n_micro, kmax, seed, {PCA_DIMS: top})
        if agreed is not None:
            top = best_cut(Y, kmax, TOP_GAP, seed, (micro, agreed), parsimony=PARSIMONY)
    labels = top.labels
    one_topic = False
    if top.k > 1:
        labels = _promote_loose(X, Y, labels, seed)
    elif whole:
        # the best cut even when it is loose: an organiser still needs the parts named ("how sure" says so)
        parts = best_cut(Y, kmax, -1.0, seed, (micro, Z))
        if parts.k > 1:
            labels, one_topic = parts.labels, True
    sub = np.full(n, -1)
    for t in range(int(labels.max()) + 1):
        idx = np.flatnonzero(labels == t)
        if len(idx) < SUB_MIN_CLAIMS:
            continue
        s = best_cut(Y[idx], min(SUB_MAX, len(idx) // 5), SUB_GAP, seed, sample=SUB_SAMPLE)
        if s.k > 1:
            sub[idx] = s.labels
    top.labels, top.k = labels, int(labels.max()) + 1
    return Clustering(top.labels, sub, top.k, top, n_micro, Y.shape[1], (2, kmax), one_topic)
