"""Cells with fewer than min_cell participants are suppressed in every output, JSON and CSV."""

from __future__ import annotations

import csv
import json

import pytest
from tests.places._util import conversation, document, rows_as_dicts

from voxpop.places.analysis import apply
from voxpop.places.export import write_csvs
from voxpop.places.registry import PlaceRecord, build_registry


@pytest.fixture()
def setup():
    reg = build_registry([
        PlaceRecord("R1", "North"), PlaceRecord("R2", "South"),
        PlaceRecord("a", "Aton", parent="R1", kind="city", population=5000),
        PlaceRecord("b", "Bville", parent="R1", kind="rural", population=2000),
        PlaceRecord("c", "Cham", parent="R1", kind="rural", population=1000),
        PlaceRecord("d", "Dport", parent="R2", kind="coastal", population=4000),
    ], "test")
    places = ["a"] * 10 + ["b"] * 3 + ["d"] * 6 + [None] * 2  # c unheard, b too few
    n = len(places)
    votes = {
        "s1": [1, -1, 1, 1, 0, 1, -1, 1, 1, 1, -1, -1, 1, 1, 1, -1, 1, 0, 1, 1, -1],
        "s2": [1, 1, None, None, None, None, None, None, None, None, 1, None, None, None, None, None, None,
               None, None, None, -1],  # only 4 voters in all: suppressed even overall
    }
    groups = [0] * 8 + [1] * 2 + [0] * 3 + [0] * 6 + [0, 0]  # group 1: two people, all in a
    conv = conversation(places, votes)
    doc = document(conv, groups)
    assert len(groups) == n
    apply(doc, conv, reg, min_cell=5)
    return reg, conv, doc


def test_breakdown_rows_never_below_k(setup):
    _, _, doc = setup
    rows = rows_as_dicts(doc["places"])
    assert rows and all(r["n"] >= 5 for r in rows)
    cells = {(r["statement"], r["group"], r["cell"]) for r in rows}
    assert ("s1", None, "R1") in cells and ("s1", None, "d") in cells
    assert ("s1", None, "b") not in cells  # 3 voters
    assert ("s1", None, "a") not in cells  # R1 - a would give b's 3 voters: a is hidden with it
    assert not any(r["group"] == 1 for r in rows)  # group 1 has 2 people
    assert not any(r["statement"] == "s2" for r in rows)
    assert doc["places"]["breakdowns"]["suppressed"] > 0


def test_counts_and_support_suppressed(setup):
    _, conv, doc = setup
    places = {p["id"]: p for p in doc["places"]["places"]}
    assert places["b"]["participants"] is None and places["b"]["participants_band"] == "<5"
    assert places["b"]["voices_per_100k"] is None and places["b"]["coverage_ratio"] is None
    assert places["c"]["participants"] == 0 and places["c"]["participants_band"] == "0"
    assert places["a"]["participants"] is None and places["R1"]["participants"] == 13  # a: R1 - a = b
    assert places["a"]["participants_band"] == "5+"
    s2 = doc["statements"][1]["support"]
    assert s2["unweighted"]["suppressed"] and s2["unweighted"]["agree"] is None
    assert s2["weighted"]["suppressed"] and s2["weighted"]["agree_ci"] is None
    s1 = doc["statements"][0]["support"]
    assert not s1["unweighted"]["suppressed"] and s1["unweighted"]["n"] == 21
    assert s1["weighted"]["n"] == 19  # the two without a place are not weighted
    groups = {g["id"]: g for g in doc["places"]["groups"]}
    assert groups[1]["share"] is None and groups[1]["weighted_share"] is None
    nxt = {x["place"]: x for x in doc["places"]["coverage"]["next"]}
    assert nxt["c"]["status"] == "not heard" and nxt["b"]["status"] == "too few"
    assert nxt["b"]["participants"] is None and nxt["b"]["voices_needed"] is None
    # participants of b are shown at their region, not their small place; a's too (complementary)
    where = {p["id"]: p["place"] for p in doc["participants"]}
    assert where["p10"] == "R1" and where["p0"] == "R1" and where["p13"] == "d" and where["p19"] is None


def _small_ints(obj, path=""):
    """Every integer count 1..4 under keys that count people."""
    out = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k in ("participants", "n", "size") and isinstance(v, int) and 0 < v < 5:
                out.append(f"{path}.{k}")
            out += _small_ints(v, f"{path}.{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += _small_ints(v, f"{path}[{i}]")
    return out


def test_no_small_count_anywhere_in_places_json(setup):
    _, _, doc = setup
    places = json.loads(json.dumps(doc["places"]))
    places.pop("breakdowns")  # rows are checked above (lists, not keyed)
    assert _small_ints(places) == []
    sup = [st["support"] for st in doc["statements"]]
    assert all(s["unweighted"]["agree"] is None for s in sup if s["unweighted"]["n"] < 5)


def test_csv_exports_keep_suppression(setup, tmp_path):
    _, _, doc = setup
    paths = write_csvs(doc, tmp_path)
    assert {p.name for p in paths} == {"support.csv", "places.csv", "breakdowns.csv", "coverage_next.csv"}
    with (tmp_path / "breakdowns.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert rows and all(int(r["n"]) >= 5 for r in rows)
    with (tmp_path / "places.csv").open() as fh:
        places = {r["id"]: r for r in csv.DictReader(fh)}
    assert places["b"]["participants"] == "" and places["b"]["participants_band"] == "<5"
    with (tmp_path / "support.csv").open() as fh:
        support = {r["statement"]: r for r in csv.DictReader(fh)}
    assert support["s2"]["agree"] == "" and support["s2"]["w_agree"] == ""
    assert not list(tmp_path.glob("*.tmp"))
