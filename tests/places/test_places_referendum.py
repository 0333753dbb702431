"""Re-run the 2016 EU referendum from the shared results with skewed participation.

Simulated participants come from all 382 areas, with big cities favoured and London boroughs (x4) and
university cities (x3) over-represented; each agrees with "The UK should leave the EU" with the real
Leave share of their area. Unweighted, the result is visibly wrong; weighted to population it recovers
51.9% Leave, and every region's interval contains the region's real Leave share.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from tests.conftest import require_shared
from tests.places._util import document, rows_as_dicts
from tests.support.places_simulate import referendum_participation, votes_from_shares

from voxpop.conversation import Conversation
from voxpop.places.analysis import apply
from voxpop.places.io import read_places

N = 20_000


@pytest.fixture(scope="module")
def shared_file():
    return require_shared("data", "places", "eu-referendum-2016-by-area.csv")


@pytest.fixture(scope="module")
def truth(shared_file):
    raw = pd.read_csv(shared_file)
    by_region = raw.groupby("Region_Code").agg(leave=("Leave", "sum"), valid=("Valid_Votes", "sum"))
    national = raw["Leave"].sum() / raw["Valid_Votes"].sum()
    assert national == pytest.approx(0.519, abs=5e-4)
    return national, (by_region["leave"] / by_region["valid"]).to_dict()


def rerun(registry, seed: int, policy: str = "population") -> dict:
    place = referendum_participation(registry, N, seed=seed)
    vote = votes_from_shares(place, registry.context["leave_share"], seed=seed)
    conv = Conversation(participant_ids=[f"p{i}" for i in range(N)], statement_ids=["leave"],
                        participant=np.arange(N), statement=np.zeros(N, dtype=np.int64), vote=vote,
                        statement_text={"leave": "The UK should leave the EU"})
    conv.participant_place = {f"p{i}": registry.ids[j] for i, j in enumerate(place.tolist())}
    doc = document(conv)
    apply(doc, conv, registry, policy=policy)
    return doc


@pytest.fixture(scope="module")
def registry(shared_file):
    return read_places(shared_file)


@pytest.mark.parametrize("seed", [1, 2])
def test_population_weighting_recovers_the_result(registry, truth, seed):
    national, by_region = truth
    doc = rerun(registry, seed)
    sup = doc["statements"][0]["support"]
    assert sup["policy"] == "population" and sup["weighted"]["policy"] == "population"
    unweighted, weighted = sup["unweighted"]["agree"], sup["weighted"]["agree"]
    assert abs(unweighted - national) > 0.03, "the skewed sample should be visibly wrong unweighted"
    assert abs(weighted - national) < 0.01
    lo, hi = sup["weighted"]["agree_ci"]
    assert lo < weighted < hi
    w = doc["places"]["weights"]
    assert 0 < w["ess"] < N and w["design_effect"] > 1.2
    regions = [r for r in rows_as_dicts(doc["places"]) if r["level"] == "region" and r["group"] is None]
    assert len(regions) == 12
    for r in regions:
        real = by_region[r["cell"]]
        assert r["w_agree_lo"] <= real <= r["w_agree_hi"], (r["cell"], real, r)
        assert r["pooled_agree_lo"] <= real <= r["pooled_agree_hi"], (r["cell"], real, r)
    # London is over-heard; the coverage list sends us to unheard and under-heard places elsewhere
    cov = doc["places"]["coverage"]
    london = next(c for c in cov["by_level"]["region"] if c["cell"] == "E12000007")
    assert london["coverage_ratio"] > 1.5
    under = [x for x in cov["next"] if x["status"] == "under-heard"]
    assert sum(x["parent"] == "E12000007" for x in under) < 0.1 * len(under)


def test_each_policy_recovers_its_own_target(registry, truth):
    """Population weights estimate the electorate's view; equal-per-place weights the typical area's;
    square-root weights sit between. Each is within 1 pp of what it aims at, and all are reported."""
    national, _ = truth
    leaf = registry.is_leaf
    share, pop = registry.context["leave_share"][leaf], registry.population[leaf]
    aims = {"population": np.average(share, weights=pop), "sqrt": np.average(share, weights=np.sqrt(pop)),
            "equal": share.mean()}
    assert aims["equal"] - aims["population"] > 0.01  # the typical area leans Leave more than the people
    for policy, aim in aims.items():
        doc = rerun(registry, 1, policy)
        assert doc["places"]["policy"] == policy
        weighted = doc["statements"][0]["support"]["weighted"]
        assert weighted["policy"] == policy
        assert abs(weighted["agree"] - aim) < 0.01, (policy, weighted["agree"], aim)
        assert doc["statements"][0]["support"]["unweighted"]["agree"] < national - 0.03
