"""The `places` section (docs/places.md) normalised for drawing.

Written defensively because the section's keys may still evolve: each concept is looked up under a
few names, anything unrecognised is kept in `extra` and shown as a plain table, and a cell that is
suppressed (too few people) is drawn as "fewer than k", never as a number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from voxpop.report.view import ReportView, StatementView, as_dict, as_list, count, key, num


def _first(d: dict, *names: str) -> Any:
    for n in names:
        if d.get(n) is not None:
            return d[n]
    return None


def _label(d: dict) -> str:
    v = _first(d, "name", "label", "place_name", "place", "region", "kind", "value", "id", "code")
    return "" if v is None else str(v)


@dataclass
class Share:
    """Agree / disagree / pass shares of one support estimate (weighted or not)."""

    agree: float | None
    disagree: float | None
    passed: float | None
    n: float | None

    @classmethod
    def of(cls, d: Any) -> Share | None:
        if num(d) is not None:  # a bare number: the agree share
            return cls(num(d), None, None, None)
        d = as_dict(d)
        if not d:
            return None
        n = num(_first(d, "n_seen", "n", "effective_n", "n_eff", "weight", "total"))
        vals = {}
        for name in ("agree", "disagree", "pass"):
            v = num(_first(d, name, f"p_{name}", f"share_{name}", f"{name}_share"))
            if v is None and n:
                c = num(d.get(f"n_{name}"))
                v = c / n if c is not None else None
            vals[name] = v
        if all(v is None for v in vals.values()):
            return None
        return cls(vals["agree"], vals["disagree"], vals["pass"], n)


@dataclass
class SupportRow:
    statement: StatementView
    unweighted: Share | None
    weighted: Share | None

    @property
    def shift(self) -> float | None:
        if self.unweighted and self.weighted and None not in (self.unweighted.agree, self.weighted.agree):
            return self.weighted.agree - self.unweighted.agree
        return None


@dataclass
class CoverageRow:
    label: str
    value: float | None  # share / ratio drawn as a bar; None when suppressed or unknown
    text: str
    suppressed: bool


@dataclass
class PlacesView:
    min_cell: int | None
    support: list[SupportRow] = field(default_factory=list)
    coverage: dict[str, list[CoverageRow]] = field(default_factory=dict)
    not_yet_heard: list[tuple[str, str]] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)
    extra: dict[str, list[dict]] = field(default_factory=dict)

    @property
    def fewer(self) -> str:
        return f"fewer than {self.min_cell}" if self.min_cell else "too few to show"


def _fmt(v: Any) -> str:
    x = num(v)
    if x is None:
        return "" if v is None else str(v)
    return f"{int(x):,}" if x.is_integer() else f"{x:.2f}"


def _suppressed(d: dict) -> bool:
    return bool(_first(d, "suppressed", "is_suppressed", "small_cell"))


def _coverage_rows(rows: list, fewer: str) -> list[CoverageRow]:
    out = []
    for r in rows:
        r = as_dict(r)
        if not r:
            continue
        sup = _suppressed(r)
        part = num(_first(r, "participants", "n_participants", "n", "count"))
        ratio = num(_first(r, "coverage", "ratio", "representation", "share_ratio"))
        share = num(_first(r, "share", "share_participants", "participant_share"))
        expected = num(_first(r, "expected", "expected_share", "population_share", "target_share"))
        value = ratio if ratio is not None else share if share is not None else part
        if sup:
            out.append(CoverageRow(_label(r), None, fewer, True))
            continue
        bits = []
        if part is not None:
            bits.append(f"{int(part):,} people")
        if ratio is not None:
            bits.append(f"{ratio:.2f}× expected")
        elif share is not None:
            bits.append(f"{round(100 * share)}%" + (f" of {round(100 * expected)}% expected"
                                                      if expected is not None else ""))
        out.append(CoverageRow(_label(r), value, ", ".join(bits) or "–", False))
    return out


_KNOWN = {"coverage", "by_region", "by_kind", "not_yet_heard", "unheard", "not_heard", "support", "top",
          "top_statements", "common_ground", "statements"}


def build_places(section: Any, view: ReportView) -> PlacesView | None:
    if section is None:
        return None
    d = as_dict(section)
    meta = as_dict(d.get("meta"))
    min_cell = count(_first(d, "min_cell", "k_min", "suppress_below", "small_cell_min", "k_anonymity")
                     or _first(meta, "min_cell", "k_min", "suppress_below", "small_cell_min")) or None
    pv = PlacesView(min_cell=min_cell)

    # weighted vs unweighted support: listed statements first, else every statement that has support
    listed = _first(d, "top_statements", "top", "common_ground", "support")
    ids = []
    for item in as_list(listed):
        sid = item if not isinstance(item, dict) else _first(item, "statement", "id")
        if sid is not None:
            ids.append((key(sid), item if isinstance(item, dict) else {}))
    if not ids:
        ids = [(s.id, {}) for s in view.statements if s.support]
    by_id = {s.id: s for s in view.statements}
    for sid, item in ids[:10]:
        s = by_id.get(sid)
        sup = as_dict(item) if item else as_dict(s.support if s else None)
        if s is None or not sup:
            sup = sup or as_dict(s.support if s else None)
        if s is None:
            continue
        row = SupportRow(s, Share.of(_first(sup, "unweighted", "raw")), Share.of(_first(sup, "weighted")))
        if row.unweighted or row.weighted:
            pv.support.append(row)

    cov = d.get("coverage")
    if isinstance(cov, dict):
        for dim, rows in cov.items():
            if isinstance(rows, list):
                pv.coverage[str(dim)] = _coverage_rows(rows, pv.fewer)
            elif num(rows) is not None or isinstance(rows, str):
                pv.facts.append((f"coverage {dim}", _fmt(rows)))
    elif isinstance(cov, list):
        dims: dict[str, list] = {}
        for r in cov:
            r = as_dict(r)
            dims.setdefault(str(_first(r, "dimension", "level", "by") or "place"), []).append(r)
        for dim, rows in dims.items():
            pv.coverage[dim] = _coverage_rows(rows, pv.fewer)
    for dim in ("by_region", "by_kind"):
        if isinstance(d.get(dim), list):
            pv.coverage[dim.removeprefix("by_")] = _coverage_rows(d[dim], pv.fewer)

    for r in as_list(_first(d, "not_yet_heard", "unheard", "not_heard")):
        if isinstance(r, dict):
            detail = ", ".join(f"{k.replace('_', ' ')} {_fmt(v)}" for k, v in r.items()
                               if k not in ("name", "label", "id", "place", "place_name")
                               and (num(v) is not None or isinstance(v, str)))
            pv.not_yet_heard.append((_label(r), pv.fewer if _suppressed(r) else detail))
        elif r is not None:
            pv.not_yet_heard.append((str(r), ""))

    for k, v in d.items():
        if k in _KNOWN or k == "meta":
            continue
        if isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            pv.extra[str(k)] = [{str(a): b for a, b in x.items() if not isinstance(b, dict | list)} for x in v]
        elif num(v) is not None or isinstance(v, str | bool):
            pv.facts.append((str(k).replace("_", " "), _fmt(v)))
    return pv
