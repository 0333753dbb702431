"""Warm starts of the numerical fits (the worker's refresh, voxpop.services.snapshots): from the previous
axes / bridging fit, after a few more votes, they reach what a cold fit of the same votes reaches, in fewer
products or sweeps."""

from __future__ import annotations

import numpy as np

from voxpop.engine.bridging import fit_bridging
from voxpop.engine.matrix import from_vote_log
from voxpop.engine.pca import _orient, centred_matrix, column_means, top_axes


def _votes(rng, n_p=3000, n_s=60, k=20):
    stance = rng.choice([-1, 1], size=(3, n_s))
    p = np.repeat(np.arange(n_p), k)
    s = np.argsort(rng.random((n_p, n_s)), axis=1)[:, :k].ravel()
    v = stance[p % 3, s]
    noise = rng.random(len(v))
    v = np.where(noise < 0.15, 0, np.where(noise < 0.3, -v, v)).astype(np.int8)
    return p, s, v


def _matrix(p, s, v, n_p, n_s):
    return from_vote_log(p, s, v, n_participants=n_p, n_statements=n_s)


def test_warm_axes_equal_cold_axes_after_new_votes():
    rng = np.random.default_rng(3)
    p, s, v = _votes(rng)
    m = _matrix(p, s, v, 3000, 60)
    mod = np.zeros(60, dtype=bool)
    before, _, _ = top_axes(centred_matrix(m, column_means(m, mod), mod), dense_below=0)
    # more votes, two new statements
    p2, s2, v2 = _votes(np.random.default_rng(4), n_p=3000, n_s=62, k=3)
    m2 = _matrix(np.concatenate([p, p2]), np.concatenate([s, s2]), np.concatenate([v, v2]), 3000, 62)
    xc = centred_matrix(m2, column_means(m2, np.zeros(62, dtype=bool)), np.zeros(62, dtype=bool))
    cold, lam_cold, cold_calls = top_axes(xc, dense_below=0)
    warm, lam_warm, warm_calls = top_axes(xc, dense_below=0, start=before)
    np.testing.assert_allclose(lam_warm, lam_cold, rtol=1e-9)
    np.testing.assert_allclose(_orient(warm), _orient(cold), atol=1e-5)
    assert warm_calls < cold_calls


def test_warm_bridging_reaches_the_cold_optimum_in_fewer_sweeps():
    rng = np.random.default_rng(5)
    p, s, v = _votes(rng, n_p=2000, n_s=40)
    first = fit_bridging(_matrix(p, s, v, 2000, 40))
    p2, s2, v2 = _votes(np.random.default_rng(6), n_p=2000, n_s=41, k=2)
    m2 = _matrix(np.concatenate([p, p2]), np.concatenate([s, s2]), np.concatenate([v, v2]), 2000, 41)
    cold = fit_bridging(m2)
    warm = fit_bridging(m2, start=(first.statement_intercept, first.statement_factor, first.mu))
    assert warm.converged and cold.converged
    np.testing.assert_allclose(warm.statement_intercept, cold.statement_intercept, atol=2e-3)
    assert warm.n_iter < cold.n_iter
