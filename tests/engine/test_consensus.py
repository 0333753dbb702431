"""Pol.is consensus, group-informed consensus and our divisiveness: hand-computed cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from voxpop.engine.consensus import consensus, group_informed_consensus
from voxpop.engine.divisive import divisiveness
from voxpop.engine.matrix import VoteMatrix, from_vote_log

from ._hand import HAND, LABELS
from ._hand import matrix as _matrix


def _columns(spec: list[tuple[int, int, int]]) -> VoteMatrix:
    """One statement per (n_agree, n_disagree, n_pass), each voted by distinct participants."""
    p, s, v = [], [], []
    row = 0
    for j, (a, d, ps) in enumerate(spec):
        for val, n in ((1, a), (-1, d), (0, ps)):
            p += list(range(row, row + n))
            s += [j] * n
            v += [val] * n
            row += n
    return from_vote_log(np.array(p), np.array(s), np.array(v), n_participants=row, n_statements=len(spec))


def test_consensus_hand_case():
    out = consensus(_matrix(HAND), np.zeros(3, dtype=bool))
    # col 1: 8 of 8 agree -> pa = 9/10, pat = 2·3·(9/9 − 0.5) = 3; col 0: pa = .5 (not > .5);
    # col 2: 3 of 5 -> pa = 4/7 but pat = 2·sqrt(6)·(4/6 − .5) ≈ 0.82 < 1.2816
    assert out["agree"] == [{"col": 1, "n_success": 8, "n_trials": 8, "p": pytest.approx(0.9), "p_test": 3.0}]
    assert out["disagree"] == []
    assert consensus(_matrix(HAND), np.array([False, True, False])) == {"agree": [], "disagree": []}


def test_consensus_thresholds_order_and_top():
    # ns = 10: 7 agrees gives pat = 2·sqrt(11)·(8/11 − .5) ≈ 1.508 (in); 6 agrees ≈ 0.905 (out)
    m = _columns([(7, 3, 0), (6, 4, 0), (9, 1, 0), (7, 3, 0), (1, 9, 0), (0, 3, 0), (20, 0, 0), (8, 1, 1)])
    out = consensus(m)
    cols = [e["col"] for e in out["agree"]]
    # sorted by pa·pat: col 6 (21/22 · 2·sqrt(21)·(21/21 −.5)) first; cols 0 and 3 tie and keep column order
    assert cols == [6, 2, 7, 0, 3]
    e0 = next(e for e in out["agree"] if e["col"] == 0)
    assert e0["p"] == pytest.approx(8 / 12) and e0["p_test"] == pytest.approx(
        2 * math.sqrt(11) * (8 / 11 - 0.5)
    )
    assert [e["col"] for e in out["disagree"]] == [4, 5]  # col 5: pd = 4/5, pdt = 2·2·(4/4 − .5) = 2
    assert [e["col"] for e in consensus(m, top=2)["agree"]] == [6, 2]
    # passes count as trials: (8 agree, 1 disagree, 1 pass) -> n_trials 10
    assert next(e for e in out["agree"] if e["col"] == 7)["n_trials"] == 10


def test_consensus_uses_all_participants_not_only_grouped():
    m = _matrix(HAND)
    assert consensus(m)["agree"][0]["n_trials"] == 8  # labels play no role


def test_group_informed_consensus_product():
    gic = group_informed_consensus(_matrix(HAND), LABELS, 2)
    # col 0: 5/6 · 1/6; col 1: 5/6 · 5/6; col 2: (2+1)/(4+2) · (1+1)/(2+2)
    np.testing.assert_allclose(gic, [5 / 36, 25 / 36, 0.25])
    # ungrouped participants are ignored; empty groups are skipped
    labels = LABELS.copy()
    labels[4:] = -1
    np.testing.assert_allclose(group_informed_consensus(_matrix(HAND), labels, 3), [5 / 6, 5 / 6, 0.5])


def test_divisiveness_hand_case_and_flip_invariance():
    m = _matrix(HAND)
    div = divisiveness(m, LABELS, 2)
    # net agreement d_g = (A − D)/(S + 2): col 0: ±4/6 -> std 2/3; col 1: equal -> 0; col 2: 2/6 and 0/4 -> 1/6
    np.testing.assert_allclose(div, [2 / 3, 0.0, 1 / 6])
    flipped = VoteMatrix(m.rows, m.cols, -m.vals, m.n_rows, m.n_cols)
    np.testing.assert_allclose(divisiveness(flipped, LABELS, 2), div)
    # a single voting group cannot be divided
    labels = LABELS.copy()
    labels[4:] = -1
    np.testing.assert_allclose(divisiveness(m, labels, 2), 0.0)


def test_precomputed_counts_give_the_same_results():
    from voxpop.engine.repness import group_repness
    from voxpop.engine.stats import vote_counts

    m = _matrix(HAND)
    counts = vote_counts(m, LABELS, 2)
    np.testing.assert_array_equal(
        group_informed_consensus(m, LABELS, 2, counts=counts), group_informed_consensus(m, LABELS, 2)
    )
    np.testing.assert_array_equal(divisiveness(m, LABELS, 2, counts=counts), divisiveness(m, LABELS, 2))
    assert group_repness(m, LABELS, 2, None, counts=counts) == group_repness(m, LABELS, 2)
