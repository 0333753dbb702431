"""PCA, projections and extremity against dense hand/numpy computations (polis-math.md §2, §3)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.decomposition import PCA

from voxpop.engine.matrix import VoteMatrix
from voxpop.engine.pca import (
    centred_matrix,
    column_means,
    fit_pca,
    participant_counts,
    project_comments,
    project_participants,
    top_axes,
)

NAN = np.nan


def matrix_from_dense(d: np.ndarray) -> VoteMatrix:
    r, c = np.nonzero(~np.isnan(d))
    return VoteMatrix(r.astype(np.int32), c.astype(np.int32), d[r, c].astype(np.int8), *d.shape)


def imputed(d: np.ndarray, mod_out: np.ndarray) -> np.ndarray:
    """The Pol.is PCA input, densely: mod-out columns 0 for all, missing -> column mean."""
    x = d.copy()
    x[:, mod_out] = 0.0
    means = np.nanmean(np.where(np.isnan(x), np.nan, x), axis=0)
    return np.where(np.isnan(x), means, x)


DENSE = np.array(
    [
        [1, 1, -1, NAN, 1],
        [1, 0, -1, -1, NAN],
        [-1, -1, 1, 1, -1],
        [NAN, -1, 1, 1, 1],
        [1, 1, NAN, -1, 0],
        [-1, NAN, 1, 0, -1],
    ]
)
MOD = np.array([False, False, False, False, True])


def test_column_means_count_passes_and_zero_moderated_out():
    m = matrix_from_dense(DENSE)
    c = column_means(m, MOD)
    assert c == pytest.approx([1 / 5, 0 / 5, 1 / 5, 0 / 5, 0.0])
    assert np.allclose(c, imputed(DENSE, MOD).mean(axis=0))


def test_centred_matrix_is_the_dense_imputed_centred_matrix():
    m = matrix_from_dense(DENSE)
    c = column_means(m, MOD)
    x = imputed(DENSE, MOD)
    assert np.allclose(centred_matrix(m, c, MOD).toarray(), x - x.mean(axis=0))


def test_pca_matches_dense_pca_and_orientation_rule():
    m = matrix_from_dense(DENSE)
    res = fit_pca(m, MOD)
    ref = PCA(2, svd_solver="full").fit(imputed(DENSE, MOD))
    for ours, theirs in zip(res.comps, ref.components_, strict=True):
        assert abs(ours @ theirs) == pytest.approx(1.0, abs=1e-9)
        # documented sign: the largest-|loading| entry is positive
        assert ours[np.argmax(np.abs(ours))] > 0
    assert np.allclose(res.comps[:, MOD], 0.0)
    assert res.explained_variance == pytest.approx(ref.explained_variance_, rel=1e-9)
    assert res.explained_variance_ratio == pytest.approx(ref.explained_variance_ratio_, rel=1e-9)
    assert np.allclose(res.center, ref.mean_)


def test_pca_is_exact_on_a_larger_random_matrix():
    rng = np.random.default_rng(3)
    d = rng.choice([-1.0, 0.0, 1.0, NAN], size=(300, 40), p=[0.3, 0.1, 0.3, 0.3])
    mod = np.zeros(40, bool)
    mod[[3, 17]] = True
    res = fit_pca(matrix_from_dense(d), mod, seed=5)
    ref = PCA(2, svd_solver="full").fit(imputed(d, mod))
    assert np.abs(np.sum(res.comps * ref.components_, axis=1)) == pytest.approx([1, 1], abs=1e-7)
    # another seed converges to the same axes
    other = fit_pca(matrix_from_dense(d), mod, seed=99)
    assert np.allclose(other.comps, res.comps, atol=1e-7)


def test_participant_counts_include_every_existing_moderated_out_column():
    m = matrix_from_dense(DENSE)
    # row 0 voted on cols 0,1,2,4 (4 is mod-out, counted once for everyone anyway)
    assert participant_counts(m, MOD).tolist() == [3 + 1, 4 + 1, 5 - 1 + 1, 3 + 1, 3 + 1, 3 + 1]


def test_sparsity_aware_projection_by_hand():
    m = matrix_from_dense(DENSE)
    c = column_means(m, MOD)
    xc = centred_matrix(m, c, MOD)
    comps = np.array([[0.5, 0.5, -0.5, -0.5, 0.0], [1.0, 0.0, 0.0, 0.0, 0.0]])
    n_votes = participant_counts(m, MOD)
    proj = project_participants(xc, comps, n_votes, n_cmts=5)
    # row 3 = [-, -1, 1, 1, (1 mod-out)]: observed cells 1, 2, 3 (+ mod-out col counted in n_votes = 4)
    p1 = 0.5 * (-1 - 0) - 0.5 * (1 - 0.2) - 0.5 * (1 - 0)
    assert proj[3] == pytest.approx(np.sqrt(5 / 4) * np.array([p1, 0.0]))
    # equivalently: mean-impute, centre, project, scale
    x = imputed(DENSE, MOD)
    dense = (x - x.mean(axis=0)) @ comps.T * np.sqrt(5 / n_votes)[:, None]
    assert np.allclose(proj, dense)


def test_comment_projection_and_extremity_agree_convention():
    center = np.array([0.2, -0.5, 0.0])
    comps = np.array([[0.6, 0.0, 0.8], [0.0, 1.0, 0.0]])
    proj, ext = project_comments(center, comps, n_cmts=4)
    # a virtual participant agreeing (+1) with j only: sqrt(n) (1 - c_j) (pc1_j, pc2_j)
    assert proj[0] == pytest.approx([2 * 0.8 * 0.6, 0.0])
    assert proj[1] == pytest.approx([0.0, 2 * 1.5 * 1.0])
    assert ext == pytest.approx([0.96, 3.0, 1.6])


def test_pca_with_one_informative_column_has_a_zero_second_axis():
    d = np.array([[1, NAN], [-1, NAN], [1, 1], [-1, 1]], dtype=float)
    res = fit_pca(matrix_from_dense(d), np.zeros(2, bool))
    assert np.allclose(np.abs(res.comps[0]), [1, 0])
    assert np.allclose(res.comps[1], 0.0)


def test_lanczos_path_equals_the_dense_path():
    rng = np.random.default_rng(8)
    d = rng.choice([-1.0, 0.0, 1.0, NAN], size=(400, 60), p=[0.3, 0.1, 0.3, 0.3])
    m = matrix_from_dense(d)
    mod = np.zeros(60, bool)
    xc = centred_matrix(m, column_means(m, mod), mod)
    dense, lam_d, _ = top_axes(xc, 2)
    for seed in (0, 7):
        lanczos, lam_l, calls = top_axes(xc, 2, seed=seed, dense_below=0)
        assert calls > 1
        assert lam_l == pytest.approx(lam_d, rel=1e-9)
        assert np.abs(np.sum(lanczos * dense, axis=1)) == pytest.approx([1, 1], abs=1e-8)
