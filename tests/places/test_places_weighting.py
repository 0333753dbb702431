"""Policies, collapsing of unheard places, raking with margins, trimming, ESS and design effect."""

from __future__ import annotations

import numpy as np
import pytest

from voxpop.places.registry import PlaceRecord, build_registry
from voxpop.places.shares import CellSums, weighted_share, wilson, z_for
from voxpop.places.weighting import (
    collapse_targets,
    compute_weights,
    design_effect,
    kish_ess,
    policy_targets,
)


@pytest.fixture()
def reg():
    recs = [PlaceRecord("N", "North"), PlaceRecord("S", "South"),
            PlaceRecord("a", "A", parent="N", population=100), PlaceRecord("b", "B", parent="N", population=300),
            PlaceRecord("c", "C", parent="S", population=400), PlaceRecord("d", "D", parent="S", population=100)]
    return build_registry(recs, "test")


def leaf_targets(reg, policy):
    t = policy_targets(reg, policy)
    return {reg.ids[i]: round(float(t[i]), 6) for i in np.flatnonzero(reg.is_leaf)}


def test_policies(reg):
    assert leaf_targets(reg, "population") == {"a": 0.111111, "b": 0.333333, "c": 0.444444, "d": 0.111111}
    assert leaf_targets(reg, "equal") == {"a": 0.25, "b": 0.25, "c": 0.25, "d": 0.25}
    s = np.sqrt([100, 300, 400, 100])
    assert leaf_targets(reg, "sqrt") == dict(zip("abcd", np.round(s / s.sum(), 6).tolist(), strict=True))
    with pytest.raises(ValueError, match="unknown fairness policy 'fair'"):
        policy_targets(reg, "fair")


def test_unheard_place_collapses_into_its_parent(reg):
    counts = np.zeros(len(reg))
    counts[reg.index["a"]] = 2
    counts[reg.index["b"]] = 2
    counts[reg.index["c"]] = 4  # d (South, 100) unheard: its target goes to c, South keeps 500/900
    mass, collapsed = collapse_targets(reg, policy_targets(reg, "population"), counts)
    assert mass[reg.index["c"]] == pytest.approx(500 / 900)
    assert mass[reg.index["a"]] == pytest.approx(100 / 900)
    assert collapsed == [(reg.index["d"], reg.index["S"])]
    # someone who only said "South": the South cell takes d's target
    counts[reg.index["S"]] = 1
    mass, _ = collapse_targets(reg, policy_targets(reg, "population"), counts)
    assert mass[reg.index["S"]] == pytest.approx(100 / 900) and mass[reg.index["c"]] == pytest.approx(400 / 900)


def test_weights_reproduce_targets_and_trim(reg):
    place = np.array([reg.index[p] for p in "aabbbbcd"] + [-1])
    W = compute_weights(reg, place, policy="population", trim_cap=None)
    w = W.w
    assert w[-1] == 0 and W.n == 8
    share = {p: w[place == reg.index[p]].sum() / w.sum() for p in "abcd"}
    assert share == pytest.approx({"a": 1 / 9, "b": 3 / 9, "c": 4 / 9, "d": 1 / 9})
    assert w[:8].mean() == pytest.approx(1.0)
    trimmed = compute_weights(reg, place, policy="population", trim_cap=2.0)
    assert trimmed.w.max() <= 2.0 + 1e-3 and trimmed.n_trimmed >= 1
    assert W.summary(reg)["n_without_place"] == 1


def test_raking_with_an_age_margin(reg):
    rng = np.random.default_rng(3)
    place = rng.choice([reg.index[p] for p in "abcd"], size=400)
    age = rng.choice(["young", "old"], size=400, p=[0.8, 0.2]).astype(object)
    W = compute_weights(reg, place, policy="population", strata={"age": age},
                        margins={"age": {"young": 0.4, "old": 0.6}}, trim_cap=None)
    w = W.w
    assert w[age == "old"].sum() / w.sum() == pytest.approx(0.6, abs=0.005)
    assert w[place == reg.index["c"]].sum() / w.sum() == pytest.approx(4 / 9, abs=0.005)
    assert W.margins[1]["achieved"]["old"] == pytest.approx(0.6, abs=0.005)


def test_ess_and_design_effect_by_hand():
    assert kish_ess([1, 1, 1, 1]) == 4
    assert kish_ess([1, 1, 2, 2]) == pytest.approx(36 / 10)
    assert design_effect([1, 1, 2, 2]) == pytest.approx(4 / 3.6)
    assert design_effect([0, 3, 3]) == pytest.approx(1.0)  # zero weights are not in the sample


def test_wilson_and_weighted_share_by_hand():
    lo, hi = wilson(np.array([0.5]), np.array([100]), z_for())
    assert (lo[0], hi[0]) == pytest.approx((0.4038, 0.5962), abs=1e-4)
    assert z_for(0.95, 12) == pytest.approx(2.858, abs=1e-3)  # Sidak for 12 regions
    # one cell, y = [1, 0, 1], w = [1, 1, 2]: p = 3/4, linearised variance computed directly below
    y, w = np.array([1.0, 0.0, 1.0]), np.array([1.0, 1.0, 2.0])
    W = w.sum()
    s = CellSums(n=np.array([[3.0]]), n_agree=np.array([[2.0]]), n_disagree=np.array([[1.0]]),
                 w={"agree": np.array([[(w * y).sum()]]), "disagree": np.array([[(w * (1 - y)).sum()]]),
                    "seen": np.array([[W]])},
                 w2={"agree": np.array([[(w * w * y).sum()]]), "disagree": np.array([[(w * w * (1 - y)).sum()]]),
                     "seen": np.array([[(w * w).sum()]])})
    p, lo, hi, kish = weighted_share(s, "agree", 1.96)
    assert p[0, 0] == pytest.approx(0.75)
    z = w * (y - 0.75) / W
    var = 3 / 2 * (z * z).sum()
    neff = min(0.75 * 0.25 / var, 3)
    elo, ehi = wilson(np.array([0.75]), np.array([neff]), 1.96)
    assert (lo[0, 0], hi[0, 0]) == pytest.approx((elo[0], ehi[0]))
    assert kish[0, 0] == pytest.approx(16 / 6)
