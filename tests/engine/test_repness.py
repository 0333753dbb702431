"""Pol.is representativeness: hand-computed statistics and selection, and the vote-flip symmetry."""

from __future__ import annotations

import math

import numpy as np
import pytest

from voxpop.engine.matrix import from_vote_log
from voxpop.engine.repness import group_repness, repness_stats

# participants 0-3 are group 0, 4-7 group 1
from ._hand import HAND, LABELS
from ._hand import matrix as _matrix


def test_repness_statistics_by_hand():
    st = repness_stats(_matrix(HAND), LABELS, 2)
    r5 = math.sqrt(5)
    # group 0, col 0: na=4 of ns=4; rest (group 1): na=0, nd=4, ns=4
    assert st["pa"][0, 0] == pytest.approx(5 / 6)
    assert st["pd"][0, 0] == pytest.approx(1 / 6)
    assert st["pat"][0, 0] == pytest.approx(r5)
    assert st["pdt"][0, 0] == pytest.approx(-0.6 * r5)
    assert st["ra"][0, 0] == pytest.approx(5.0)  # (5/6) / (1/6)
    assert st["rd"][0, 0] == pytest.approx(0.2)
    assert st["rat"][0, 0] == pytest.approx(0.8 / math.sqrt(0.096))  # p1=1, p2=.2, pooled .6, 1/5+1/5
    assert st["rdt"][0, 0] == pytest.approx(-0.8 / math.sqrt(0.096))
    # col 1: everyone agrees -> pooled share 1 -> rat is exactly 0
    assert st["rat"][0, 1] == 0.0 and st["rdt"][0, 1] == 0.0
    assert st["ra"][0, 1] == pytest.approx(1.0)
    # group 0, col 2: na=2, nd=0, ns=4; rest na=1, nd=1, ns=2
    assert st["pa"][0, 2] == pytest.approx(0.5)
    assert st["pat"][0, 2] == pytest.approx(0.2 * r5)
    assert st["ra"][0, 2] == pytest.approx(1.0)
    assert st["rat"][0, 2] == pytest.approx((0.6 - 2 / 3) / math.sqrt(1 / 8))
    assert st["rd"][0, 2] == pytest.approx(1 / 3)
    assert st["rdt"][0, 2] == pytest.approx((0.2 - 2 / 3) / math.sqrt(1 / 8))
    # group 1, col 2: na=1, nd=1, ns=2; rest na=2, nd=0, ns=4
    assert st["rd"][1, 2] == pytest.approx(3.0)
    assert st["rdt"][1, 2] == pytest.approx((2 / 3 - 0.2) / math.sqrt(1 / 8))
    assert st["pdt"][1, 2] == pytest.approx(2 * math.sqrt(3) * (2 / 3 - 0.5))


def test_repness_selection_by_hand():
    g0, g1 = group_repness(_matrix(HAND), LABELS, 2, np.zeros(3, dtype=bool))
    # group 0: col 0 is sufficient and also the best agree -> listed once, flagged
    assert [(e["col"], e["direction"], e["best_agree"]) for e in g0] == [(0, "agree", True)]
    e = g0[0]
    assert (e["n_agree"], e["n_disagree"], e["n_seen"]) == (4, 0, 4)
    assert e["p"] == pytest.approx(5 / 6) and e["p_test"] == pytest.approx(math.sqrt(5))
    assert e["r"] == pytest.approx(5.0)
    assert e["r_test"] == pytest.approx(0.8 / math.sqrt(0.096), rel=1e-6)  # float32, as Pol.is
    assert e["repness"] == pytest.approx(e["r"] * e["r_test"] * e["p"] * e["p_test"])
    # group 1: col 0 sufficient on the disagree side; the best agree is col 1 (everyone agrees,
    # pat = sqrt(5)), which Pol.is still labels "disagree" because rat == rdt == 0; best agree goes first
    assert [(e["col"], e["direction"], e["best_agree"]) for e in g1] == [
        (1, "disagree", True),
        (0, "disagree", False),
    ]
    assert g1[0]["p"] == pytest.approx(1 / 6)
    assert g1[1]["p"] == pytest.approx(5 / 6) and g1[1]["r"] == pytest.approx(5.0)


def test_repness_selection_skips_moderated_out():
    mod = np.array([False, True, False])
    g0, g1 = group_repness(_matrix(HAND), LABELS, 2, mod)
    assert [e["col"] for e in g0] == [0]
    # without col 1 group 1 has no best agree (col 0 pat < 0, col 2 pat 0.58 and ra = 1): just the sufficient one
    assert [(e["col"], e["best_agree"]) for e in g1] == [(0, False)]


def test_repness_falls_back_to_best_by_test():
    # group 0 = two disagrees, group 1 = a disagree and a pass: nothing passes both tests (group 0's
    # rdt = 1/3 / sqrt(5/6·1/6·2/3) ≈ 1.10) and no statement qualifies as best agree (pat < 0, ra = 1)
    dense = [[-1], [-1], [-1], [0]]
    g0, g1 = group_repness(_matrix(dense), np.array([0, 0, 1, 1]), 2)
    assert [(e["col"], e["direction"], e["best_agree"]) for e in g0] == [(0, "disagree", False)]
    assert g0[0]["r_test"] == pytest.approx((1 - 2 / 3) / math.sqrt(5 / 6 * 1 / 6 * 2 / 3), rel=1e-6)
    # group 1's disagree test is negative and its agree test is 0, so Pol.is reports the agree side
    assert [(e["col"], e["direction"]) for e in g1] == [(0, "agree")]
    assert g1[0]["r_test"] == 0.0


def _planted(seed: int = 3, n: int = 160, n_cols: int = 40):
    rng = np.random.default_rng(seed)
    labels = (np.arange(n) % 3).astype(np.int64)
    rates = rng.uniform(0.05, 0.95, size=(3, n_cols))
    p = rates[labels]
    seen = rng.random((n, n_cols)) < 0.7
    v = np.where(rng.random((n, n_cols)) < p, 1, -1)
    v[rng.random((n, n_cols)) < 0.1] = 0
    r, c = np.nonzero(seen)
    return r, c, v[r, c], labels, n, n_cols


def test_flipping_every_vote_swaps_counts_and_directions():
    r, c, v, labels, n, n_cols = _planted()
    m = from_vote_log(r, c, v, n_participants=n, n_statements=n_cols)
    mf = from_vote_log(r, c, -v, n_participants=n, n_statements=n_cols)
    a, b = repness_stats(m, labels, 3), repness_stats(mf, labels, 3)
    for x, y in (("na", "nd"), ("pa", "pd"), ("pat", "pdt"), ("ra", "rd"), ("rat", "rdt")):
        np.testing.assert_allclose(a[x], b[y])
        np.testing.assert_allclose(a[y], b[x])
    np.testing.assert_array_equal(a["ns"], b["ns"])
    ra, rb = group_repness(m, labels, 3), group_repness(mf, labels, 3)
    compared = 0
    for ga, gb in zip(ra, rb, strict=True):
        dir_a = {e["col"]: e["direction"] for e in ga if not e["best_agree"]}
        for e in gb:
            if not e["best_agree"] and e["col"] in dir_a:
                assert {dir_a[e["col"]], e["direction"]} == {"agree", "disagree"}
                compared += 1
        assert len(ga) <= 5  # at most 5, agrees before disagrees
        dirs = [e["direction"] for e in ga]
        assert dirs == sorted(dirs)  # "agree" < "disagree"
    assert compared >= 3


def test_repness_handles_empty_group_and_rejects_bad_mask():
    m = _matrix(HAND)
    out = group_repness(m, np.zeros(8, dtype=np.int64), 2)
    assert len(out) == 2
    with pytest.raises(ValueError, match="mod_out"):
        group_repness(m, LABELS, 2, np.zeros(2, dtype=bool))


def test_selection_invariants_on_real_polis_conversations(polis_dirs):
    from voxpop.engine.consensus import consensus
    from voxpop.engine.stats import Z_90

    from ._polis import load_export

    checked = 0
    for folder in polis_dirs:
        ex = load_export(folder)
        k = int(ex.group.max()) + 1
        if k < 2:
            continue
        reps = group_repness(ex.matrix, ex.group, k, ex.mod_out)
        assert len(reps) == k
        for lst in reps:
            assert 1 <= len(lst) <= 5, folder.name
            assert sum(e["best_agree"] for e in lst) <= 1
            # best agree goes first, unless Pol.is labelled it "disagree" and the agrees were moved before it
            assert not any(e["best_agree"] and e["direction"] == "agree" for e in lst[1:])
            dirs = [e["direction"] for e in lst]
            assert dirs == sorted(dirs), folder.name  # agrees before disagrees
            assert not any(ex.mod_out[e["col"]] for e in lst)
            if len(lst) > 1:  # a list, not a single fallback: the others passed both tests
                for e in lst:
                    if not e["best_agree"]:
                        assert e["p_test"] > Z_90 and e["r_test"] > Z_90, (folder.name, e)
        cons = consensus(ex.matrix, ex.mod_out)
        for side in ("agree", "disagree"):
            assert all(e["p"] > 0.5 and e["p_test"] > Z_90 and not ex.mod_out[e["col"]] for e in cons[side])
            metric = [e["p"] * e["p_test"] for e in cons[side]]
            assert metric == sorted(metric, reverse=True)
        checked += 1
    assert checked >= 5
