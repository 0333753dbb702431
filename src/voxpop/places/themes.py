"""Themes by place: for each place, the listening theme that most of its people spoke about (docs/listening.md,
"Themes by place").

Pure: from the listening `themes` section (voxpop.listen, docs/listening.md), the conversation's place
registry and a way to find a place from what a testimony says (`match_place` over voxpop.places.finder).

* A **person** is a speaker at a place as the testimony gives it (a CSV without a `speaker` column makes
  each row its own person). A person **mentions** a theme when at least one of their sentences is in it.
* Each testimony's place text is matched to one of the registry's places: exactly (after folding), by a
  close typo, or by a prefix that names one place only; never a guess between several. Anything else
  (no place, a name not found, or a place coarser than the level shown) counts as "not placed".
* Places are shown at one **level** of the registry (e.g. "area" or "region"): the finest level at which
  the places that can be shown hold at least half of the placed people; else the coarsest. A person placed
  at a finer place counts at its ancestor at that level.
* **Small cells**: a place with fewer than `min_cell` people (the conversation's places rule, "fewer than
  5 people") shows neither its theme nor any count; the suppression is complementary
  (voxpop.places.suppression): the hidden places together with the not-placed people hold 0 or at least
  `min_cell` people, so nothing can be worked out by subtraction from the total.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

import numpy as np

from voxpop.places.finder import PlaceFinder
from voxpop.places.registry import PlaceRegistry
from voxpop.places.suppression import Relation, suppress

SCHEMA = "voxpop.themes_by_place"
SCHEMA_VERSION = 1
MIN_SHOWN_SHARE = 0.5  # a level is fine enough when its shown places hold this share of the placed people


def match_place(finder: PlaceFinder, text: str | None) -> str | None:
    """The one place `text` names, or None: an exact match (after folding), a close typo (score >= 90) or
    a prefix that fits one place only. Several equally good places are never guessed between."""
    if not text or not text.strip():
        return None
    found = finder.find(text, limit=2)
    m = found.unique
    if m is None:
        return None
    if m.how == "exact" or (m.how == "fuzzy" and m.score >= 90) or (m.how == "prefix" and len(found.matches) == 1):
        return m.place_id
    return None


def ancestor_at(registry: PlaceRegistry, index: int, level: str) -> int | None:
    """The index of the place at `level` that contains place `index` (itself when it is at that level)."""
    i = index
    while i >= 0:
        if registry.levels[i] == level:
            return i
        i = int(registry.parent[i])
    return None


def place_of_level(registry: PlaceRegistry, level: str) -> dict[str, str]:
    """Every place id -> the id of the place at `level` that contains it (places above the level: none)."""
    out = {}
    for i, pid in enumerate(registry.ids):
        a = ancestor_at(registry, i, level)
        if a is not None:
            out[pid] = registry.ids[a]
    return out


class _Person:
    __slots__ = ("place", "testimonies", "themes", "claims")

    def __init__(self, place: int | None):
        self.place = place  # registry index, or None when not placed
        self.testimonies = 0
        self.themes: set[Any] = set()
        self.claims: dict[Any, int] = defaultdict(int)  # theme -> sentences


def _people(section: dict, registry: PlaceRegistry, locate: Callable[[str], str | None]) -> tuple[list[_Person], dict[str, int]]:
    """The people of the testimony, each with their place (registry index) and the themes they mention;
    and the place texts that matched no place (text -> testimonies)."""
    theme_of_claim: dict[str, list] = defaultdict(list)
    for c in section.get("claims") or []:
        if c.get("theme") is not None:
            theme_of_claim[str(c.get("testimony"))].append(c["theme"])
    found: dict[str, int | None] = {}
    unmatched: dict[str, int] = defaultdict(int)
    people: dict[tuple[str, str], _Person] = {}
    for t in section.get("testimonies") or []:
        text = str(t.get("place") or "").strip()
        if text not in found:
            pid = locate(text) if text else None
            found[text] = registry.index.get(pid) if pid is not None else None
        where = found[text]
        if text and where is None:
            unmatched[text] += 1
        key = (str(t.get("speaker") or t.get("id")), text.casefold())
        p = people.get(key)
        if p is None:
            p = people[key] = _Person(where)
        p.testimonies += 1
        for th in theme_of_claim.get(str(t.get("id")), []):
            p.themes.add(th)
            p.claims[th] += 1
    return list(people.values()), dict(unmatched)


def _cells(people: list[_Person], registry: PlaceRegistry, level: str) -> tuple[dict[int, list[_Person]], list[_Person]]:
    cells: dict[int, list[_Person]] = defaultdict(list)
    unplaced = []
    for p in people:
        a = ancestor_at(registry, p.place, level) if p.place is not None else None
        if a is None:
            unplaced.append(p)
        else:
            cells[a].append(p)
    return cells, unplaced


def _shown(cells: dict[int, list[_Person]], n_unplaced: int, min_cell: int) -> tuple[dict[int, bool], bool]:
    """Which places (and whether the not-placed people) may be shown: fewer than min_cell people are hidden,
    and around the total of everyone (always shown) the hidden cells hold 0 or at least min_cell people
    and are never exactly one (voxpop.places.suppression)."""
    order = sorted(cells)
    n = len(order)
    values = np.array([len(cells[i]) for i in order] + [n_unplaced], dtype=float)
    values = np.append(values, values.sum())
    fixed = np.zeros(n + 2, dtype=bool)
    fixed[n + 1] = True
    ok = suppress(values, [Relation(n + 1, np.arange(n + 1), exact=True)], min_cell, fixed=fixed)
    return {order[j]: bool(ok[j]) for j in range(n)}, bool(ok[n])


def _row(registry: PlaceRegistry, i: int, people: list[_Person], status: str, labels: dict,
         langs: dict) -> dict:
    parent = int(registry.parent[i])
    row: dict[str, Any] = {"id": registry.ids[i], "name": registry.names[i],
                           "parent": registry.ids[parent] if parent >= 0 else None,
                           "parent_name": registry.names[parent] if parent >= 0 else None, "status": status}
    if status != "shown":
        return row | {"n_people": None, "n_testimonies": None, "top": None, "themes": []}
    n = len(people)
    mentions: dict[Any, list[int]] = defaultdict(lambda: [0, 0])
    for p in people:
        for th in p.themes:
            mentions[th][0] += 1
            mentions[th][1] += p.claims[th]
    rank = {th: k for k, th in enumerate(labels)}
    themes = sorted(mentions, key=lambda th: (-mentions[th][0], -mentions[th][1], rank.get(th, len(rank))))
    cells = [{"theme": th, "label": labels.get(th, str(th)), "language": langs.get(th), "n_people": mentions[th][0],
              "n_sentences": mentions[th][1], "share": round(mentions[th][0] / n, 4)} for th in themes]
    top = None
    if cells:
        top = dict(cells[0])
        top["tied_with"] = [c["theme"] for c in cells[1:] if c["n_people"] == cells[0]["n_people"]]
    return row | {"n_people": n, "n_testimonies": sum(p.testimonies for p in people), "top": top, "themes": cells}


def themes_by_place(section: dict, registry: PlaceRegistry, locate: Callable[[str], str | None], *,
                    min_cell: int = 5, level: str | None = None) -> dict:
    """The by-place view of a listening themes section (see the module docstring), as JSON-ready data:
    {"schema", "schema_version", "min_cell", "level", "levels", "level_asked", "finest", "n_people",
    "not_placed", "themes", "places", "unmatched"}. `level` forces one of the registry's levels (ValueError names the choices)."""
    if min_cell < 1:
        raise ValueError("min_cell must be at least 1")
    levels = registry.level_names  # outermost first
    if level is not None and level not in levels:
        raise ValueError(f"unknown level {level!r}; choose one of {', '.join(levels)}")
    labels = {t["id"]: str(t.get("label") or t["id"]) for t in section.get("themes") or []}
    langs = {t["id"]: t.get("language") for t in section.get("themes") or []}
    people, unmatched = _people(section, registry, locate)
    placed = [p for p in people if p.place is not None]
    used = {registry.levels[p.place] for p in placed if p.place is not None}
    finest = max((levels.index(lv) for lv in used), default=len(levels) - 1)
    candidates = [level] if level else list(reversed(levels[: finest + 1]))
    chosen: str | None = None
    cells: dict[int, list[_Person]] = {}
    shown: dict[int, bool] = {}
    unplaced, unplaced_shown = people, True
    for lv in candidates:
        cells, unplaced = _cells(people, registry, lv)
        shown, unplaced_shown = _shown(cells, len(unplaced), min_cell)
        chosen = lv
        if sum(len(cells[i]) for i, ok in shown.items() if ok) >= MIN_SHOWN_SHARE * max(1, len(placed)):
            break

    def parent_name(i: int) -> str:
        return registry.names[int(registry.parent[i])] if registry.parent[i] >= 0 else ""

    rows = []
    for i in sorted(cells, key=lambda i: (parent_name(i), registry.names[i])):
        status = "shown" if shown[i] else "too_few" if len(cells[i]) < min_cell else "hidden"
        rows.append(_row(registry, i, cells[i], status, labels, langs))
    leading: dict[Any, int] = defaultdict(int)
    for r in rows:
        if r["top"] is not None:
            leading[r["top"]["theme"]] += 1
    rank = {th: k for k, th in enumerate(labels)}
    themes = [{"theme": th, "label": labels.get(th, str(th)), "language": langs.get(th), "places": n}
              for th, n in sorted(leading.items(), key=lambda kv: (-kv[1], rank.get(kv[0], len(rank))))]
    n_unplaced = len(unplaced)
    return {"schema": SCHEMA, "schema_version": SCHEMA_VERSION, "min_cell": min_cell, "level": chosen,
            "levels": levels, "level_asked": level is not None, "finest": levels[finest] if levels else None,
            "n_people": len(people),
            "not_placed": {"n_people": n_unplaced if unplaced_shown else None,
                           "status": "shown" if unplaced_shown else "too_few" if n_unplaced < min_cell else "hidden"},
            "themes": themes, "places": rows,
            "unmatched": [{"place": k, "n_testimonies": v} for k, v in sorted(unmatched.items())]}
