"""Edge cases: nobody placed, a flat registry, people who gave only a region, statements nobody saw."""

from __future__ import annotations

import json

import pytest
from tests.places._util import conversation, document, rows_as_dicts

from voxpop.places.analysis import apply
from voxpop.places.registry import PlaceError, PlaceRecord, build_registry


def flat():
    return build_registry([PlaceRecord("x", "X", population=100), PlaceRecord("y", "Y", population=300)], "t")


def test_nobody_placed_is_all_suppressed_not_an_error():
    conv = conversation([None] * 8, {"s": [1] * 8, "unseen": [None] * 8})
    doc = document(conv)
    apply(doc, conv, flat())
    json.dumps(doc, allow_nan=False)
    sup = doc["statements"][0]["support"]
    assert not sup["unweighted"]["suppressed"] and sup["unweighted"]["agree"] == 1.0
    assert sup["weighted"]["suppressed"] and sup["weighted"]["n"] == 0
    assert doc["places"]["breakdowns"]["rows"] == []
    assert [x["status"] for x in doc["places"]["coverage"]["next"]] == ["not heard", "not heard"]


def test_flat_registry_and_region_only_participants():
    reg = build_registry([PlaceRecord("R", "Region"), PlaceRecord("a", "A", parent="R", population=100),
                          PlaceRecord("b", "B", parent="R", population=100)], "t")
    conv = conversation(["a"] * 6 + ["R"] * 6, {"s": [1] * 6 + [-1] * 6})
    doc = document(conv)
    apply(doc, conv, reg)
    rows = {r["cell"]: r for r in rows_as_dicts(doc["places"])}
    # b is unheard: the people who only said "R" stand for it, so weighted = 50/50
    assert rows["R"]["w_agree"] == pytest.approx(0.5) and rows["R"]["n"] == 12
    assert doc["places"]["weights"]["collapsed"] == [{"place": "b", "into": "R"}]
    conv = conversation(["x"] * 5 + ["y"] * 5, {"s": [1] * 5 + [-1] * 5})
    doc = document(conv)
    apply(doc, conv, flat(), policy="equal")
    assert doc["statements"][0]["support"]["weighted"]["agree"] == pytest.approx(0.5)
    apply(doc, conv, flat(), policy="population")
    assert doc["statements"][0]["support"]["weighted"]["agree"] == pytest.approx(0.25)
    assert doc["places"]["common_ground"]["divergent"][0]["spread"] == pytest.approx(1.0)


def test_unknown_place_is_a_clear_error_and_bad_policy_too():
    conv = conversation(["x", "nowhere"], {"s": [1, 1]})
    with pytest.raises(PlaceError, match=r"1 participants have places that are not in the registry.*p1 -> nowhere"):
        apply(document(conv), conv, flat())
    with pytest.raises(ValueError, match="unknown fairness policy"):
        apply(document(conv), conv, flat(), policy="loudest")
