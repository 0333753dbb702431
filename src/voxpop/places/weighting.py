"""Participant weights: policy targets per place, collapsing of unheard places, raking and trimming.

Raking (and trimming) is weightipy's RIM algorithm; this module only prepares its cells and targets.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from voxpop.places.registry import PlaceRegistry

POLICIES = {
    "population": "population-proportional",
    "equal": "equal per place",
    "sqrt": "square root of population",
}


def check_policy(policy: str) -> str:
    if policy not in POLICIES:
        raise ValueError(f"unknown fairness policy {policy!r}: use one of {', '.join(POLICIES)}")
    return policy


def policy_targets(registry: PlaceRegistry, policy: str) -> np.ndarray:
    """Target share of each leaf under the policy (0 for places with sub-places); sums to 1."""
    check_policy(policy)
    leaf = registry.is_leaf
    pop = np.where(leaf, registry.population, 0.0)
    if policy == "population":
        t = pop
    elif policy == "sqrt":
        t = np.sqrt(pop)
    else:
        t = leaf.astype(float)
    total = t.sum()
    if total <= 0:  # every population is 0: fall back to equal shares
        t, total = leaf.astype(float), leaf.sum()
    return t / total


def collapse_targets(registry: PlaceRegistry, targets: np.ndarray, own_counts: np.ndarray):
    """Move the targets of places without participants up to the nearest place that has some.

    own_counts[i] = participants whose place is exactly i. Returns (mass per place, collapsed) where
    mass sums to 1 over places with participants, and collapsed lists (place index, into index or -1).
    """
    n = len(registry)
    parent = registry.parent
    sub = own_counts.astype(float).copy()
    for i in range(n - 1, -1, -1):  # subtree counts (children after parents)
        if parent[i] >= 0:
            sub[parent[i]] += sub[i]
    mass = np.where(own_counts > 0, targets, 0.0)
    pending = np.where(own_counts > 0, 0.0, targets)
    anc = registry.ancestry.tocsc()
    collapsed: list[tuple[int, int]] = []
    unheard_leaf = [i for i in range(n) if registry.is_leaf[i] and own_counts[i] == 0]
    resolved: dict[int, int] = {}
    for i in range(n - 1, -1, -1):
        if pending[i] > 0 and sub[i] > 0:
            if own_counts[i] > 0:
                mass[i] += pending[i]
            else:
                members = anc.indices[anc.indptr[i]:anc.indptr[i + 1]]  # i's subtree
                cells = members[own_counts[members] > 0]
                held = mass[cells].sum()
                if held > 0:
                    mass[cells] *= 1.0 + pending[i] / held
                else:
                    mass[cells] += pending[i] / len(cells)
            resolved[i] = i
            pending[i] = 0.0
        if parent[i] >= 0:
            pending[parent[i]] += pending[i]
            pending[i] = 0.0
    lost = pending.sum()
    if lost > 0 and mass.sum() > 0:  # whole top-level places unheard: spread over every heard cell
        mass *= (mass.sum() + lost) / mass.sum()
    for leaf in unheard_leaf:
        j = int(parent[leaf])
        while j >= 0 and sub[j] == 0:
            j = int(parent[j])
        collapsed.append((leaf, j))
    total = mass.sum()
    return (mass / total if total > 0 else mass), collapsed


def kish_ess(w: np.ndarray) -> float:
    w = np.asarray(w, dtype=float)
    s2 = float((w * w).sum())
    return float(w.sum() ** 2 / s2) if s2 > 0 else 0.0


def design_effect(w: np.ndarray) -> float:
    w = np.asarray(w, dtype=float)
    w = w[w > 0]
    ess = kish_ess(w)
    return float(len(w) / ess) if ess > 0 else float("nan")


@dataclass
class Weights:
    w: np.ndarray  # per participant (row), mean 1 over weighted participants, 0 without a place
    policy: str
    trim_cap: float | None
    n_trimmed: int
    collapsed: list[tuple[int, int]]
    margins: list[dict] = field(default_factory=list)

    @property
    def n(self) -> int:
        return int((self.w > 0).sum())

    def summary(self, registry: PlaceRegistry) -> dict:
        pos = self.w[self.w > 0]
        deff = design_effect(pos) if len(pos) else float("nan")
        return {
            "policy": self.policy, "n": self.n, "n_without_place": int((self.w == 0).sum()),
            "ess": round(kish_ess(pos), 2), "design_effect": round(deff, 4) if np.isfinite(deff) else None,
            "min": float(pos.min()) if len(pos) else None, "max": float(pos.max()) if len(pos) else None,
            "trim_cap": self.trim_cap, "n_trimmed": self.n_trimmed, "margins": self.margins,
            "collapsed": [{"place": registry.ids[a], "into": registry.ids[b] if b >= 0 else None}
                          for a, b in self.collapsed],
        }


def compute_weights(
    registry: PlaceRegistry,
    place_idx: np.ndarray,
    *,
    policy: str = "population",
    strata: dict[str, np.ndarray] | None = None,
    margins: dict[str, dict[str, float]] | None = None,
    trim_cap: float | None = 5.0,
) -> Weights:
    """Weights for participants with place index place_idx (-1 = unknown).

    strata[name] holds each participant's value for an organiser margin (None/"" = unknown) and
    margins[name] its target shares; both are raked together with the place cells by weightipy.
    """
    from weightipy import Rim, weight  # local import: it is slow to import and only needed here

    place_idx = np.asarray(place_idx, dtype=np.int64)
    known = place_idx >= 0
    counts = np.bincount(place_idx[known], minlength=len(registry))
    mass, collapsed = collapse_targets(registry, policy_targets(registry, policy), counts)
    w = np.zeros(len(place_idx))
    info: list[dict] = [{"name": "place", "cells": int((counts > 0).sum())}]
    if not known.any():
        return Weights(w, policy, trim_cap, 0, collapsed, info)
    cells = np.flatnonzero(counts > 0)
    df = pd.DataFrame({"place": place_idx[known]})
    targets: list[dict[str, dict]] = [{"place": {int(c): float(mass[c] * 100.0) for c in cells}}]
    for name, target in (margins or {}).items():
        values = np.asarray((strata or {}).get(name, np.full(len(place_idx), None)), dtype=object)[known]
        present = {str(v) for v in values if v not in (None, "")}
        tgt = {k: float(v) for k, v in target.items() if k in present and v > 0}
        if not tgt:
            continue
        tot = sum(tgt.values())
        if any(v in (None, "") or str(v) not in tgt for v in values):
            tgt["(unknown)"] = 0.0  # participants with no value keep their place weight share
        col = np.array(["(unknown)" if v in (None, "") or str(v) not in tgt else str(v) for v in values])
        unknown_share = float((col == "(unknown)").mean())
        tgt = {k: (v / tot * (1 - unknown_share) * 100.0 if k != "(unknown)" else unknown_share * 100.0)
               for k, v in tgt.items()}
        df[name] = col
        targets.append({name: tgt})
        info.append({"name": name, "targets": {k: round(v / 100, 6) for k, v in tgt.items()},
                     "unmatched": sorted(set(target) - present)})
    scheme = Rim("voxpop", cap=trim_cap or 0, max_iterations=200)
    scheme.set_targets(targets)
    with contextlib.redirect_stdout(io.StringIO()):  # weightipy prints convergence notes
        ww = weight(df, scheme).to_numpy(dtype=float)
    ww = ww / ww.mean()
    n_trimmed = int(np.isclose(ww, ww.max(), rtol=1e-6).sum()) if trim_cap and ww.max() >= trim_cap * 0.999 else 0
    for m in info[1:]:
        col = df[m["name"]].to_numpy()
        m["achieved"] = {k: round(float(ww[col == k].sum() / ww.sum()), 6) for k in m["targets"]}
    w[known] = ww
    return Weights(w, policy, trim_cap, n_trimmed, collapsed, info)
