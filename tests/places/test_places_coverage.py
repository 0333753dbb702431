"""Coverage: voices per 100,000, and the ranked list of where to go next."""

from __future__ import annotations

import numpy as np
import pytest

from voxpop.places.coverage import coverage, place_records
from voxpop.places.registry import PlaceRecord, build_registry
from voxpop.places.weighting import policy_targets


@pytest.fixture()
def reg():
    recs = [PlaceRecord("R", "Region")]
    pops = {"big0": 100_000, "small0": 10_000, "few": 50_000, "under": 200_000, "over": 100_000, "fair": 20_000}
    kinds = {"big0": "rural", "small0": "rural", "few": "town", "under": "city", "over": "city", "fair": "town"}
    recs += [PlaceRecord(k, k.title(), parent="R", kind=kinds[k], population=v) for k, v in pops.items()]
    return build_registry(recs, "test")


def counts(reg, **by_id):
    c = np.zeros(len(reg), dtype=np.int64)
    for k, v in by_id.items():
        c[reg.index[k]] = v
    return c


def test_ranking_unheard_then_too_few_then_under_heard(reg):
    c = counts(reg, few=2, under=40, over=149, fair=9)  # total 200 of 480,000 people
    cov = coverage(reg, c, min_cell=5)
    order = [(x["place"], x["status"]) for x in cov["next"]]
    assert order == [("big0", "not heard"), ("small0", "not heard"), ("few", "too few"), ("under", "under-heard")]
    under = cov["next"][3]
    assert under["voices_per_100k"] == pytest.approx(20.0)  # 40 per 200,000
    assert under["coverage_ratio"] == pytest.approx((40 / 200) / (200_000 / 480_000), abs=1e-4)
    assert under["voices_needed"] == 44  # its fair share is 83.3 of 200
    assert cov["next"][0]["voices_needed"] == 42  # 100,000 / 480,000 x 200 = 41.7
    assert cov["voices_per_100k"] == pytest.approx(200 / 4.8, abs=1e-3)
    kinds = {k["cell"]: k for k in cov["by_kind"]}
    assert kinds["city"]["participants"] == 189 and kinds["rural"]["participants"] == 0
    assert kinds["town"]["participants"] == 11  # 2 + 9: the kind cell has enough people
    assert cov["by_level"]["level 0"][0]["participants"] == 200


def test_place_records_suppress_small_counts(reg):
    c = counts(reg, few=2, under=40, over=149, fair=9)
    recs = {r["id"]: r for r in place_records(reg, c, policy_targets(reg, "equal"), min_cell=5)}
    assert recs["few"]["participants"] is None and recs["few"]["sample_share"] is None
    # "few" alone hidden would be R's 200 minus the others shown: "fair" (the smallest) is hidden with it
    assert recs["fair"]["participants"] is None and recs["fair"]["participants_band"] == "5+"
    assert recs["under"]["participants"] == 40 and recs["R"]["participants"] == 200
    assert recs["fair"]["target_share"] == pytest.approx(1 / 6, abs=1e-6)
    assert recs["R"]["target_share"] == pytest.approx(1.0)
