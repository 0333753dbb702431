"""Common ground that is true, and where groups split, from the per-group vote counts.

"Common ground" here is what a reader expects the words to mean: a statement that a majority of EVERY
opinion group backs on the same side. A group counts for a statement when at least `min_voters` of its
members voted agree or disagree on it (passes are not a side); groups with fewer are "too few to tell"
and neither help nor block. Pol.is's own consensus list (`document["consensus"]`) is a different thing:
statements most people agree with overall, which a large group can carry on its own.

"Where groups split": statements on which at least one counted group has a majority agreeing and
another a majority disagreeing, widest gap first.

Pure Python over the document's `statements[*].by_group` counts, so it works on any stored document.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

MIN_VOTERS = 5  # a group counts for a statement from this many agree/disagree votes
TOP_N = 20


def _int(v: Any) -> int:
    return int(v) if isinstance(v, int | float) and not isinstance(v, bool) and v == v and v > 0 else 0


def _group_rows(st: Mapping, group_ids: list[int], min_voters: int) -> tuple[list[dict], list[int]]:
    """Each counted group's agree share among its agree/disagree votes, and the groups too few to tell."""
    rows = st.get("by_group")
    by = {r.get("group"): r for r in (rows if isinstance(rows, list) else [])
          if isinstance(r, Mapping) and isinstance(r.get("group"), int | str)}
    counted, too_few = [], []
    for g in group_ids:
        r = by.get(g) or {}
        a, d = _int(r.get("n_agree")), _int(r.get("n_disagree"))
        if a + d >= min_voters:
            counted.append({"group": g, "n_agree": a, "n_disagree": d, "agree": round(a / (a + d), 4)})
        else:
            too_few.append(g)
    return counted, too_few


def _eligible(st: Mapping) -> bool:
    return not st.get("moderated_out") and not st.get("meta")


def common_ground(statements: Iterable[Mapping], group_ids: list, *, min_voters: int = MIN_VOTERS,
                  top: int = TOP_N) -> list[dict]:
    """Statements a majority of every counted group backs on the same side, strongest first.

    Each item: {"statement", "direction": "agree" | "disagree", "floor": the weakest counted group's
    share on that side (of its agree/disagree votes), "groups": [{"group", "n_agree", "n_disagree",
    "agree"}], "too_few": [group ids not counted]}. Needs at least two counted groups (with one group,
    common ground across groups means nothing)."""
    out = []
    for st in statements:
        if not _eligible(st):
            continue
        counted, too_few = _group_rows(st, group_ids, min_voters)
        if len(counted) < 2:
            continue
        for direction in ("agree", "disagree"):
            shares = [r["agree"] if direction == "agree" else 1 - r["agree"] for r in counted]
            if min(shares) > 0.5:
                out.append({"statement": st.get("id"), "direction": direction, "floor": round(min(shares), 4),
                            "groups": counted, "too_few": too_few})
    out.sort(key=lambda r: -r["floor"])
    return out[:top]


def splits(statements: Iterable[Mapping], group_ids: list, *, min_voters: int = MIN_VOTERS,
           top: int = TOP_N) -> list[dict]:
    """Statements where one counted group mostly agrees and another mostly disagrees, widest gap first.

    Each item: {"statement", "gap": highest minus lowest agree share, "agree_group", "disagree_group",
    "groups": [...], "too_few": [...]}."""
    out = []
    for st in statements:
        if not _eligible(st):
            continue
        counted, too_few = _group_rows(st, group_ids, min_voters)
        if len(counted) < 2:
            continue
        hi = max(counted, key=lambda r: r["agree"])
        lo = min(counted, key=lambda r: r["agree"])
        if hi["agree"] > 0.5 > lo["agree"]:
            out.append({"statement": st.get("id"), "gap": round(hi["agree"] - lo["agree"], 4),
                        "agree_group": hi["group"], "disagree_group": lo["group"], "groups": counted,
                        "too_few": too_few})
    out.sort(key=lambda r: -r["gap"])
    return out[:top]


def fill(document: dict, *, min_voters: int = MIN_VOTERS) -> dict:
    """Add `common_ground` and `splits` to an analysis document (in place; returns it)."""
    def items(v: Any) -> list:
        return list(v) if isinstance(v, list | tuple) else []

    groups = [g.get("id") for g in items(document.get("groups"))
              if isinstance(g, Mapping) and isinstance(g.get("id"), int | str)]
    stmts = [s for s in items(document.get("statements")) if isinstance(s, Mapping)]
    document["common_ground"] = common_ground(stmts, groups, min_voters=min_voters)
    document["splits"] = splits(stmts, groups, min_voters=min_voters)
    return document
