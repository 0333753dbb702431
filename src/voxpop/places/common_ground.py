"""Place-aware common ground: what holds in every region and every kind of place, and where places part.

Works on the already-suppressed breakdown rows, so nothing here can reveal a small cell.
"""

from __future__ import annotations

import numpy as np

from voxpop.places.registry import PlaceRegistry

TOP_N = 20


def _families(rows: list[list], registry: PlaceRegistry) -> dict[str, list[tuple]]:
    """statement -> [(dimension, level, cell, w_agree, w_agree_lo, w_agree_hi, w_disagree, w_disagree_lo)] for
    everyone's cells in non-leaf levels and kinds (leaf places when the registry is flat)."""
    leaf_levels = {registry.levels[i] for i in np.flatnonzero(registry.is_leaf)}
    inner_levels = {registry.levels[i] for i in np.flatnonzero(~registry.is_leaf)}
    flat = not inner_levels
    out: dict[str, list[tuple]] = {}
    for r in rows:
        sid, group, dim, level, cell = r[0], r[1], r[2], r[3], r[4]
        if group is not None:
            continue
        if dim == "place" and not flat and level in leaf_levels and level not in inner_levels:
            continue
        if r[15] is None:
            continue
        out.setdefault(sid, []).append((dim, level, cell, r[15], r[16], r[17], r[18], r[19]))
    return out


def common_ground(rows: list[list], registry: PlaceRegistry, min_cell: int = 5) -> dict:
    fam = _families(rows, registry)
    everywhere, divergent = [], []
    for sid, cells in fam.items():
        if len(cells) < 2:
            continue
        for direction, lo_idx, p_idx in (("agree", 4, 3), ("disagree", 7, 6)):
            worst = min(cells, key=lambda c, i=lo_idx: c[i] if c[i] is not None else -1.0)  # type: ignore[misc]
            if worst[lo_idx] is not None and worst[lo_idx] > 0.5:
                everywhere.append({
                    "statement": sid, "direction": direction, "worst": worst[lo_idx],
                    "worst_share": worst[p_idx],
                    "worst_cell": {"dimension": worst[0], "level": worst[1], "cell": worst[2]},
                    "cells": len(cells),
                })
        hi = max(cells, key=lambda c: c[3])
        lo = min(cells, key=lambda c: c[3])
        divergent.append({
            "statement": sid, "spread": round(hi[3] - lo[3], 4),
            "separated": bool(max(c[4] for c in cells) > min(c[5] for c in cells)),
            "highest": {"dimension": hi[0], "level": hi[1], "cell": hi[2], "agree": hi[3]},
            "lowest": {"dimension": lo[0], "level": lo[1], "cell": lo[2], "agree": lo[3]},
        })
    everywhere.sort(key=lambda r: -r["worst"])
    divergent.sort(key=lambda r: -r["spread"])
    return {"everywhere": everywhere[:TOP_N], "divergent": divergent[:TOP_N]}


def weighted_consensus(nat: dict, n_w: np.ndarray, group_ids: list[int], sids: list[str],
                       min_cell: int = 5) -> dict:
    """Statements every group agrees (disagrees) with, weighted: min over groups of the lower interval
    bound > 0.5, best (highest worst group) first. Without groups: everyone's weighted share."""
    blocks = list(range(1, len(group_ids) + 1)) or [0]
    out = {}
    for key in ("agree", "disagree"):
        lo = nat[key][1][blocks]  # blocks x statements
        ok = (n_w[blocks] >= min_cell).all(axis=0)
        worst = np.where(ok, np.nan_to_num(lo.min(axis=0), nan=-1.0), -1.0)
        pick = np.flatnonzero(worst > 0.5)
        pick = pick[np.argsort(-worst[pick], kind="stable")]
        out[key] = [sids[j] for j in pick.tolist()]
    return out


def weighted_gic(nat: dict, n_w: np.ndarray, group_ids: list[int], sids: list[str], min_cell: int = 5,
                 top: int = TOP_N) -> list[dict]:
    """Group-informed consensus on weighted shares: the product over groups of each group's weighted agree
    share (Pol.is multiplies (agree + 1) / (seen + 2) per group); high only when every group agrees. The
    place-weighted stand-in for bridging (the engine's matrix-factorisation bridging has no row weights)."""
    if not group_ids:
        return []
    blocks = list(range(1, len(group_ids) + 1))
    p = nat["agree"][0][blocks]
    ok = (n_w[blocks] >= min_cell).all(axis=0) & np.isfinite(p).all(axis=0)
    score = np.where(ok, np.prod(np.nan_to_num(p), axis=0), -1.0)
    order = [j for j in np.argsort(-score, kind="stable").tolist() if score[j] >= 0][:top]
    return [{"statement": sids[j], "score": round(float(score[j]), 4)} for j in order]
