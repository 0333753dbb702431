""""The same analysis": two analysis documents equal in everything but when, where and how fast they were
made (meta.generated_at, meta.conversation, meta.timings, meta.voxpop_version, and meta.options.snapshot:
whether the worker loaded every vote or refreshed from its kept snapshot).

- `participants` maps one document's participant ids onto the other's, for sources that name people
  differently (a database's keys, Pol.is's voter ids); order, groups and coordinates must still agree.
- `reference_groups=True`: the first document read the second one's groups back as reference groups
  (a participants-votes.csv exported by the service carries them): they must equal its groups.
- `reference_groups=None` forgets reference groups on both sides (a Pol.is export carries Pol.is's own
  groups, which a conversation carried on in voxpop no longer has).
- `log_rows=False` forgets meta.counts.votes_in_log, the number of rows the reader read: the database
  reads the current votes, a Pol.is votes.csv the whole history with every change of mind.
- `any_order=True` compares documents whose readers order participants differently (the database by
  arrival, Pol.is files by comment and voter id; the #13 work aligns them): participants are compared
  by id, and the silhouettes of the group counts NOT chosen are left out (k-means for a k nobody uses
  may land on a slightly different score with another row order; the chosen k, its groups and
  everything derived from them are identical).
"""

from __future__ import annotations

import copy

VOLATILE_META = ("generated_at", "conversation", "timings", "voxpop_version")


def core(doc: dict, participants: dict[str, str] | None = None, *, any_order: bool = False) -> dict:
    out = copy.deepcopy(doc)
    for key in VOLATILE_META:
        out["meta"].pop(key, None)
    (out["meta"].get("options") or {}).pop("snapshot", None)
    if participants is not None:
        for p in out["participants"]:
            p["id"] = participants[p["id"]]
    if any_order:
        k = str(out["meta"]["k"])
        out["meta"]["silhouette"] = {kk: v for kk, v in (out["meta"].get("silhouette") or {}).items() if kk == k}
        out["participants"] = sorted(out["participants"], key=lambda p: p["id"])
    return out


def assert_same_analysis(a: dict, b: dict, participants: dict[str, str] | None = None, *,
                         reference_groups: bool | None = False, any_order: bool = False,
                         log_rows: bool = True) -> None:
    """a equals b (participant ids of a mapped through `participants` when given)."""
    ca, cb = core(a, participants, any_order=any_order), core(b, any_order=any_order)
    if not log_rows:
        ca["meta"]["counts"].pop("votes_in_log"), cb["meta"]["counts"].pop("votes_in_log")
    assert ca["meta"]["status"] == "ok" and ca["groups"], "compare real analyses, not empty ones"
    if reference_groups is None:
        for p in ca["participants"] + cb["participants"]:
            p["reference_group"] = None
    if reference_groups:
        pairs = [(p["reference_group"], q["group"]) for p, q in zip(ca["participants"], cb["participants"], strict=True)]
        assert all(r == g for r, g in pairs), [x for x in pairs if x[0] != x[1]][:5]
        for p in ca["participants"]:
            p["reference_group"] = None
    for key in sorted(set(ca) | set(cb)):
        assert ca.get(key) == cb.get(key), f"the documents differ in {key!r}: {_first_difference(ca.get(key), cb.get(key))}"


def _first_difference(a, b, where: str = "") -> str:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b), key=str):
            if a.get(k) != b.get(k):
                return _first_difference(a.get(k), b.get(k), f"{where}.{k}")
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y:
                return _first_difference(x, y, f"{where}[{i}]")
    return f"{where or 'value'}: {str(a)[:300]} != {str(b)[:300]}"
