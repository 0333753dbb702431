"""Vote counts and the Pol.is tests: hand-computed cases and a permutation property."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voxpop.engine.matrix import VoteMatrix, from_vote_log
from voxpop.engine.stats import prop_test, smoothed_share, two_prop_test, vote_counts


def _matrix(dense: list[list[int | None]]) -> VoteMatrix:
    """Rows = participants; None = not seen."""
    cells = [(i, j, v) for i, row in enumerate(dense) for j, v in enumerate(row) if v is not None]
    n_cols = len(dense[0]) if dense else 0
    if not cells:
        return from_vote_log([], [], [], n_participants=len(dense), n_statements=n_cols)
    p, s, v = (np.array(x) for x in zip(*cells, strict=True))
    return from_vote_log(p, s, v, n_participants=len(dense), n_statements=n_cols)


def test_vote_counts_hand_case():
    m = _matrix(
        [
            [1, -1, None],
            [1, 0, 1],
            [-1, None, 0],
            [0, 1, None],
        ]
    )
    labels = np.array([0, 0, 1, -1])
    c = vote_counts(m, labels, 2)
    np.testing.assert_array_equal(c["n_agree"], [2, 1, 1])
    np.testing.assert_array_equal(c["n_disagree"], [1, 1, 0])
    np.testing.assert_array_equal(c["n_pass"], [1, 1, 1])
    np.testing.assert_array_equal(c["n_seen"], [4, 3, 2])
    by = c["by_group"]
    np.testing.assert_array_equal(by["n_agree"], [[2, 0, 1], [0, 0, 0]])
    np.testing.assert_array_equal(by["n_disagree"], [[0, 1, 0], [1, 0, 0]])
    np.testing.assert_array_equal(by["n_pass"], [[0, 1, 0], [0, 0, 1]])
    np.testing.assert_array_equal(by["n_seen"], [[2, 2, 1], [1, 0, 1]])
    for arr in (*[c[k] for k in ("n_agree", "n_seen")], by["n_seen"]):
        assert arr.dtype == np.int64


def test_vote_counts_rejects_bad_labels():
    m = _matrix([[1], [0]])
    with pytest.raises(ValueError, match="one entry per participant"):
        vote_counts(m, np.array([0]), 1)
    with pytest.raises(ValueError, match="group id in 0..1"):
        vote_counts(m, np.array([0, 2]), 2)
    with pytest.raises(ValueError, match="integers"):
        vote_counts(m, np.array([0.0, 1.0]), 2)


def test_prop_test_and_share_hand_values():
    # 2·sqrt(4+1)·((3+1)/(4+1) − 0.5) = 0.6·sqrt(5)
    assert prop_test(3, 4) == pytest.approx(0.6 * math.sqrt(5))
    assert prop_test(0, 0) == pytest.approx(1.0)  # 2·1·(1/1 − 0.5)
    assert smoothed_share(3, 4) == pytest.approx(4 / 6)


def test_two_prop_test_hand_values():
    # s1=4, n1=5, s2=2, n2=6: p1=0.8, p2=1/3, pooled 6/11, var = 6/11·5/11·(1/5+1/6) = 1/11
    assert two_prop_test(3, 1, 4, 5) == pytest.approx((0.8 - 1 / 3) * math.sqrt(11))
    assert two_prop_test(1, 3, 5, 4) == pytest.approx(-(0.8 - 1 / 3) * math.sqrt(11))
    # everyone agreed in and out of the group: pooled share exactly 1 -> 0, not nan
    assert two_prop_test(4, 5, 4, 5) == 0.0
    assert two_prop_test(0, 0, 0, 0) == 0.0
    z = two_prop_test(np.array([4, 3]), np.array([5, 1]), np.array([4, 4]), np.array([5, 5]))
    assert z[0] == 0.0 and z[1] == pytest.approx((0.8 - 1 / 3) * math.sqrt(11))


@st.composite
def _votes_and_perm(draw):
    n_rows = draw(st.integers(0, 12))
    n_cols = draw(st.integers(1, 5))
    k = draw(st.integers(0, 3))
    cells = draw(
        st.lists(st.sampled_from([None, -1, 0, 1]), min_size=n_rows * n_cols, max_size=n_rows * n_cols)
    )
    labels = draw(st.lists(st.integers(-1, k - 1), min_size=n_rows, max_size=n_rows))
    perm = draw(st.permutations(range(n_rows)))
    dense = [cells[i * n_cols : (i + 1) * n_cols] for i in range(n_rows)]
    return dense, n_cols, np.array(labels, dtype=np.int64), k, np.array(perm, dtype=np.int64)


def _from_dense(dense, n_cols):
    if not dense:
        return from_vote_log([], [], [], n_participants=0, n_statements=n_cols)
    return _matrix(dense)


@settings(max_examples=60, deadline=None)
@given(_votes_and_perm())
def test_vote_counts_invariant_under_participant_permutation(case):
    dense, n_cols, labels, k, perm = case
    m = _from_dense(dense, n_cols)
    mp = _from_dense([dense[i] for i in perm], n_cols)
    a = vote_counts(m, labels, k)
    b = vote_counts(mp, labels[perm] if len(perm) else labels, k)
    for key in ("n_agree", "n_disagree", "n_pass", "n_seen"):
        np.testing.assert_array_equal(a[key], b[key])
        np.testing.assert_array_equal(a["by_group"][key], b["by_group"][key])
        assert a["by_group"][key].shape == (k, n_cols)
    # and they agree with a brute-force count
    for j in range(n_cols):
        col = [row[j] for row in dense]
        assert a["n_agree"][j] == col.count(1) and a["n_pass"][j] == col.count(0)
        for g in range(k):
            gcol = [row[j] for row, lab in zip(dense, labels, strict=True) if lab == g]
            assert a["by_group"]["n_seen"][g, j] == sum(v is not None for v in gcol)
            assert a["by_group"]["n_disagree"][g, j] == gcol.count(-1)
