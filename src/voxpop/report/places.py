"""The `places` section (docs/places.md) normalised for drawing.

Defensive: missing or odd keys give empty values, never an exception; unknown scalar keys are listed as
facts. A suppressed cell (fewer than `min_cell` people) is drawn as "fewer than k", never as a number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from voxpop import i18n
from voxpop.i18n import N_
from voxpop.report.view import ReportView, StatementView, as_dict, as_list, count, key, num


def _s(v: Any) -> str:
    return "" if v is None else str(v)


@dataclass
class Share:
    """Agree / disagree / pass shares of one support estimate (weighted or not)."""

    agree: float | None
    disagree: float | None
    passed: float | None
    n: float | None
    n_effective: float | None
    agree_ci: tuple[float, float] | None
    suppressed: bool

    @classmethod
    def of(cls, d: Any) -> Share | None:
        d = as_dict(d)
        if not d:
            return None
        ci = as_list(d.get("agree_ci"))
        lo, hi = (num(ci[0]), num(ci[1])) if len(ci) == 2 else (None, None)
        sh = cls(num(d.get("agree")), num(d.get("disagree")), num(d.get("pass")), num(d.get("n")),
                 num(d.get("n_effective")), (lo, hi) if lo is not None and hi is not None else None,
                 bool(d.get("suppressed")))
        if sh.suppressed:
            sh.agree = sh.disagree = sh.passed = None
        return sh


@dataclass
class SupportRow:
    statement: StatementView
    unweighted: Share | None
    weighted: Share | None

    @property
    def shift(self) -> float | None:
        u, w = self.unweighted, self.weighted
        if u and w and u.agree is not None and w.agree is not None:
            return w.agree - u.agree
        return None


@dataclass
class CoverageRow:
    label: str
    ratio: float | None  # coverage_ratio: 1 = heard in proportion to population
    participants: int | None
    per_100k: float | None
    suppressed: bool  # no numbers shown: 1 .. min_cell-1 participants, or hidden with such a neighbour
    protects: bool = False  # hidden although it has enough people (it would give a small neighbour away)


@dataclass
class NextPlace:
    name: str
    level: str
    status: str
    population: int | None
    participants: int | None
    band: str
    voices_needed: int | None


@dataclass
class Divergent:
    statement: StatementView
    spread: float | None
    highest: tuple[str, float | None]
    lowest: tuple[str, float | None]


# dimension names shown in headings ("Who has been heard, by region"), marked for the catalogs
DIMENSION_WORDS = (N_("region"), N_("area"), N_("kind"), N_("place"), N_("country"), N_("level 1"))

# the weighting policies' short names (places.weighting.POLICIES), as the expert figures show them
POLICY_NAMES = {"population-proportional": N_("population-proportional"), "equal per place": N_("equal per place"),
                "square root of population": N_("square root of population")}

POLICY_WORDS = {
    "population": N_("if every place counted in proportion to its population"),
    "equal": N_("if every place counted the same"),
    "sqrt": N_("if every place counted by the square root of its population"),
}


@dataclass
class PlacesView:
    min_cell: int
    policy: str
    policy_key: str = "population"
    facts: list[tuple[str, str]] = field(default_factory=list)
    support: list[SupportRow] = field(default_factory=list)
    shifts: list[SupportRow] = field(default_factory=list)
    everywhere: list[tuple[StatementView, str, float | None]] = field(default_factory=list)
    weighted_gic: list[tuple[StatementView, float | None]] = field(default_factory=list)
    divergent: list[Divergent] = field(default_factory=list)
    coverage: dict[str, list[CoverageRow]] = field(default_factory=dict)
    groups: list[tuple[str, float | None, float | None]] = field(default_factory=list)
    next: list[NextPlace] = field(default_factory=list)

    @property
    def fewer(self) -> str:
        return i18n._("fewer than %(n)s", n=self.min_cell)

    @property
    def policy_words(self) -> str:
        """The weighting in words: "if every place counted in proportion to its population"."""
        words = POLICY_WORDS.get(self.policy_key)
        return i18n._(words) if words else i18n._("weighted (%(policy)s)", policy=self.policy)


def _opt_int(v: Any) -> int | None:
    x = num(v)
    return int(x) if x is not None else None


def _fmt(v: Any, digits: int = 2) -> str:
    x = num(v)
    if x is None:
        return _s(v)
    return f"{int(x):,}" if x.is_integer() else f"{x:,.{digits}f}"


def _coverage_row(r: Any) -> CoverageRow | None:
    r = as_dict(r)
    if not r:
        return None
    part = _opt_int(r.get("participants"))
    band = _s(r.get("participants_band"))
    suppressed = part is None and band not in ("", "0")
    return CoverageRow(label=_s(r.get("name") or r.get("cell") or r.get("place")) or "–",
                       ratio=None if suppressed else num(r.get("coverage_ratio")), participants=part,
                       per_100k=None if suppressed else num(r.get("voices_per_100k")), suppressed=suppressed,
                       protects=suppressed and not band.startswith("<"))


def build_places(section: Any, view: ReportView, *, top: int = 5) -> PlacesView | None:
    if section is None:
        return None
    d = as_dict(section)
    pv = PlacesView(min_cell=count(d.get("min_cell")) or 5,
                    policy=_s(d.get("policy_label") or d.get("policy")) or "–", policy_key=_s(d.get("policy")))
    by_id = {s.id: s for s in view.statements}
    names = {key(p.get("id")): _s(p.get("name") or p.get("id"))
             for p in as_list(d.get("places")) if isinstance(p, dict)}

    weights = as_dict(d.get("weights"))
    cov = as_dict(d.get("coverage"))
    for label, v in ((N_("fairness policy"), i18n._(POLICY_NAMES.get(str(pv.policy), str(pv.policy)))),
                     (N_("smallest cell shown"), pv.min_cell),
                     (N_("population"), cov.get("population")), (N_("participants"), cov.get("participants")),
                     (N_("voices per 100,000"), cov.get("voices_per_100k")),
                     (N_("effective sample size"), weights.get("ess")),
                     (N_("design effect"), weights.get("design_effect")),
                     (N_("participants without a place"), weights.get("n_without_place")),
                     (N_("weights trimmed"), weights.get("n_trimmed"))):
        if v is not None and v != "":
            pv.facts.append((i18n._(label), _fmt(v)))
    known = {"policy", "policy_label", "min_cell", "interval", "levels", "kinds", "context_columns", "places",
             "weights", "groups", "consensus", "breakdowns", "coverage", "common_ground", "schema", "schema_version",
             "group_informed_consensus"}
    for k, v in d.items():
        if k not in known and (num(v) is not None or isinstance(v, str)):
            pv.facts.append((str(k).replace("_", " "), _fmt(v)))

    # weighted vs unweighted support of the top statements
    cg = as_dict(d.get("common_ground"))
    ids: list[str] = []
    for item in as_list(cg.get("everywhere")):
        sid = as_dict(item).get("statement")
        if sid is not None and key(sid) in by_id:
            sv = by_id[key(sid)]
            pv.everywhere.append((sv, _s(as_dict(item).get("direction")) or "agree", num(as_dict(item).get("worst"))))
            ids.append(sv.id)
    for item in as_list(d.get("group_informed_consensus"))[:top]:
        item = as_dict(item)
        s = by_id.get(key(item.get("statement")))
        if s is not None:
            pv.weighted_gic.append((s, num(item.get("score"))))
            ids.append(s.id)
    for sid in as_list(as_dict(d.get("consensus")).get("agree")) + [s.id for s in view.gic] + \
            [s.id for s in view.consensus_agree]:
        ids.append(key(sid))
    rows = []
    for s in view.statements:
        sup = as_dict(s.support)
        if sup:
            rows.append(SupportRow(s, Share.of(sup.get("unweighted")), Share.of(sup.get("weighted"))))
    row_of = {r.statement.id: r for r in rows}
    seen: set[str] = set()
    for sid in ids:
        if sid in row_of and sid not in seen:
            seen.add(sid)
            pv.support.append(row_of[sid])
    if not pv.support:
        pv.support = sorted(rows, key=lambda r: -(r.weighted.agree if r.weighted and r.weighted.agree else 0))
    pv.support = pv.support[:top]
    pv.shifts = sorted((r for r in rows if r.shift is not None and abs(r.shift) >= 0.02),
                       key=lambda r: -abs(r.shift or 0))[:5]

    for item in as_list(cg.get("divergent"))[:top]:
        item = as_dict(item)
        s = by_id.get(key(item.get("statement")))
        if s is None:
            continue
        ends = []
        for end in ("highest", "lowest"):
            e = as_dict(item.get(end))
            ends.append((names.get(key(e.get("cell")), _s(e.get("cell"))), num(e.get("agree"))))
        pv.divergent.append(Divergent(s, num(item.get("spread")), ends[0], ends[1]))

    levels = [_s(x) for x in as_list(d.get("levels"))]
    by_level = as_dict(cov.get("by_level"))
    chart_levels = [lv for lv in by_level if lv in levels[:-1]] or list(by_level)[:1]
    for lv in chart_levels:
        cov_rows = [r for r in map(_coverage_row, as_list(by_level[lv])[:40]) if r]
        # least heard first; suppressed cells (no ratio to show) last
        pv.coverage[str(lv)] = sorted(cov_rows, key=lambda r: (r.ratio is None, r.ratio or 0.0))
    kinds = [r for r in map(_coverage_row, as_list(cov.get("by_kind"))[:40]) if r]
    if kinds and not (len(kinds) == 1 and kinds[0].label == "unspecified"):
        pv.coverage["kind of place"] = kinds

    for g in as_list(d.get("groups")):
        g = as_dict(g)
        grp = view.group(g.get("id"))
        if grp is not None:
            pv.groups.append((grp.id, num(g.get("share")), num(g.get("weighted_share"))))

    for n in as_list(cov.get("next"))[:20]:
        n = as_dict(n)
        if n:
            pv.next.append(NextPlace(name=_s(n.get("name") or n.get("place")) or "–", level=_s(n.get("level")),
                                     status=_s(n.get("status")), population=_opt_int(n.get("population")),
                                     participants=_opt_int(n.get("participants")),
                                     band=_s(n.get("participants_band")),
                                     voices_needed=_opt_int(n.get("voices_needed"))))
    return pv
