"""Bar lists for the places and themes sections (drawn by svg.bar_chart / svg.share_bars)."""

from __future__ import annotations

from markupsafe import Markup

from voxpop import i18n
from voxpop.report.places import CoverageRow, PlacesView, SupportRow
from voxpop.report.svg import Bar, bar_chart, pct, share_bars
from voxpop.report.themes import Cell, Theme
from voxpop.report.view import ReportView


def support_chart(row: SupportRow, fewer: str) -> Markup:
    rows: list[tuple[str, float | None, float | None, float | None, str]] = []
    for key, name, sh in (("voted", i18n._("as voted"), row.unweighted), ("weighted", i18n._("weighted"), row.weighted)):
        if sh is None:
            continue
        if sh.suppressed or sh.agree is None:
            rows.append((name, None, None, None, fewer))
            continue
        n = sh.n_effective if key == "weighted" and sh.n_effective is not None else sh.n
        rows.append((name, sh.agree, sh.disagree, sh.passed, f"n={n:,.0f}" if n is not None else ""))
    return share_bars(rows, title=i18n._("Support for statement %(n)s, as voted and weighted by place",
                                         n=row.statement.id))


def coverage_chart(rows: list[CoverageRow], dim: str, fewer: str) -> Markup:
    bars = []
    for r in rows:
        if r.suppressed:
            bars.append(Bar(r.label, None, i18n._("hidden so that a smaller place next to it stays private")
                            if r.protects else fewer))
            continue
        bits = [f"{r.ratio:.2f}×" if r.ratio is not None else "",
                i18n.ngettext("%(num)s person", "%(num)s people", r.participants) if r.participants is not None
                else ""]
        bars.append(Bar(r.label, r.ratio if r.ratio is not None else 0.0, " · ".join(b for b in bits if b) or "–"))
    ratios = [r.ratio for r in rows if r.ratio is not None]
    top = max(1.5, min(3.0, max(ratios, default=1.0)))  # one outlier must not squash every other bar
    return bar_chart(bars, title=i18n._("Coverage by %(dim)s: voices relative to population share (1 = in "
                                        "proportion)", dim=i18n._(dim.replace("_", " "))),
                     ref=(1.0, i18n._("in proportion")), max_value=top)


def weighted_groups_chart(places: PlacesView, view: ReportView) -> Markup:
    bars = []
    for gid, share, wshare in places.groups:
        g = view.group(gid)
        if g is None:
            continue
        bars.append(Bar(i18n._("%(group)s as voted", group=g.label), share, pct(share), g.style.colour))
        bars.append(Bar(i18n._("%(group)s weighted", group=g.label), wshare, pct(wshare), g.style.ink))
    return bar_chart(bars, title=i18n._("Size of each opinion group, as voted and weighted by place"), max_value=1.0)


def _sentences(n: int) -> str:
    return i18n.ngettext("%(num)s sentence", "%(num)s sentences", n)


def theme_bars(themes: list[Theme]) -> list[Bar]:
    return [Bar(t.label, t.share if t.share is not None else float(t.size),
                (pct(t.share) + " · " if t.share is not None else "") + _sentences(t.size), "#6A3D9A")
            for t in themes]


def cell_bars(cells: list[Cell], min_speakers: int) -> list[Bar]:
    return [Bar(c.label or "–", None if c.suppressed else c.share,
                i18n.ngettext("fewer than %(num)s person", "fewer than %(num)s people", min_speakers)
                if c.suppressed else
                (pct(c.share) + (f" ({_sentences(c.n_claims)})" if c.n_claims is not None else "")), "#6A3D9A")
            for c in cells]
