"""Bar lists for the places and themes sections (turned into SVG by svg.bar_chart)."""

from __future__ import annotations

from voxpop.report.palette import AGREE, DISAGREE
from voxpop.report.places import CoverageRow, SupportRow
from voxpop.report.svg import Bar, pct
from voxpop.report.themes import Cell, Theme


def support_bars(row: SupportRow) -> list[Bar]:
    bars = []
    for name, sh in (("unweighted", row.unweighted), ("weighted", row.weighted)):
        if sh is None:
            continue
        if sh.agree is not None:
            n = f" (n={sh.n:,.0f})" if sh.n is not None else ""
            bars.append(Bar(f"{name}: agree", sh.agree, pct(sh.agree) + n, AGREE))
        if sh.disagree is not None:
            bars.append(Bar(f"{name}: disagree", sh.disagree, pct(sh.disagree), DISAGREE))
    return bars


def coverage_bars(rows: list[CoverageRow]) -> list[Bar]:
    return [Bar(r.label or "–", r.value, r.text) for r in rows]


def theme_bars(themes: list[Theme]) -> list[Bar]:
    return [Bar(t.label, t.share if t.share is not None else float(t.size),
                (pct(t.share) + " · " if t.share is not None else "") + f"{t.size} sentences", "#6A3D9A")
            for t in themes]


def cell_bars(cells: list[Cell], min_speakers: int) -> list[Bar]:
    return [Bar(c.label or "–", None if c.suppressed else c.share,
                f"fewer than {min_speakers} people" if c.suppressed else
                (pct(c.share) + (f" ({c.n_claims} sentences)" if c.n_claims is not None else "")), "#6A3D9A")
            for c in cells]
