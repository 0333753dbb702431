"""Coverage: who has been heard, per place, per level and kind; and where to go next."""

from __future__ import annotations

import math

import numpy as np

from voxpop.places.registry import PlaceRegistry
from voxpop.places.suppression import place_relations, suppress


def subtree_counts(registry: PlaceRegistry, own_counts: np.ndarray) -> np.ndarray:
    """Participants in each place including its sub-places."""
    return np.asarray(registry.ancestry.T @ own_counts.astype(float)).ravel()


def band(count: float, min_cell: int) -> str:
    if count <= 0:
        return "0"
    return f"<{min_cell}" if count < min_cell else f"{min_cell}+"


def visible_counts(registry: PlaceRegistry, own_counts: np.ndarray, min_cell: int) -> tuple[np.ndarray, np.ndarray]:
    """Which place counts and which kind counts may be published (bool per place, per kind): small
    cells and the cells that would let one compute them by subtraction are hidden (places.suppression)."""
    n, kinds = len(registry), registry.kind_names
    sub = subtree_counts(registry, own_counts)
    names = np.array(registry.kinds)
    kind_counts = [float(own_counts[registry.is_leaf & (names == k)].sum()) for k in kinds]
    everyone = n + len(kinds)
    values = np.concatenate([sub, kind_counts, [float(own_counts.sum())]])
    rels = place_relations(registry, everyone=everyone, kind_cells=range(n, n + len(kinds)))
    fixed = np.zeros(values.size, dtype=bool)
    fixed[everyone] = True  # the number of placed participants is public
    shown = suppress(values, rels, min_cell, fixed=fixed)
    return shown[:n], shown[n:everyone]


def _cell(name_id: str, name: str, population: float, count: float, total_pop: float, total_n: float,
          min_cell: int, visible: bool = True) -> dict:
    shown = (count == 0 or count >= min_cell) and visible
    pop_share = population / total_pop if total_pop > 0 else 0.0
    sample_share = count / total_n if total_n > 0 else 0.0
    return {
        "cell": name_id, "name": name, "population": _num(population),
        "participants": int(count) if shown else None, "participants_band": band(count, min_cell),
        "voices_per_100k": round(count / population * 1e5, 3) if shown and population > 0 else None,
        "coverage_ratio": round(sample_share / pop_share, 4) if shown and pop_share > 0 else None,
    }


def _num(x: float):
    return int(x) if float(x).is_integer() else float(x)


def coverage(registry: PlaceRegistry, own_counts: np.ndarray, min_cell: int = 5) -> dict:
    """The `places.coverage` section of the document (docs/places.md)."""
    leaf = registry.is_leaf
    sub = subtree_counts(registry, own_counts)
    vis, kind_vis = visible_counts(registry, own_counts, min_cell)
    total_pop = float(registry.population[leaf].sum())
    total_n = float(own_counts.sum())
    by_level: dict[str, list[dict]] = {}
    for lvl in registry.level_names:
        cells = [i for i in range(len(registry)) if registry.levels[i] == lvl and not leaf[i]]
        if cells:
            by_level[lvl] = [_cell(registry.ids[i], registry.names[i], registry.population[i], sub[i],
                                   total_pop, total_n, min_cell, bool(vis[i])) for i in cells]
    kinds = np.array(registry.kinds)
    by_kind = []
    for ki, k in enumerate(registry.kind_names):
        sel = leaf & (kinds == k)
        by_kind.append(_cell(k, k, float(registry.population[sel].sum()), float(own_counts[sel].sum()),
                             total_pop, total_n, min_cell, bool(kind_vis[ki])))
    nxt = []
    for i in np.flatnonzero(leaf):
        c, pop = float(sub[i]), float(registry.population[i])
        share = pop / total_pop if total_pop > 0 else 0.0
        fair = share * total_n
        if c == 0:
            status = "not heard"
        elif c < min_cell:
            status = "too few"
        elif c < fair:
            status = "under-heard"
        else:
            continue
        cell = _cell(registry.ids[i], registry.names[i], pop, c, total_pop, total_n, min_cell, bool(vis[i]))
        nxt.append({
            "place": registry.ids[i], "name": registry.names[i], "level": registry.levels[i],
            "parent": registry.ids[registry.parent[i]] if registry.parent[i] >= 0 else None,
            "kind": registry.kinds[i], "population": cell["population"],
            "participants": cell["participants"], "participants_band": cell["participants_band"],
            "voices_per_100k": cell["voices_per_100k"], "coverage_ratio": cell["coverage_ratio"],
            "status": status,
            # a hidden count stays hidden: fair - voices_needed would give it back
            "voices_needed": (max(1, math.ceil(fair - c)) if cell["participants"] is not None else None),
            "_key": ({"not heard": 0, "too few": 1, "under-heard": 2}[status],
                     -pop if status != "under-heard" else -(fair - c)),
        })
    nxt.sort(key=lambda r: r["_key"])
    for r in nxt:
        del r["_key"]
    return {
        "population": _num(total_pop), "participants": int(total_n),
        "voices_per_100k": round(total_n / total_pop * 1e5, 3) if total_pop > 0 else None,
        "next": nxt, "by_level": by_level, "by_kind": by_kind,
    }


def place_records(registry: PlaceRegistry, own_counts: np.ndarray, targets: np.ndarray,
                  min_cell: int = 5) -> list[dict]:
    """The `places.places` list: every place with its coverage figures (small counts suppressed)."""
    leaf = registry.is_leaf
    sub = subtree_counts(registry, own_counts)
    tgt = np.asarray(registry.ancestry.T @ targets).ravel()
    total_pop = float(registry.population[leaf].sum())
    total_n = float(own_counts.sum())
    vis, _ = visible_counts(registry, own_counts, min_cell)
    out = []
    for i in range(len(registry)):
        c = _cell(registry.ids[i], registry.names[i], registry.population[i], sub[i], total_pop, total_n,
                  min_cell, bool(vis[i]))
        shown = c["participants"] is not None
        out.append({
            "id": registry.ids[i], "name": registry.names[i], "level": registry.levels[i],
            "depth": int(registry.depth[i]),
            "parent": registry.ids[registry.parent[i]] if registry.parent[i] >= 0 else None,
            "kind": registry.kinds[i], "population": c["population"],
            "context": {k: (None if np.isnan(v[i]) else float(v[i])) for k, v in registry.context.items()},
            "is_leaf": bool(leaf[i]),
            "participants": c["participants"], "participants_band": c["participants_band"],
            "voices_per_100k": c["voices_per_100k"], "target_share": round(float(tgt[i]), 6),
            "sample_share": round(sub[i] / total_n, 6) if shown and total_n > 0 else None,
            "coverage_ratio": c["coverage_ratio"],
        })
    return out
