"""Pol.is k-means, silhouette and k choice (polis-math.md §4, §5), against plain reference code."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import silhouette_score

from voxpop.engine import clusters as cl


def reference_lloyd(points, centers, weights=None, max_iters=100):
    """Pol.is k-means written plainly: per point loops, ties -> last center, empty clusters dropped."""
    w = np.ones(len(points)) if weights is None else weights
    centers = [np.array(c, float) for c in centers]
    labels = None
    for remaining in range(max_iters, -1, -1):
        members: list[list[int]] = [[] for _ in centers]
        arr = np.array(centers)
        for i, p in enumerate(points):
            dists = np.sqrt(((arr - p) ** 2).sum(axis=1))
            members[int(np.flatnonzero(dists == dists.min())[-1])].append(i)
        keep = [j for j, mem in enumerate(members) if mem]
        new = [np.average(points[members[j]], axis=0, weights=w[members[j]]) for j in keep]
        labels = np.empty(len(points), int)
        for new_id, j in enumerate(keep):
            labels[members[j]] = new_id
        old_sorted, new_sorted = sorted(map(tuple, centers)), sorted(map(tuple, new))
        same = all(
            np.linalg.norm(np.subtract(a, b)) < 0.01 for a, b in zip(old_sorted, new_sorted, strict=False)
        )
        centers = new
        if remaining == 0 or same:
            break
    return labels, np.array(centers)


def blobs(n, seed=0):
    rng = np.random.default_rng(seed)
    c = np.array([[2, 0], [-1, 1.5], [-1, -1.5]])
    return c[rng.choice(3, size=n, p=[0.5, 0.3, 0.2])] + rng.standard_normal((n, 2)) * 0.9


def test_first_distinct_keeps_row_order_and_skips_repeats():
    pts = np.array([[1, 1], [0, 0], [1, 1], [-0.0, 0.0], [2, 2], [3, 3]])
    assert cl.first_distinct(pts, 3).tolist() == [0, 1, 4]
    assert cl.first_distinct(pts, 10).tolist() == [0, 1, 4, 5]


def test_ties_go_to_the_last_center():
    centers = np.array([[-1.0, 0.0], [1.0, 0.0], [0.0, 5.0]])
    assert cl.nearest_last(np.array([[0.0, 0.0], [0.9, 0.0], [-3.0, 0.0]]), centers).tolist() == [1, 1, 0]


def test_same_clustering_sorts_and_truncates():
    a = np.array([[1.0, 0.0], [0.0, 0.0]])
    assert cl.same_clustering(a, np.array([[0.005, 0.0], [1.0, 0.005]]))
    assert not cl.same_clustering(a, np.array([[0.02, 0.0], [1.0, 0.0]]))
    # one cluster fewer: zip truncates, only the first sorted pair is compared
    assert cl.same_clustering(a, np.array([[0.0, 0.001]]))


def test_empty_clusters_are_dropped():
    pts = np.array([[0.0, 0.0], [0.1, 0.0], [10.0, 0.0]])
    # the middle center at 5 attracts nobody... until it wins the far point; a center at 100 never does
    res = cl.lloyd(pts, np.array([[0.0, 0.0], [100.0, 0.0], [10.0, 0.0]]))
    assert len(res.centers) == 2
    assert res.labels.tolist() == [0, 0, 1]
    assert res.centers.tolist() == [[0.05, 0.0], [10.0, 0.0]]


@pytest.mark.parametrize("n, k", [(60, 5), (400, 30), (3000, 100)])
def test_lloyd_equals_the_plain_reference(n, k):
    pts = blobs(n, seed=n)
    init = pts[cl.first_distinct(pts, k)]
    ours = cl.lloyd(pts, init, max_iters=100)
    labels, centers = reference_lloyd(pts, init)
    assert np.array_equal(ours.labels, labels)
    assert np.allclose(ours.centers, centers)


def test_vectorised_lloyd_on_many_points_equals_full_reassignment():
    """The bounded/local reassignment path (used above 4096 uncertain points) against brute force."""
    pts = blobs(30_000, seed=7)
    init = pts[cl.first_distinct(pts, 100)]
    ours = cl.lloyd(pts, init, max_iters=15)
    centers = init
    for remaining in range(15, -1, -1):
        lab = cl.nearest_last(pts, centers)
        keep = np.flatnonzero(np.bincount(lab, minlength=len(centers)))
        new = np.array([pts[lab == j].mean(axis=0) for j in keep])
        lab = np.searchsorted(keep, lab)
        done = remaining == 0 or cl.same_clustering(centers, new)
        centers = new
        if done:
            break
    assert np.array_equal(ours.labels, lab)
    assert np.allclose(ours.centers, centers)


def test_weighted_group_clustering_uses_member_counts():
    centers = np.array([[0.0, 0.0], [1.0, 0.0], [10.0, 0.0], [12.0, 0.0]])
    weights = np.array([3.0, 1.0, 1.0, 1.0])
    res = cl.group_clusters(centers, weights, 2)
    assert res.labels.tolist() == [0, 0, 1, 1]
    assert res.centers.tolist() == [[0.25, 0.0], [11.0, 0.0]]
    assert res.weights.tolist() == [4.0, 2.0]
    labels, ref_centers = reference_lloyd(centers, centers[:2], weights, max_iters=20)
    assert np.array_equal(res.labels, labels) and np.allclose(res.centers, ref_centers)


def test_silhouette_by_hand_and_against_sklearn():
    pts = np.array([[0.0, 0.0], [0.0, 1.0], [4.0, 0.0]])
    labels = np.array([0, 0, 1])
    # point 0: a = 1, b = 4 -> 0.75; point 1: a = 1, b = sqrt(17) -> 1 - 1/sqrt(17); point 2 alone -> 0
    expected = (0.75 + (1 - 1 / np.sqrt(17)) + 0.0) / 3
    assert cl.silhouette(pts, labels) == pytest.approx(expected)
    pts = blobs(80, seed=1)
    labels = cl.nearest_last(pts, pts[:4])
    assert cl.silhouette(pts, labels) == pytest.approx(silhouette_score(pts, labels))
    assert cl.silhouette(pts, np.zeros(80, int)) == -1.0


@pytest.mark.parametrize(
    "n_base, k_min, k_max, expected",
    [
        (100, 2, 5, [2, 3, 4, 5]),
        (11, 2, 5, [2]),
        (12, 2, 5, [2, 3]),
        (24, 2, 5, [2, 3, 4]),
        (35, 2, 5, [2, 3, 4]),
        (36, 2, 5, [2, 3, 4, 5]),
        (100, 2, 8, [2, 3, 4, 5, 6, 7, 8]),
        (100, 3, 4, [3, 4]),
        (2, 2, 5, [2]),
        (5, 4, 6, [4]),
        (3, 4, 6, [3]),
    ],
)
def test_k_range_follows_polis(n_base, k_min, k_max, expected):
    assert cl.k_range(n_base, k_min, k_max) == expected


def test_choose_k_prefers_the_larger_k_on_ties():
    assert cl.choose_k({2: 0.5, 3: 0.7, 4: 0.7, 5: 0.1}) == 4
    assert cl.choose_k({2: 0.9, 3: 0.7}) == 2


def test_base_clusters_with_few_distinct_points_make_one_cluster_each():
    pts = np.repeat(np.array([[0.0, 0.0], [1.0, 1.0], [5.0, 5.0]]), 4, axis=0)
    res = cl.base_clusters(pts, k=100)
    assert len(res.centers) == 3 and res.weights.tolist() == [4, 4, 4]


@pytest.mark.parametrize("n, k, weighted", [(300, 100, False), (5000, 100, False), (100, 5, True)])
def test_direct_and_bounded_lloyd_paths_agree(monkeypatch, n, k, weighted):
    """Small problems assign every point each step; large ones use Hamerly bounds: same result."""
    pts = blobs(n, seed=n + k)
    w = np.random.default_rng(1).integers(1, 9, n).astype(float) if weighted else None
    init = pts[cl.first_distinct(pts, k)]
    results = []
    for threshold in (0, 1 << 40):
        monkeypatch.setattr(cl, "_DIRECT", threshold)
        results.append(cl.lloyd(pts, init, weights=w, max_iters=100))
    a, b = results
    assert np.array_equal(a.labels, b.labels) and a.steps == b.steps
    assert np.allclose(a.centers, b.centers) and np.allclose(a.weights, b.weights)
