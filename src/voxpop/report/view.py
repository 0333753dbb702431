"""The analysis document (docs/analysis-schema.md) turned into plain objects the drawings use.

Everything here is defensive: a missing key, a null, a string where a number was expected, or an id
that points nowhere gives an empty value and a note in `ReportView.notes`, never an exception. Only a
document that is not a JSON object at all is rejected.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from voxpop import i18n
from voxpop.report.palette import GroupStyle, group_style
from voxpop.report.status_text import in_reader_language


def num(v: Any) -> float | None:
    """A finite float, or None for anything else (None, NaN, strings, bools)."""
    if isinstance(v, bool) or not isinstance(v, int | float):
        return None
    v = float(v)
    return v if math.isfinite(v) else None


def count(v: Any) -> int:
    x = num(v)
    return int(x) if x is not None and x >= 0 else 0


def as_dict(v: Any) -> dict:
    return v if isinstance(v, dict) else dict(v) if isinstance(v, Mapping) else {}


def as_list(v: Any) -> list:
    return list(v) if isinstance(v, list | tuple) else []


def key(v: Any) -> str:
    """Ids compared as strings, so 0 and "0" meet."""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v)


@dataclass
class Votes:
    n_agree: int = 0
    n_disagree: int = 0
    n_pass: int = 0
    n_seen: int = 0

    @classmethod
    def of(cls, d: Any) -> Votes:
        d = as_dict(d)
        a, dis, p = count(d.get("n_agree")), count(d.get("n_disagree")), count(d.get("n_pass"))
        seen = max(count(d.get("n_seen")), a + dis + p)
        return cls(a, dis, p, seen)

    def share(self, n: int) -> float:
        return n / self.n_seen if self.n_seen else 0.0

    @property
    def agree(self) -> float:
        return self.share(self.n_agree)

    @property
    def disagree(self) -> float:
        return self.share(self.n_disagree)

    @property
    def passed(self) -> float:
        return self.share(self.n_seen - self.n_agree - self.n_disagree)


@dataclass
class StatementView:
    id: str
    text: str
    votes: Votes
    by_group: dict[str, Votes]
    consensus: dict | None = None
    gic: float | None = None
    bridging: float | None = None
    bridging_factor: float | None = None
    divisiveness: float | None = None
    extremity: float | None = None
    x: float | None = None
    y: float | None = None
    moderated_out: bool = False
    meta: bool = False
    support: dict | None = None
    known: bool = True  # False when a list named an id the statements table lacks


@dataclass
class RepView:
    statement: StatementView
    direction: str  # "agree" | "disagree"
    votes: Votes
    p: float | None
    p_test: float | None
    r: float | None
    r_test: float | None
    repness: float | None

    @property
    def share(self) -> float:
        """Share of the group that voted in `direction` (raw, without the prior)."""
        n = self.votes.n_agree if self.direction == "agree" else self.votes.n_disagree
        return self.votes.share(n)


@dataclass
class GroupView:
    id: str
    index: int
    style: GroupStyle
    size: int
    share: float
    center: tuple[float, float] | None
    representative: list[RepView] = field(default_factory=list)
    name: str | None = None  # the organiser's name for the group, if any

    @property
    def letter(self) -> str:
        return self.style.letter

    @property
    def label(self) -> str:
        if self.name:
            return i18n._("Group %(letter)s: %(name)s", letter=self.style.letter, name=self.name)
        return i18n._("Group %(letter)s", letter=self.style.letter)

    @property
    def anchor(self) -> str:
        return f"group-{self.style.letter}"


def group_extremes(s: StatementView, groups: list[GroupView]) -> tuple | None:
    """((group, agree share), (group, agree share)) for the most and least agreeing groups that saw it."""
    seen = [(g, s.by_group[g.id].agree) for g in groups if g.id in s.by_group and s.by_group[g.id].n_seen]
    if len(seen) < 2:
        return None
    return max(seen, key=lambda t: t[1]), min(seen, key=lambda t: t[1])


@dataclass
class GroupSide:
    """One counted group's votes on a statement: its agree share among its agree/disagree votes."""

    group: GroupView
    agree: float
    n: int  # agree + disagree votes

    @property
    def disagree(self) -> float:
        return 1.0 - self.agree


@dataclass
class Finding:
    """A statement of the common ground (direction "agree"/"disagree") or a split ("split")."""

    statement: StatementView
    direction: str
    score: float  # common ground: the weakest group's share on that side; split: the gap
    groups: list[GroupSide]
    too_few: list[GroupView]

    def side(self, g: GroupSide) -> float:
        return g.disagree if self.direction == "disagree" else g.agree

    @property
    def most(self) -> GroupSide | None:
        return max(self.groups, key=lambda g: g.agree) if self.groups else None

    @property
    def least(self) -> GroupSide | None:
        return min(self.groups, key=lambda g: g.agree) if self.groups else None


@dataclass
class Point:
    x: float
    y: float
    group: int | None  # index into ReportView.groups


@dataclass
class ReportView:
    title: str
    conversation_id: str
    source: str
    counts: dict[str, int]
    k: int | None
    k_range: list
    seed: Any
    status: str
    message: str
    schema_version: Any
    generated_at: str
    voxpop_version: str
    timings: list[tuple[str, float]]
    options: dict
    groups: list[GroupView]
    statements: list[StatementView]
    points: list[Point]
    consensus_agree: list[StatementView]
    consensus_disagree: list[StatementView]
    gic: list[StatementView]
    bridging: list[StatementView]
    divisive: list[StatementView]
    places: Any
    themes: Any
    notes: list[str] = field(default_factory=list)
    silhouette: list[tuple[str, float]] = field(default_factory=list)  # (k, score) for each k tried
    reference: dict[str, dict[str, int]] = field(default_factory=dict)  # group id -> source group -> people
    common_ground: list[Finding] = field(default_factory=list)  # a majority of every group, same side
    splits: list[Finding] = field(default_factory=list)  # one group mostly agrees, another mostly disagrees

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def too_few_votes(self) -> bool:
        return self.status == "too_few_votes"

    def group(self, gid: Any) -> GroupView | None:
        for g in self.groups:
            if g.id == key(gid):
                return g
        return None


def _text(v: Any, default: str = "") -> str:
    if v is None:
        return default
    return v if isinstance(v, str) else str(v)


def _statement(d: Mapping) -> StatementView:
    by_group = {}
    for row in as_list(d.get("by_group")):
        row = as_dict(row)
        if "group" in row:
            by_group[key(row["group"])] = Votes.of(row)
    cons = d.get("consensus")
    return StatementView(
        id=key(d.get("id")), text=_text(d.get("text")), votes=Votes.of(d), by_group=by_group,
        consensus=dict(cons) if isinstance(cons, Mapping) else None,
        gic=num(d.get("group_informed_consensus")), bridging=num(d.get("bridging")),
        bridging_factor=num(d.get("bridging_factor")), divisiveness=num(d.get("divisiveness")),
        extremity=num(d.get("extremity")), x=num(d.get("x")), y=num(d.get("y")),
        moderated_out=bool(d.get("moderated_out")), meta=bool(d.get("meta")),
        support=dict(d["support"]) if isinstance(d.get("support"), Mapping) else None,
    )


def _findings(items: Any, kind: str, lookup, groups: list[GroupView]) -> list[Finding]:
    by_id = {g.id: g for g in groups}
    out = []
    for item in as_list(items):
        item = as_dict(item)
        if item.get("statement") is None:
            continue
        sides = []
        for r in as_list(item.get("groups")):
            r = as_dict(r)
            g, agree = by_id.get(key(r.get("group"))), num(r.get("agree"))
            if g is not None and agree is not None:
                sides.append(GroupSide(g, agree, count(r.get("n_agree")) + count(r.get("n_disagree"))))
        direction = "split" if kind == "split" else ("disagree" if item.get("direction") == "disagree" else "agree")
        score = num(item.get("gap" if kind == "split" else "floor")) or 0.0
        out.append(Finding(lookup(item["statement"]), direction, score, sides,
                           [by_id[key(t)] for t in as_list(item.get("too_few")) if key(t) in by_id]))
    return out


def build_view(document: Any, *, title: str | None = None, max_list: int = 10,
               group_names: Mapping[str, str] | None = None) -> ReportView:
    """Normalise an analysis document. `max_list` caps each ranked list (consensus, bridging, ...);
    `group_names` maps group ids to the organiser's names for them."""
    if not isinstance(document, Mapping):
        raise ValueError(
            "the analysis document must be a JSON object (see docs/analysis-schema.md); "
            f"got {type(document).__name__}"
        )
    notes: list[str] = []
    meta = as_dict(document.get("meta"))
    conv = as_dict(meta.get("conversation"))

    statements: list[StatementView] = []
    by_id: dict[str, StatementView] = {}
    for d in as_list(document.get("statements")):
        if isinstance(d, Mapping) and d.get("id") is not None:
            s = _statement(d)
            if s.id not in by_id:
                statements.append(s)
                by_id[s.id] = s

    def lookup(sid: Any) -> StatementView:
        sid = key(sid)
        if sid not in by_id:
            notes.append(f"statement {sid!r} is listed but missing from the statements table")
            by_id[sid] = StatementView(id=sid, text="(statement text not in the document)", votes=Votes(),
                                       by_group={}, known=False)
        return by_id[sid]

    def ranked(v: Any) -> list[StatementView]:
        return [lookup(s) for s in as_list(v)[:max_list] if s is not None]

    raw_groups = [g for g in as_list(document.get("groups")) if isinstance(g, Mapping)]
    total = sum(count(g.get("size")) for g in raw_groups)
    groups: list[GroupView] = []
    for i, g in enumerate(raw_groups):
        c = as_list(g.get("center"))
        cx, cy = (num(c[0]), num(c[1])) if len(c) >= 2 else (None, None)
        size = count(g.get("size"))
        gv = GroupView(id=key(g.get("id", i)), index=i, style=group_style(i), size=size,
                       share=size / total if total else 0.0,
                       center=(cx, cy) if cx is not None and cy is not None else None)
        name = (group_names or {}).get(gv.id)
        gv.name = name.strip() if isinstance(name, str) and name.strip() else None
        for r in as_list(g.get("representative")):
            r = as_dict(r)
            if r.get("statement") is None:
                continue
            direction = "disagree" if r.get("direction") == "disagree" else "agree"
            gv.representative.append(RepView(
                statement=lookup(r["statement"]), direction=direction, votes=Votes.of(r),
                p=num(r.get("p")), p_test=num(r.get("p_test")), r=num(r.get("r")),
                r_test=num(r.get("r_test")), repness=num(r.get("repness"))))
        groups.append(gv)
    gindex = {g.id: g.index for g in groups}

    points: list[Point] = []
    reference: dict[str, dict[str, int]] = {}
    for p in as_list(document.get("participants")):
        p = as_dict(p)
        ref, gid = p.get("reference_group"), p.get("group")
        if ref is not None and gid is not None and key(gid) in gindex:
            row = reference.setdefault(key(gid), {})
            row[key(ref)] = row.get(key(ref), 0) + 1
        x, y = num(p.get("x")), num(p.get("y"))
        if x is None or y is None:
            continue
        gid = p.get("group")
        points.append(Point(x, y, gindex.get(key(gid)) if gid is not None else None))

    counts = {k: count(v) for k, v in as_dict(meta.get("counts")).items()}
    counts.setdefault("participants", len(as_list(document.get("participants"))))
    counts.setdefault("statements", len(statements))
    counts.setdefault("votes", 0)
    timings = [(k, v) for k, v in ((k, num(v)) for k, v in as_dict(meta.get("timings")).items())
               if v is not None]
    cons = as_dict(document.get("consensus"))
    k = num(meta.get("k"))
    if not isinstance(document.get("common_ground"), list):  # a document from before common_ground
        from voxpop.analysis.common_ground import fill

        document = fill(dict(document))
    status = _text(meta.get("status"), "ok")
    return ReportView(
        title=title or _text(conv.get("title")) or _text(conv.get("id")) or "Untitled conversation",
        conversation_id=_text(conv.get("id")), source=_text(conv.get("source")), counts=counts,
        k=int(k) if k is not None else (len(groups) or None), k_range=as_list(meta.get("k_range")),
        seed=meta.get("seed"), status=status, message=in_reader_language(_text(meta.get("message"))),
        schema_version=meta.get("schema_version"), generated_at=_text(meta.get("generated_at")),
        voxpop_version=_text(meta.get("voxpop_version")), timings=timings,
        options=as_dict(meta.get("options")), groups=groups, statements=statements, points=points,
        consensus_agree=ranked(cons.get("agree")), consensus_disagree=ranked(cons.get("disagree")),
        gic=ranked(document.get("group_informed_consensus")), bridging=ranked(document.get("bridging")),
        divisive=ranked(document.get("divisive")),
        places=document.get("places"), themes=document.get("themes"), notes=notes,
        silhouette=sorted(((key(k), v) for k, v in ((k, num(v)) for k, v in as_dict(meta.get("silhouette")).items())
                           if v is not None), key=lambda t: (len(t[0]), t[0])),
        reference=reference,
        common_ground=_findings(as_list(document.get("common_ground"))[:max(max_list, 20)], "common", lookup,
                                groups),
        splits=_findings(as_list(document.get("splits"))[:max(max_list, 20)], "split", lookup, groups),
    )
