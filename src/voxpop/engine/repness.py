"""Representative statements per group, faithful to Pol.is `repness.clj` (polis-math.md §6).

Statistics are vectorised over (group, statement); the selection is Pol.is' order-dependent fold over
statement columns (a Python loop over at most n_cols statements per group).
"""

from __future__ import annotations

import numpy as np

from voxpop.engine.matrix import VoteMatrix
from voxpop.engine.stats import (
    Z_90,
    check_col_mask,
    prop_test,
    smoothed_share,
    two_prop_test,
    vote_counts,
)

MAX_REP = 5


def repness_stats(
    m: VoteMatrix, labels: np.ndarray, k: int, *, counts: dict | None = None
) -> dict[str, np.ndarray]:
    """All Pol.is per-(group, statement) statistics, each an array of shape (k, n_cols).

    na/nd/ns count the group's agrees, disagrees and votes (passes included); "rest" is the sum over
    the *other* groups (grouped participants only). pa, pd: shares with prior; pat, pdt: one-proportion
    tests; ra, rd: share ratios against the rest; rat, rdt: two-proportion tests. `counts` may pass an
    already computed `vote_counts(m, labels, k)` to save a pass over the votes.
    """
    by = (counts if counts is not None else vote_counts(m, labels, k))["by_group"]
    na, nd, ns = by["n_agree"], by["n_disagree"], by["n_seen"]
    na_rest = na.sum(axis=0, keepdims=True) - na
    nd_rest = nd.sum(axis=0, keepdims=True) - nd
    ns_rest = ns.sum(axis=0, keepdims=True) - ns
    pa = smoothed_share(na, ns)
    pd = smoothed_share(nd, ns)
    return {
        "na": na,
        "nd": nd,
        "ns": ns,
        "pa": pa,
        "pd": pd,
        "pat": prop_test(na, ns),
        "pdt": prop_test(nd, ns),
        "ra": pa / smoothed_share(na_rest, ns_rest),
        "rd": pd / smoothed_share(nd_rest, ns_rest),
        "rat": two_prop_test(na, na_rest, ns, ns_rest),
        "rdt": two_prop_test(nd, nd_rest, ns, ns_rest),
    }


def _finalize(col: int, s: dict[str, float], best_agree: bool = False) -> dict:
    """Pol.is `finalize-cmt-stats`: the agree side if rat > rdt, else the disagree side."""
    if s["rat"] > s["rdt"]:
        direction, p, p_test, r, r_test = "agree", s["pa"], s["pat"], s["ra"], s["rat"]
    else:
        direction, p, p_test, r, r_test = "disagree", s["pd"], s["pdt"], s["rd"], s["rdt"]
    r_test = float(np.float32(r_test))  # Pol.is casts repness-test to float
    return {
        "col": int(col),
        "direction": direction,
        "n_agree": int(s["na"]),
        "n_disagree": int(s["nd"]),
        "n_seen": int(s["ns"]),
        "p": float(p),
        "p_test": float(p_test),
        "r": float(r),
        "r_test": r_test,
        # Pol.is `repness-metric`, the sort key of the sufficient list
        "repness": float(r) * r_test * float(p) * float(p_test),
        "best_agree": best_agree,
    }


def _passes(s: dict[str, float]) -> bool:
    return (s["rat"] > Z_90 and s["pat"] > Z_90) or (s["rdt"] > Z_90 and s["pdt"] > Z_90)


def _beats_best_agree(s: dict[str, float], cur: dict[str, float] | None) -> bool:
    if s["na"] == 0 and s["nd"] == 0:
        return False
    if cur is not None and cur["ra"] > 1.0:
        return s["ra"] * s["rat"] * s["pa"] * s["pat"] > cur["ra"] * cur["rat"] * cur["pa"] * cur["pat"]
    if cur is not None:
        return s["pa"] * s["pat"] > cur["pa"] * cur["pat"]
    return s["pat"] > Z_90 or (s["ra"] > 1.0 and s["pa"] > 0.5)


def _select_group(stats: dict[str, np.ndarray], g: int, cols: np.ndarray) -> list[dict]:
    """Pol.is `select-rep-comments` for one group, folding over `cols` in column order."""
    rows = {key: stats[key][g].tolist() for key in stats}
    sufficient: list[dict] = []
    best: dict | None = None
    best_agree: tuple[int, dict[str, float]] | None = None
    for c in cols:
        s = {key: rows[key][c] for key in rows}
        if _passes(s):
            sufficient.append(_finalize(c, s))
        if not sufficient and (best is None or max(s["rat"], s["rdt"]) > best["r_test"]):
            best = _finalize(c, s)
        if _beats_best_agree(s, best_agree[1] if best_agree else None):
            best_agree = (int(c), s)
    head = [_finalize(best_agree[0], best_agree[1], best_agree=True)] if best_agree else []
    if not sufficient:
        return head if head else ([best] if best else [])
    ba_col = head[0]["col"] if head else None
    rest = [e for e in sufficient if e["col"] != ba_col]
    rest.sort(key=lambda e: -e["repness"])  # stable, like Clojure sort-by
    chosen = (head + rest)[:MAX_REP]
    return [e for e in chosen if e["direction"] == "agree"] + [
        e for e in chosen if e["direction"] == "disagree"
    ]


def group_repness(
    m: VoteMatrix,
    labels: np.ndarray,
    k: int,
    mod_out: np.ndarray | None = None,
    *,
    counts: dict | None = None,
) -> list[list[dict]]:
    """Representative statements for each group 0..k-1 (≤ 5 each, agrees first), Pol.is selection.

    Each entry: col, direction ("agree"|"disagree"), n_agree, n_disagree, n_seen (within the group),
    p, p_test (share with prior and its z), r, r_test (ratio against the other groups and its z),
    repness (= r·r_test·p·p_test, the Pol.is sort key) and best_agree. As in Pol.is, the best-agree entry
    is labelled with whichever side has the larger two-proportion test, so it may say "disagree".
    """
    mod = check_col_mask(m, mod_out, "mod_out")
    stats = repness_stats(m, labels, k, counts=counts)
    cols = np.flatnonzero(~mod)
    return [_select_group(stats, g, cols) for g in range(int(k))]
