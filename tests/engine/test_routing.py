"""Pol.is comment priorities and the weighted lottery (polis-math.md §8)."""

from __future__ import annotations

import numpy as np
import pytest

from voxpop.engine.matrix import from_vote_log
from voxpop.engine.routing import choose_next, priorities
from voxpop.engine.stats import vote_counts


class _FixedDraw:
    """A generator stand-in that returns preset uniforms, to check the cumulative rule exactly."""

    def __init__(self, *values: float):
        self.values = list(values)

    def random(self) -> float:
        return self.values.pop(0)


def test_priority_formula_by_hand():
    counts = {"n_agree": np.array([3, 0]), "n_disagree": np.array([1, 0]), "n_seen": np.array([5, 0])}
    pr = priorities(counts, np.array([0.5, 0.0]), np.array([False, False]))
    # A=3, D=1, S=5, P=1, E=.5: importance = (1 − 2/7)·1.5·4/7 = 30/49; novelty = 1 + 8·2^-1 = 5
    assert pr[0] == pytest.approx((30 / 49 * 5) ** 2)
    # never voted: importance = (1 − 1/2)·1·(1/2) = 1/4, novelty 9 -> 2.25² = 5.0625
    assert pr[1] == pytest.approx(5.0625)
    assert priorities(counts, np.array([0.5, 0.0]), np.array([True, False]))[0] == 49.0


def test_priorities_sum_group_counts():
    # two groups given as (k, n_cols) arrays are summed before the formula
    by = {
        "n_agree": np.array([[1, 0], [2, 0]]),
        "n_disagree": np.array([[1, 0], [0, 0]]),
        "n_seen": np.array([[2, 0], [3, 0]]),
    }
    flat = {k: v.sum(axis=0) for k, v in by.items()}
    e = np.array([0.5, 0.0])
    np.testing.assert_allclose(priorities(by, e), priorities(flat, e))
    # straight from vote_counts(...)["by_group"]: ungrouped participants don't count
    m = from_vote_log(
        np.array([0, 1, 2]), np.array([0, 0, 1]), np.array([1, -1, 0]), n_participants=3, n_statements=2
    )
    pr = priorities(vote_counts(m, np.array([0, -1, 0]), 1)["by_group"], np.zeros(2))
    expected = priorities(
        {"n_agree": np.array([1, 0]), "n_disagree": np.array([0, 0]), "n_seen": np.array([1, 1])}, np.zeros(2)
    )
    np.testing.assert_allclose(pr, expected)
    with pytest.raises(ValueError, match="n_seen"):
        priorities({"n_agree": np.zeros(2), "n_disagree": np.zeros(2)}, np.zeros(2))
    with pytest.raises(ValueError, match="same statements"):
        priorities(flat, np.zeros(3))


def test_choose_next_cumulative_rule_and_default_weight():
    pr = np.array([1.0, 3.0, 0.0])
    cands = [0, 1, 2, 7]  # col 2 has priority 0 and col 7 none: both weight 1; total = 6
    assert choose_next(pr, cands, _FixedDraw(0.1)) == 0  # r = 0.6 < 1
    assert choose_next(pr, cands, _FixedDraw(1 / 6)) == 1  # r = 1.0: cumulative must exceed r
    assert choose_next(pr, cands, _FixedDraw(0.7)) == 2  # r = 4.2, cum = 1, 4, 5
    assert choose_next(pr, cands, _FixedDraw(0.9)) == 7  # r = 5.4
    assert choose_next(pr, [], _FixedDraw()) is None
    with pytest.raises(ValueError, match="non-negative"):
        choose_next(pr, [-1], _FixedDraw(0.5))


def test_choose_next_frequencies_follow_weights():
    rng = np.random.default_rng(0)
    pr = np.array([1.0, 3.0, np.nan, 49.0])
    draws = np.array([choose_next(pr, [0, 1, 2], rng) for _ in range(4000)])
    freq = np.bincount(draws, minlength=4) / len(draws)
    np.testing.assert_allclose(freq[:3], [0.2, 0.6, 0.2], atol=0.03)
    assert freq[3] == 0
    again = np.random.default_rng(0)
    assert [choose_next(pr, [0, 1, 2], again) for _ in range(50)] == list(draws[:50])
