"""Small cells cannot be undone by subtraction (issue #10, item 4), attacked as the issue did: from the
published document only, subtract visible children from their parent, use the kinds and the groups,
and count the participants listed at each place. Every derivable count must be 0 or at least min_cell."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.places._util import conversation, document, rows_as_dicts

from voxpop.places.analysis import apply
from voxpop.places.registry import PlaceRecord, build_registry
from voxpop.places.suppression import Relation, suppress

K = 5


def _registry(extra=()):
    return build_registry([
        PlaceRecord("R1", "Region one"), PlaceRecord("R2", "Region two"),
        PlaceRecord("A1", "Town", parent="R1", kind="town", population=5000),
        PlaceRecord("A2", "Hamlet", parent="R1", kind="rural", population=300),
        PlaceRecord("B1", "City", parent="R2", kind="city", population=9000),
        PlaceRecord("B2", "Village", parent="R2", kind="rural", population=800), *extra,
    ], "test")


def _attack_counts(reg, doc) -> list[str]:
    """What an attacker derives from places.places, coverage and participants[*].place."""
    places = {p["id"]: p for p in doc["places"]["places"]}
    breaches = []
    listed: dict[str | None, int] = {}
    for rec in doc["participants"]:
        listed[rec["place"]] = listed.get(rec["place"], 0) + 1
    for pid, n in listed.items():
        if pid is not None and 0 < n < K:
            breaches.append(f"{n} participant(s) listed at {pid}")
    known = {pid: p["participants"] for pid, p in places.items() if p["participants"] is not None}
    kinds = {c["cell"]: c["participants"] for c in doc["places"]["coverage"]["by_kind"]}
    for _ in range(3):  # exact relations give back single hidden parts; then subtract again
        for kind, total in kinds.items():
            leaves = [i for i in range(len(reg)) if reg.is_leaf[i] and reg.kinds[i] == kind]
            unknown = [reg.ids[i] for i in leaves if reg.ids[i] not in known]
            if total is not None and len(unknown) == 1:
                known[unknown[0]] = total - sum(known[reg.ids[i]] for i in leaves if reg.ids[i] in known)
        for i, pid in enumerate(reg.ids):
            kids = [reg.ids[j] for j in np.flatnonzero(reg.parent == i)]
            if pid in known and kids:
                rest = known[pid] - sum(known[c] for c in kids if c in known)
                hidden = [c for c in kids if c not in known]
                if 0 < rest < K:
                    breaches.append(f"{pid} minus its shown places = {rest} ({hidden})")
    for pid, n in known.items():
        if 0 < n < K:
            breaches.append(f"{pid} has {n}")
    return breaches


def test_the_issue_attack_region_minus_town(tmp_path):
    reg = _registry()
    places = ["A1"] * 11 + ["A2"] * 1 + ["B1"] * 9 + ["B2"] * 6
    votes = {"s1": [1, -1, 1, 1, 0, 1, -1, 1, 1, 1, -1, -1, 1, 1, 1, -1, 1, 0, 1, 1, -1, 1, 1, -1, 1, 1, 1]}
    conv = conversation(places, votes)
    doc = document(conv, [0] * 14 + [1] * 13)
    apply(doc, conv, reg, min_cell=K)
    shown = {p["id"]: p["participants"] for p in doc["places"]["places"]}
    assert shown["R1"] == 12 and shown["A2"] is None
    assert shown["A1"] is None  # 12 - 11 would be the hamlet's one person
    at_r1 = [p for p in doc["participants"] if p["place"] == "R1"]
    assert len(at_r1) == 12  # the hamlet's person is one of 12 listed at the region, not alone
    assert _attack_counts(reg, doc) == []
    # breakdowns: no statement cell can be had by subtraction either (R1 voters minus A1 voters)
    rows = rows_as_dicts(doc["places"])
    cells = {(r["group"], r["cell"]): r["n"] for r in rows if r["statement"] == "s1"}
    assert (None, "R1") in cells and (None, "A1") not in cells
    nxt = {x["place"]: x for x in doc["places"]["coverage"]["next"]}
    assert all(x["voices_needed"] is None for x in nxt.values() if x["participants"] is None and x["status"] != "not heard")


def test_no_weighted_group_shares_from_a_few_placed_people():
    reg = _registry()
    places = ["A1", "B1"] + [None] * 20  # two placed people, twenty without a place
    votes = {"s1": [1] * 22}
    conv = conversation(places, votes)
    doc = document(conv, [0] * 8 + [1] * 7 + [2] * 7)
    apply(doc, conv, reg, min_cell=K)
    for g in doc["places"]["groups"]:
        assert g["weighted_share"] is None and g["weighted_share_ci"] is None, g
        assert g["size"] is not None  # plain sizes (everyone, placed or not) stay
    assert doc["statements"][0]["support"]["weighted"]["n"] is None  # 2 placed voters: not even their number


def _audit_breakdowns(reg, doc) -> list[str]:
    """Parent minus shown children, and everyone minus shown groups, per statement, from the rows."""
    rows = rows_as_dicts(doc["places"])
    by = {(r["statement"], r["group"], r["cell"]): r["n"] for r in rows}
    groups = sorted({r["group"] for r in rows if r["group"] is not None})
    out = []
    for (sid, g, cell), n in by.items():
        if cell in reg.index:
            i = reg.index[cell]
            kids = [reg.ids[j] for j in np.flatnonzero(reg.parent == i)]
            rest = n - sum(by.get((sid, g, c), 0) for c in kids)
            if kids and 0 < rest < K and any((sid, g, c) not in by for c in kids):
                out.append(f"{sid} group {g} {cell} minus shown sub-places = {rest}")
        if g is None and groups:
            rest = n - sum(by.get((sid, x, cell), 0) for x in groups)
            if 0 < rest < K and any((sid, x, cell) not in by for x in groups):
                out.append(f"{sid} {cell} minus shown groups = {rest}")
    return out


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(["A1", "A2", "B1", "B2", "R1", "R2", None]), min_size=5, max_size=60),
       st.integers(0, 2**32 - 1))
def test_no_derivable_small_cell_in_random_conversations(places, seed):
    rng = np.random.default_rng(seed)
    reg = _registry()
    n = len(places)
    votes = {f"s{j}": [int(rng.choice([1, -1, 0])) if rng.random() < 0.8 else None for _ in range(n)]
             for j in range(3)}
    conv = conversation(places, votes)
    doc = document(conv, [int(x) for x in rng.integers(0, 3, n)])
    apply(doc, conv, reg, min_cell=K)
    assert _attack_counts(reg, doc) == []
    assert _audit_breakdowns(reg, doc) == []


def test_suppress_rules_directly():
    # region 12 = town 11 + hamlet 1: the town is hidden too
    shown = suppress(np.array([12, 11, 1, 12]), [Relation(0, np.array([1, 2])), Relation(3, np.array([0]), True)],
                     K, fixed=np.array([False, False, False, True]))
    assert shown.tolist() == [True, False, False, True]
    # one person placed at the region itself, two towns of 6: one town is hidden with them
    shown = suppress(np.array([13, 6, 6]), [Relation(0, np.array([1, 2]))], K)
    assert shown.tolist() == [True, False, True]
    # an exact total (a kind) with one hidden part gives it back: the kind is hidden
    shown = suppress(np.array([10, 10, 0]), [Relation(0, np.array([1, 2]), True)], K,)
    assert shown.tolist() == [True, True, True]
    shown = suppress(np.array([[9], [6], [3]]), [Relation(0, np.array([1, 2]), True)], K)
    assert shown[:, 0].tolist() == [False, True, False]
