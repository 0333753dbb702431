"""The place registry: a hierarchy of places (e.g. nation -> region -> area) with populations.

Stored as parallel arrays in an order where every parent comes before its children, so that sums up
the tree are a reverse loop and membership is a sparse matrix. Built only through `build_registry`,
which validates the whole input and raises PlaceError naming the source, the line and the fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from voxpop import i18n
from voxpop.io.errors import InputError

UNSPECIFIED_KIND = "unspecified"


class PlaceError(InputError):
    """Bad place input (an InputError: file, line, what to fix). str(err) is one line a person can act on."""

    def __init__(self, source: str | None, problem: object, *, line: int | None = None, fix: object = ""):
        super().__init__(source or "places", problem, line=line, fix=fix)
        self.source = source


@dataclass
class PlaceRecord:
    """One place as read from a source, before validation. population None = derive from children."""

    id: str
    name: str
    parent: str | None = None
    kind: str = UNSPECIFIED_KIND
    level: str | None = None
    population: float | None = None
    context: dict[str, float | None] = field(default_factory=dict)
    line: int | None = None  # source line, for messages


@dataclass(eq=False)
class PlaceRegistry:
    ids: list[str]
    names: list[str]
    kinds: list[str]
    levels: list[str]  # level name of each place
    parent: np.ndarray  # int64 index of the parent, -1 for top-level places
    depth: np.ndarray  # int64, 0 for top-level places
    population: np.ndarray  # float64
    context: dict[str, np.ndarray]  # column -> float64 array (nan = missing)
    source: str = ""

    def __len__(self) -> int:
        return len(self.ids)

    @cached_property
    def index(self) -> dict[str, int]:
        return {pid: i for i, pid in enumerate(self.ids)}

    @cached_property
    def is_leaf(self) -> np.ndarray:
        leaf = np.ones(len(self), dtype=bool)
        leaf[self.parent[self.parent >= 0]] = False
        return leaf

    @cached_property
    def level_names(self) -> list[str]:
        """Level names ordered by the smallest depth at which they occur (outermost first)."""
        first: dict[str, int] = {}
        for lvl, d in zip(self.levels, self.depth.tolist(), strict=True):
            first[lvl] = min(first.get(lvl, d), d)
        return sorted(first, key=lambda k: (first[k], k))

    @cached_property
    def kind_names(self) -> list[str]:
        return sorted({k for k, leaf in zip(self.kinds, self.is_leaf, strict=True) if leaf})

    @cached_property
    def top(self) -> np.ndarray:
        """Index of each place's top-level ancestor (itself for top-level places)."""
        top = np.arange(len(self))
        for i in range(len(self)):  # parents come first, so their top is already final
            if self.parent[i] >= 0:
                top[i] = top[self.parent[i]]
        return top

    @cached_property
    def ancestry(self) -> sp.csr_matrix:
        """places x places, 1 where column j is place i itself or one of its ancestors."""
        rows, cols = [], []
        for i in range(len(self)):
            j = i
            while j >= 0:
                rows.append(i)
                cols.append(j)
                j = int(self.parent[j])
        n = len(self)
        return sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))

    def children(self, i: int) -> np.ndarray:
        return np.flatnonzero(self.parent == i)


def build_registry(records: list[PlaceRecord], source: str = "places") -> PlaceRegistry:
    """Validate records and order them parents-first. Raises PlaceError on the first problem."""
    if not records:
        raise PlaceError(source, i18n.lazy_gettext("no places found"),
                         fix=i18n.lazy_gettext("add one row per place under the header"))
    by_id: dict[str, PlaceRecord] = {}
    for r in records:
        if not r.id:
            raise PlaceError(source, i18n.lazy_gettext("empty place id"), line=r.line,
                             fix=i18n.lazy_gettext("give every place a unique id"))
        if r.id in by_id:
            first = by_id[r.id].line
            raise PlaceError(source, i18n.lazy_gettext("duplicate place id %(id)s (first seen on line "
                                                       "%(first)s)", id=repr(r.id), first=first), line=r.line,
                             fix=i18n.lazy_gettext("give every place a unique id"))
        by_id[r.id] = r
    for r in records:
        if r.parent is not None and r.parent not in by_id:
            raise PlaceError(source, i18n.lazy_gettext("place %(id)s names unknown parent %(parent)s", id=repr(r.id), parent=repr(r.parent)), line=r.line,
                             fix=i18n.lazy_gettext("add a row for the parent or correct the parent id"))
        if r.parent == r.id:
            raise PlaceError(source, i18n.lazy_gettext("place %(id)s is its own parent", id=repr(r.id)), line=r.line,
                             fix=i18n.lazy_gettext("leave parent empty for a top-level place"))
        if r.population is not None and (not np.isfinite(r.population) or r.population < 0):
            raise PlaceError(source, i18n.lazy_gettext("place %(id)s has negative or invalid population "
                                                       "%(population)s", id=repr(r.id), population=repr(r.population)),
                             line=r.line, fix=i18n.lazy_gettext("give a population (or electorate) of 0 or "
                                                                "more"))
    children: dict[str | None, list[str]] = {}
    for r in records:
        children.setdefault(r.parent, []).append(r.id)
    order: list[str] = []
    depth: dict[str, int] = {}
    stack = [(pid, 0) for pid in reversed(children.get(None, []))]
    while stack:
        pid, d = stack.pop()
        order.append(pid)
        depth[pid] = d
        stack.extend((c, d + 1) for c in reversed(children.get(pid, [])))
    if len(order) != len(records):
        stuck = next(r for r in records if r.id not in depth)
        raise PlaceError(source, i18n.lazy_gettext("place %(id)s is part of a parent cycle", id=repr(stuck.id)), line=stuck.line,
                         fix=i18n.lazy_gettext("make sure following parents always ends at a top-level place"))
    idx = {pid: i for i, pid in enumerate(order)}
    recs = [by_id[pid] for pid in order]
    pop = np.full(len(recs), np.nan)
    for i, r in enumerate(recs):
        if r.population is not None:
            pop[i] = r.population
    parent = np.array([idx[r.parent] if r.parent is not None else -1 for r in recs], dtype=np.int64)
    is_parent = np.zeros(len(recs), dtype=bool)
    is_parent[parent[parent >= 0]] = True
    for i, r in enumerate(recs):
        if not is_parent[i] and np.isnan(pop[i]):
            raise PlaceError(source, i18n.lazy_gettext("place %(id)s has no population", id=repr(r.id)), line=r.line,
                             fix=i18n.lazy_gettext("give every place without sub-places a population (or "
                                                   "electorate)"))
    # parents without a population: sum of children (children come after parents: reverse pass)
    sums = np.where(np.isnan(pop), 0.0, pop).copy()
    derived = np.isnan(pop)
    acc = np.zeros(len(recs))
    for i in range(len(recs) - 1, -1, -1):
        if derived[i]:
            sums[i] = acc[i]
        if parent[i] >= 0:
            acc[parent[i]] += sums[i]
    ctx_cols = sorted({k for r in recs for k in r.context})
    context = {c: np.array([np.nan if r.context.get(c) is None else float(r.context[c] or 0.0) for r in recs])
               for c in ctx_cols}
    dep = np.array([depth[pid] for pid in order], dtype=np.int64)
    levels = [r.level or (f"level {depth[r.id]}") for r in recs]
    return PlaceRegistry(
        ids=order, names=[r.name or r.id for r in recs], kinds=[r.kind or UNSPECIFIED_KIND for r in recs],
        levels=levels, parent=parent, depth=dep, population=sums, context=context, source=source,
    )
