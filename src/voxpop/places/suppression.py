"""Small-cell suppression that subtraction cannot undo (docs/places.md, "Privacy").

Primary suppression hides every cell with 1 .. k-1 people. That alone can be undone: a region shows 12,
its town shows 11, so its hamlet (shown as "<5") has exactly 1, and the one participant listed at the
region is that person. So cells are also related by *relations* "total = parts + a remainder that is
never shown on its own" (a place and its sub-places, the remainder being the people placed at the place
itself; everyone and the top-level places; a kind of place and its places; everyone in a cell and the
groups in it). For each relation whose total is shown, the hidden part (the total minus the parts that
are shown) must be 0 or at least k: if it is 1 .. k-1, the smallest shown part with people in it is
hidden too (secondary suppression), or the total itself when no part is left. This repeats until no
relation changes, so every hidden cell, and every set of people listed at a coarser place, stands for 0
or at least k people. (Hidden parts can still be bounded, e.g. "the two hidden towns hold 6 people
together"; what cannot be derived is an exact count below k.)

`suppress(values, relations, k, fixed=...)` works on any table (cells x independent columns, e.g.
statements); `place_relations(registry, ...)` builds the relations of a place registry. Anything that
publishes counts of people per place, kind or group must go through these (voxpop.places.analysis does
for the analysis document, from which the pages, the report and the CSVs are drawn).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from voxpop.places.registry import PlaceRegistry


class Relation(NamedTuple):
    total: int  # the cell of the total
    parts: np.ndarray  # the cells of its parts
    exact: bool = False  # total == sum(parts) exactly (no remainder that stays unknown)


def place_relations(registry: PlaceRegistry, *, offset: int = 0, everyone: int | None = None,
                    kind_cells: Sequence[int] = ()) -> list[Relation]:
    """Relations of a registry laid out as cells offset + place index: each non-leaf place and its
    children (remainder: people placed at the place itself); `everyone` (the placed people, when given)
    and the top-level places (exact), and everyone and the kind cells (kind_cells[k] = the cell of
    registry.kind_names[k]); each kind and the leaf places of that kind (exact)."""
    rels: list[Relation] = []
    parent = registry.parent
    for p in range(len(registry)):
        kids = np.flatnonzero(parent == p)
        if kids.size:
            rels.append(Relation(offset + p, offset + kids))
    if everyone is not None:
        rels.append(Relation(everyone, offset + np.flatnonzero(parent < 0), exact=True))
        if len(kind_cells):
            rels.append(Relation(everyone, np.asarray(kind_cells, dtype=np.int64)))
    if len(kind_cells):
        kinds = np.array(registry.kinds)
        for k, name in enumerate(registry.kind_names):
            leaves = np.flatnonzero(registry.is_leaf & (kinds == name))
            if leaves.size:
                rels.append(Relation(int(kind_cells[k]), offset + leaves, exact=True))
    return rels


def suppress(values: np.ndarray, relations: Sequence[Relation], k: int, *,
             fixed: np.ndarray | None = None, max_rounds: int = 100) -> np.ndarray:
    """Which cells may be shown: a bool array shaped like `values` (cells x columns, or cells).

    values: people per cell (each column independent, e.g. one per statement); relations: total >=
    sum(parts) in every column; fixed: cells already public (e.g. the overall count), never hidden (other
    cells are hidden around them). Zero cells stay shown: nobody to protect. Rules, to a fixpoint:
    for every relation with its total shown, the hidden part is 0 or at least k; for an exact relation
    with its total shown, never exactly one hidden part with people in it (it would be total minus the
    others: a secondarily hidden cell given back, and with it the small cell it protects).
    """
    v = np.asarray(values, dtype=float)
    one_d = v.ndim == 1
    if one_d:
        v = v[:, None]
    shown = (v == 0) | (v >= k)
    fix = np.zeros(v.shape[0], dtype=bool) if fixed is None else np.asarray(fixed, dtype=bool)
    shown[fix] = True
    for _ in range(max_rounds):
        changed = False
        for rel in relations:
            if rel.parts.size:
                changed |= _enforce(v, shown, fix, rel, k)
        if not changed:
            break
    return shown[:, 0] if one_d else shown


def _enforce(v: np.ndarray, shown: np.ndarray, fix: np.ndarray, rel: Relation, k: int) -> bool:
    total, parts = rel.total, rel.parts
    changed = False
    while True:
        pv, ps = v[parts], shown[parts]
        hidden = v[total] - (pv * ps).sum(axis=0)
        bad = shown[total] & (hidden > 0.5) & (hidden < k)
        if rel.exact:
            bad |= shown[total] & (((~ps) & (pv > 0)).sum(axis=0) == 1)
        cols = np.flatnonzero(bad)
        if not cols.size:
            return changed
        cand = np.where(ps[:, cols] & (pv[:, cols] > 0) & ~fix[parts][:, None], pv[:, cols], np.inf)
        pick = cand.argmin(axis=0)
        has = np.isfinite(cand[pick, np.arange(cols.size)])
        if rel.exact and not fix[total]:
            has[:] = False  # hiding the total hides no more people than needed
        hide_total = cols[~has] if not fix[total] else cols[:0]
        if not has.any() and not hide_total.size:
            return changed  # only fixed cells around a fixed total: nothing more can be hidden here
        shown[parts[pick[has]], cols[has]] = False
        shown[total, hide_total] = False
        changed = True
