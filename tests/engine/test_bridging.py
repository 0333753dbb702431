"""Bridging: on a simulated conversation with planted groups, planted consensus statements top both
bridging scores (group-informed consensus and the matrix-factorisation intercept), while planted
group-divisive statements top divisiveness and sit low in both bridging rankings."""

from __future__ import annotations

import numpy as np
import pytest

from voxpop.engine.bridging import fit_bridging
from voxpop.engine.consensus import group_informed_consensus
from voxpop.engine.divisive import divisiveness
from voxpop.engine.matrix import VoteMatrix, from_vote_log


def simulate(seed: int = 0, sizes=(120, 90, 60), n_consensus=5, n_divisive=5, n_other=20, p_seen=0.7):
    """Planted conversation: returns (matrix, labels, consensus cols, divisive cols).

    Consensus statements: every group agrees with probability 0.85. Divisive: group 0 agrees with
    probability 0.9, the others disagree with probability 0.9. Others: each group's agree probability
    is uniform in [0.3, 0.75] (people agree more often than not). A participant sees a statement
    with probability p_seen; 10 % of the votes are passes.
    """
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(len(sizes)), sizes)
    n, k = len(labels), len(sizes)
    n_cols = n_consensus + n_divisive + n_other
    rate = np.empty((k, n_cols))
    rate[:, :n_consensus] = 0.85
    rate[:, n_consensus : n_consensus + n_divisive] = 0.1
    rate[0, n_consensus : n_consensus + n_divisive] = 0.9
    rate[:, n_consensus + n_divisive :] = rng.uniform(0.3, 0.75, size=(k, n_other))
    perm = rng.permutation(n_cols)  # planted statements at random columns
    rate = rate[:, perm]
    inv = np.argsort(perm)
    consensus_cols = set(inv[:n_consensus].tolist())
    divisive_cols = set(inv[n_consensus : n_consensus + n_divisive].tolist())
    seen = rng.random((n, n_cols)) < p_seen
    votes = np.where(rng.random((n, n_cols)) < rate[labels], 1, -1)
    votes[rng.random((n, n_cols)) < 0.1] = 0
    r, c = np.nonzero(seen)
    m = from_vote_log(r, c, votes[r, c], n_participants=n, n_statements=n_cols)
    return m, labels.astype(np.int64), consensus_cols, divisive_cols


def _top(score: np.ndarray, n: int) -> set[int]:
    return set(np.argsort(-score, kind="stable")[:n].tolist())


def _rank(score: np.ndarray) -> np.ndarray:
    """0 = highest score."""
    return np.argsort(np.argsort(-score, kind="stable"), kind="stable")


@pytest.mark.parametrize("seed", [0, 1])
def test_planted_consensus_and_divisive_statements(seed):
    m, labels, cons, div = simulate(seed)
    k = int(labels.max()) + 1
    gic = group_informed_consensus(m, labels, k)
    res = fit_bridging(m, seed=0)
    bridging = res.statement_intercept
    assert res.converged
    assert _top(gic, len(cons)) == cons
    assert _top(bridging, len(cons)) == cons
    assert _top(divisiveness(m, labels, k), len(div)) == div
    half = m.n_cols // 2
    for score in (gic, bridging):
        assert all(_rank(score)[c] >= half for c in div), "divisive statements must rank in the lower half"
    # the factor carries the divide: divisive statements have the largest |factor|, and group 0's
    # participants sit on the opposite side from the others
    assert _top(np.abs(res.statement_factor[:, 0]), len(div)) == div
    f = res.participant_factor[:, 0]
    assert np.sign(np.median(f[labels == 0])) != np.sign(np.median(f[labels != 0]))


def test_bridging_is_deterministic_for_a_seed_and_stable_across_seeds():
    m, *_ = simulate(2)
    a, b = fit_bridging(m, seed=7), fit_bridging(m, seed=7)
    for name in ("participant_intercept", "participant_factor", "statement_intercept", "statement_factor"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert a.mu == b.mu and a.n_iter == b.n_iter
    c = fit_bridging(m, seed=8)
    np.testing.assert_allclose(c.statement_intercept, a.statement_intercept, atol=0.02)


def test_bridging_minimises_the_community_notes_objective():
    m, *_ = simulate(3, sizes=(40, 30), n_other=10)
    res = fit_bridging(m, seed=0, tol=1e-10, max_iter=500)
    keep = m.vals != 0
    rows, cols, y = m.rows[keep], m.cols[keep], (m.vals[keep] > 0).astype(float)

    def objective(mu, iu, fu, i_s, fs):
        pred = mu + iu[rows] + i_s[cols] + (fu[rows] * fs[cols]).sum(axis=1)
        return (
            np.mean((y - pred) ** 2)
            + 0.15 * np.mean(iu**2)
            + 0.03 * np.mean(fu**2)
            + 0.15 * np.mean(i_s**2)
            + 0.03 * np.mean(fs**2)
            + 0.15 * mu**2
        )

    params = [
        res.mu,
        res.participant_intercept,
        res.participant_factor,
        res.statement_intercept,
        res.statement_factor,
    ]
    best = objective(*params)
    assert best == pytest.approx(res.loss, rel=1e-6)
    rng = np.random.default_rng(0)
    for _ in range(5):  # small perturbations never improve a (local) minimum
        nudged = [p + 1e-3 * rng.standard_normal(np.shape(p)) for p in params]
        assert objective(*nudged) > best


def test_bridging_small_statements_and_passes():
    # statement 1 has only 3 agree/disagree votes (+ passes): NaN ("needs more ratings")
    p = np.array([0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4])
    s = np.array([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
    v = np.array([1, 1, 1, -1, 1, 1, 1, -1, 1, 0, 0])
    m = from_vote_log(p, s, v, n_participants=7, n_statements=3)
    res = fit_bridging(m)
    assert np.isfinite(res.statement_intercept[0])
    assert np.isnan(res.statement_intercept[1]) and np.isnan(res.statement_intercept[2])
    assert np.isnan(res.participant_intercept[6])  # no votes at all
    assert res.statement_factor.shape == (3, 1) and res.participant_factor.shape == (7, 1)
    np.testing.assert_array_equal(res.n_ratings, [6, 3, 0])
    empty = fit_bridging(VoteMatrix(np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0, np.int8), 2, 2))
    assert np.isnan(empty.statement_intercept).all()
    with pytest.raises(ValueError, match="n_factors"):
        fit_bridging(m, n_factors=0)
    with pytest.raises(ValueError, match="lambda_factor must be > 0"):
        fit_bridging(m, lambda_factor=0.0)


def test_bridging_two_factors_runs():
    m, _, cons, _ = simulate(4, sizes=(60, 60, 60))
    res = fit_bridging(m, n_factors=2)
    assert res.statement_factor.shape == (m.n_cols, 2)
    assert _top(res.statement_intercept, len(cons)) == cons


def test_both_bridging_scores_agree_on_real_polis_conversations(polis_dirs):
    """On real conversations (Pol.is's own group labels) the two bridging scores rank statements alike
    and the factor lines up with divisiveness — measured ρ ≈ 0.91–0.97 on vtaiwan and austria-climate."""
    from scipy.stats import spearmanr

    from ._polis import load_export

    names = ("vtaiwan.uberx", "austria-climate.5twd2jsnkf")
    folders = [f for f in polis_dirs if f.name.startswith(names)]
    assert folders, f"expected {names} under shared/data/polis"
    for folder in folders:
        ex = load_export(folder)
        k = int(ex.group.max()) + 1
        res = fit_bridging(ex.matrix, seed=0)
        assert res.converged
        ok = ~ex.mod_out & np.isfinite(res.statement_intercept)
        gic = group_informed_consensus(ex.matrix, ex.group, k)
        div = divisiveness(ex.matrix, ex.group, k)
        assert spearmanr(res.statement_intercept[ok], gic[ok]).statistic > 0.8, folder.name
        assert spearmanr(np.abs(res.statement_factor[ok, 0]), div[ok]).statistic > 0.8, folder.name


@pytest.mark.parametrize("p_pass", [0.0, 0.3, 1.0])
def test_split_matches_a_plain_count_of_the_votes(p_pass):
    """The agree/disagree split the fit sweeps over (built in linear passes from the vote cells) is exactly
    a plain count: agrees in the first half of the columns, disagrees in the second, passes dropped, rows
    with no vote or only passes empty."""
    from voxpop.engine.bridging import _split_from_cells

    rng = np.random.default_rng(7)
    n_rows, n_cols = 60, 9
    cells = rng.random((n_rows, n_cols)) < 0.5
    cells[[3, 17]] = False  # participants with no cell at all
    r, c = np.nonzero(cells)
    v = rng.choice(np.array([-1, 1], dtype=np.int8), len(r))
    v[rng.random(len(r)) < p_pass] = 0
    v[r == 5] = 0  # a participant who only passed
    m = VoteMatrix(rows=r.astype(np.int32), cols=c.astype(np.int32), vals=v, n_rows=n_rows, n_cols=n_cols)
    split, p_count, p_agree, s_count, s_agree = _split_from_cells(m.cells, n_cols, m.cell_votes)
    want = np.zeros((n_rows, 2 * n_cols))
    want[r[v > 0], c[v > 0]] = 1.0
    want[r[v < 0], c[v < 0] + n_cols] = 1.0
    assert np.array_equal(split.toarray(), want)
    assert split.nnz == int((v != 0).sum())
    assert np.array_equal(p_count, np.bincount(r[v != 0], minlength=n_rows))
    assert np.array_equal(p_agree, np.bincount(r[v > 0], minlength=n_rows))
    assert np.array_equal(s_count, np.bincount(c[v != 0], minlength=n_cols))
    assert np.array_equal(s_agree, np.bincount(c[v > 0], minlength=n_cols))
