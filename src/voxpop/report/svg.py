"""Accessible SVG drawings of an analysis: the opinion map, vote bars by group, small bar charts.

Every function returns `markupsafe.Markup` (safe to drop into an autoescaping Jinja template); every
piece of text that came from the document goes through `escape`. Charts are `role="img"` with a
`<title>`/`<desc>` or an `aria-label`; the numbers are also printed as text next to them.
Put `svg_defs()` once in any page that shows vote bars (it holds the hatching for "disagree").
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from voxpop.report.palette import AGREE, DISAGREE, OUTLINE, PASS, UNGROUPED, GroupStyle, fill_attrs, glyph
from voxpop.report.view import GroupView, Point, ReportView, StatementView, Votes

HATCH_ID = "vp-hatch"
# fonts as attributes too, so the drawings read well in pages without the report's CSS
FONT = 'font-family="system-ui,-apple-system,Segoe UI,Roboto,DejaVu Sans,sans-serif" font-size="12"'


def _f(v: float) -> str:
    s = f"{v:.1f}"
    return s[:-2] if s.endswith(".0") else s


def _halo(fill: str, ink: str) -> str:
    """A thin outline of the segment colour around white text, so hatching never lowers its contrast."""
    return f' stroke="{fill}" stroke-width="2.5" paint-order="stroke"' if ink == "#fff" else ""


def pct(x: float | None) -> str:
    return "–" if x is None else f"{round(100 * x)}%"


def svg_defs() -> Markup:
    """Hidden shared definitions (the diagonal hatching drawn over "disagree")."""
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" width="0" height="0" style="position:absolute" aria-hidden="true" focusable="false">'
        f'<defs><pattern id="{HATCH_ID}" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="2.2" height="6" fill="#fff" fill-opacity=".45"/>'
        '</pattern></defs></svg>'
    )


def glyph_icon(style: GroupStyle, size: int = 14) -> Markup:
    """A small legend marker for a group (decorative: the letter next to it carries the meaning)."""
    c = size / 2
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="vp-glyph" width="{size}" height="{size}" viewBox="0 0 {size} {size}" '
        f'aria-hidden="true" focusable="false"><path d="M{_f(c)} {_f(c)}{glyph(style.shape, size * 0.36)}" '
        f'{fill_attrs(style)}/></svg>'
    )


# ---------------------------------------------------------------- vote bars


def _segments(v: Votes, x0: float, y: float, w: float, h: float) -> list[str]:
    out = []
    if not v.n_seen:
        out.append(f'<rect x="{_f(x0)}" y="{_f(y)}" width="{_f(w)}" height="{_f(h)}" fill="#fff" '
                   f'stroke="{OUTLINE}" stroke-dasharray="3 2"/>')
        out.append(f'<text x="{_f(x0 + 6)}" y="{_f(y + h - 4)}" class="vp-t" fill="#333">not seen</text>')
        return out
    x = x0
    for share, fill, ink in ((v.agree, AGREE, "#fff"), (v.disagree, DISAGREE, "#fff"), (v.passed, PASS, "#111")):
        sw = w * share
        if sw <= 0:
            continue
        out.append(f'<rect x="{_f(x)}" y="{_f(y)}" width="{_f(sw)}" height="{_f(h)}" fill="{fill}"/>')
        if fill == DISAGREE:
            out.append(f'<rect x="{_f(x)}" y="{_f(y)}" width="{_f(sw)}" height="{_f(h)}" '
                       f'fill="url(#{HATCH_ID}) none"/>')
        if sw >= 30:
            out.append(f'<text x="{_f(x + sw / 2)}" y="{_f(y + h - 4)}" text-anchor="middle" class="vp-t" '
                       f'fill="{ink}"{_halo(fill, ink)}>{pct(share)}</text>')
        x += sw
    out.append(f'<rect x="{_f(x0)}" y="{_f(y)}" width="{_f(w)}" height="{_f(h)}" fill="none" '
               f'stroke="{OUTLINE}" stroke-width=".8"/>')
    return out


def vote_summary(label: str, v: Votes) -> str:
    if not v.n_seen:
        return f"{label}: not seen"
    return (f"{label}: {pct(v.agree)} agree, {pct(v.disagree)} disagree, {pct(v.passed)} pass "
            f"of {v.n_seen}")


def vote_bars(statement: StatementView, groups: Sequence[GroupView], *, highlight: str | None = None,
              include_all: bool = True) -> Markup:
    """Agree / disagree / pass of everyone and of EVERY group on one statement, one row each.

    `highlight` (a group id) draws that row's label in bold, e.g. the group the statement represents.
    """
    rows: list[tuple[str, GroupStyle | None, Votes, bool]] = []
    if include_all:
        rows.append(("All", None, statement.votes, False))
    for g in groups:
        rows.append((g.letter, g.style, statement.by_group.get(g.id, Votes()), g.id == highlight))
    W, row_h, bar_h, x0, bw = 300, 22, 17, 36, 206
    H = row_h * len(rows) + 2
    label = "; ".join(vote_summary("everyone" if s is None else f"group {name}", v)
                      for name, s, v, _ in rows)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="vp-bars" {FONT} viewBox="0 0 {W} {H}" role="img" '
           f'aria-label="Votes on statement {escape(statement.id)}. {escape(label)}">']
    for i, (name, style, v, strong) in enumerate(rows):
        y = 1 + i * row_h
        ty = y + bar_h - 4
        weight = ' font-weight="700"' if strong else ""
        if style is None:
            out.append(f'<text x="0" y="{_f(ty)}" class="vp-t" fill="#111"{weight}>{escape(name)}</text>')
        else:
            out.append(f'<path d="M7 {_f(y + bar_h / 2)}{glyph(style.shape, 5)}" {fill_attrs(style)}/>')
            out.append(f'<text x="16" y="{_f(ty)}" class="vp-t" fill="{style.ink}"{weight}>'
                       f'{escape(name)}</text>')
        out.extend(_segments(v, x0, y, bw, bar_h))
        out.append(f'<text x="{W}" y="{_f(ty)}" text-anchor="end" class="vp-t vp-n" fill="#333">'
                   f'n={v.n_seen}</text>')
    out.append("</svg>")
    return Markup("".join(out))


def mini_bar(v: Votes, width: int = 90, height: int = 10) -> Markup:
    """A tiny unlabelled agree/disagree/pass bar for tables (the numbers sit in nearby cells)."""
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="vp-mini" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
           f'aria-hidden="true" focusable="false">']
    x = 0.0
    for share, fill in ((v.agree, AGREE), (v.disagree, DISAGREE), (v.passed, PASS)):
        if share > 0:
            out.append(f'<rect x="{_f(x)}" width="{_f(width * share)}" height="{height}" fill="{fill}"/>')
            if fill == DISAGREE:
                out.append(f'<rect x="{_f(x)}" width="{_f(width * share)}" height="{height}" '
                           f'fill="url(#{HATCH_ID}) none"/>')
            x += width * share
    out.append(f'<rect width="{width}" height="{height}" fill="none" stroke="{OUTLINE}" stroke-width=".8"/>')
    out.append("</svg>")
    return Markup("".join(out))


# ---------------------------------------------------------------- generic horizontal bars


@dataclass
class Bar:
    label: str
    value: float | None  # None = suppressed / unknown: text is shown instead of a bar
    text: str  # printed at the end of the row, e.g. "42% (n=120)" or "fewer than 5"
    colour: str = "#0072B2"


def bar_chart(bars: Sequence[Bar], *, title: str, max_value: float | None = None,
              ref: tuple[float, str] | None = None) -> Markup:
    """Labelled horizontal bars (coverage by region, theme sizes, ...).

    `ref` = (value, label) draws a dashed reference line, e.g. (1.0, "in proportion").
    """
    if not bars:
        return Markup("")
    vals = [b.value for b in bars if b.value is not None] + ([ref[0]] if ref else [])
    top = max_value if max_value else (max(vals) if vals and max(vals) > 0 else 1.0)
    W, row_h, bw = 320, 36, 170  # label above its bar; the end text after the bar
    top_pad = 14 if ref else 0
    H = row_h * len(bars) + 2 + top_pad
    desc = "; ".join(f"{b.label}: {b.text}" for b in bars)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="vp-chart" {FONT} viewBox="0 0 {W} {H}" role="img" '
           f'aria-label="{escape(title)}. {escape(desc)}">']
    if ref:
        rx = max(0.0, min(1.0, ref[0] / top)) * bw
        out.append(f'<path d="M{_f(rx)} 12V{H}" stroke="#111" stroke-dasharray="3 3"/>'
                   f'<text x="{_f(rx)}" y="10" text-anchor="middle" class="vp-t" fill="#111">'
                   f'{escape(ref[1])}</text>')
    halo = 'paint-order="stroke" stroke="#fff" stroke-width="3" stroke-linejoin="round"'
    for i, b in enumerate(bars):
        y = 1 + top_pad + i * row_h
        label = b.label if len(b.label) <= 48 else b.label[:47] + "…"
        out.append(f'<text x="0" y="{_f(y + 11)}" class="vp-t" fill="#111" {halo}>'
                   f'<title>{escape(b.label)}</title>{escape(label)}</text>')
        by = y + 15
        if b.value is not None:
            w = max(0.0, min(1.0, b.value / top)) * bw
            out.append(f'<rect y="{_f(by)}" width="{_f(w)}" height="15" fill="{escape(b.colour)}"/>')
            tx = w + 4
        else:
            out.append(f'<rect y="{_f(by)}" width="{bw}" height="15" fill="none" '
                       f'stroke="{OUTLINE}" stroke-dasharray="3 2"/>')
            tx = 6
        out.append(f'<text x="{_f(tx)}" y="{_f(by + 12)}" class="vp-t" fill="#222" {halo}>'
                   f'{escape(b.text)}</text>')
    out.append("</svg>")
    return Markup("".join(out))


def share_bars(rows: Sequence[tuple[str, float | None, float | None, float | None, str]], *,
               title: str) -> Markup:
    """Stacked agree/disagree/pass bars from shares: rows of (label, agree, disagree, pass, end text).

    A row whose agree share is None is drawn as an empty dashed box with its text (e.g. "fewer than 5").
    """
    W, row_h, bar_h, x0, bw = 300, 22, 17, 66, 176
    H = row_h * len(rows) + 2
    desc = "; ".join(f"{lab}: " + " ".join(x for x in (
        f"{pct(a)} agree, {pct(d)} disagree, {pct(p)} pass" if a is not None else "", t) if x)
        for lab, a, d, p, t in rows)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="vp-bars" {FONT} viewBox="0 0 {W} {H}" role="img" '
           f'aria-label="{escape(title)}. {escape(desc)}">']
    for i, (lab, a, d, p, text) in enumerate(rows):
        y = 1 + i * row_h
        ty = y + bar_h - 4
        out.append(f'<text x="0" y="{_f(ty)}" class="vp-t" fill="#111">{escape(lab)}</text>')
        if a is None:
            out.append(f'<rect x="{x0}" y="{_f(y)}" width="{bw}" height="{bar_h}" fill="none" '
                       f'stroke="{OUTLINE}" stroke-dasharray="3 2"/><text x="{x0 + 6}" y="{_f(ty)}" '
                       f'class="vp-t" fill="#222">{escape(text)}</text>')
            continue
        x = float(x0)
        for share, fill, ink in ((a, AGREE, "#fff"), (d or 0.0, DISAGREE, "#fff"), (p or 0.0, PASS, "#111")):
            sw = bw * max(0.0, min(1.0, share))
            if sw <= 0:
                continue
            out.append(f'<rect x="{_f(x)}" y="{_f(y)}" width="{_f(sw)}" height="{bar_h}" fill="{fill}"/>')
            if fill == DISAGREE:
                out.append(f'<rect x="{_f(x)}" y="{_f(y)}" width="{_f(sw)}" height="{bar_h}" '
                           f'fill="url(#{HATCH_ID}) none"/>')
            if sw >= 30:
                out.append(f'<text x="{_f(x + sw / 2)}" y="{_f(ty)}" text-anchor="middle" class="vp-t" '
                           f'fill="{ink}"{_halo(fill, ink)}>{pct(share)}</text>')
            x += sw
        out.append(f'<rect x="{x0}" y="{_f(y)}" width="{bw}" height="{bar_h}" fill="none" '
                   f'stroke="{OUTLINE}" stroke-width=".8"/>')
        out.append(f'<text x="{W}" y="{_f(ty)}" text-anchor="end" class="vp-t vp-n" fill="#333">'
                   f'{escape(text)}</text>')
    out.append("</svg>")
    return Markup("".join(out))


# ---------------------------------------------------------------- opinion map


def _hull(pts: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Convex hull (Andrew's monotone chain)."""
    pts = sorted(set(pts))
    if len(pts) <= 2:
        return pts

    def cross(o, a, b):
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list = []
    upper: list = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


def _where(dx: float, dy: float, spread: float) -> str:
    """Rough position words for the text description ("upper left", "centre", ...)."""
    t = spread * 0.15
    v = "upper" if dy > t else "lower" if dy < -t else ""
    h = "right" if dx > t else "left" if dx < -t else ""
    return " ".join(w for w in (v, h) if w) or "centre"


def opinion_map(view: ReportView, *, width: int = 480, height: int | None = None, max_dots: int = 4000,
                id_prefix: str = "vp-map", show_statements: bool = False) -> Markup:
    """Participants as dots placed by how they voted, coloured AND shaped by group, labelled A, B, ...

    Up to `max_dots` participants are drawn one mark each. Above that, participants are binned on a
    48 x 36 grid per group and each cell gets one mark whose area grows with its count, so the file
    stays small (about 400 kB at most) for any number of participants. `height=None` follows the
    shape of the cloud (between 0.6 and 1.0 of the width), so the marks fill the frame.
    """
    title_id, desc_id = f"{id_prefix}-title", f"{id_prefix}-desc"
    pts = view.points
    if height is None:
        if pts:
            spread_x = max(p.x for p in pts) - min(p.x for p in pts)
            spread_y = max(p.y for p in pts) - min(p.y for p in pts)
            ratio = spread_y / spread_x if spread_x > 0 else 1.0
        else:
            ratio = 0.75
        height = int(round(width * max(0.6, min(1.0, ratio))))
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="vp-map" {FONT} viewBox="0 0 {width} {height}" role="img" '
            f'aria-labelledby="{title_id} {desc_id}"><title id="{title_id}">Opinion map: '
            f'{escape(view.title)}</title>')
    if not pts:
        desc = "No map yet: " + (view.message or "there are too few votes to place participants.")
        return Markup(f'{head}<desc id="{desc_id}">{escape(desc)}</desc>'
                      f'<rect width="{width}" height="{height}" fill="#f4f4f4"/>'
                      f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" class="vp-t" '
                      f'fill="#333">No map yet: too few votes</text></svg>')
    xs = [p.x for p in pts]
    ys = [p.y for p in pts]
    xmin, xmax, ymin, ymax = min(xs), max(xs), min(ys), max(ys)
    pad = 22
    dx, dy = max(xmax - xmin, 1e-9), max(ymax - ymin, 1e-9)
    scale = min((width - 2 * pad) / dx, (height - 2 * pad) / dy)
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2

    def sx(x: float) -> float:
        return width / 2 + (x - cx) * scale

    def sy(y: float) -> float:
        return height / 2 - (y - cy) * scale

    by_group: dict[int | None, list[Point]] = {}
    for p in pts:
        by_group.setdefault(p.group, []).append(p)
    binned = len(pts) > max_dots
    out = [head]
    parts = []
    for g in view.groups:
        parts.append(f"{g.label}, {g.size} people, drawn as {g.style.shape_name}")
    n_un = len(by_group.get(None, []))
    desc = (f"{len(pts)} participants placed by how they voted; people close together voted alike. "
            + ("; ".join(parts) + ". " if parts else "")
            + (f"{n_un} participants with too few votes to be grouped, in grey. " if n_un else "")
            + ("Marks are binned: a larger mark stands for more people. " if binned else "")
            + "A table of the groups follows the map.")
    out.append(f'<desc id="{desc_id}">{escape(desc)}</desc>')
    out.append(f'<rect width="{width}" height="{height}" fill="#fff"/>')
    if xmin <= 0 <= xmax:
        out.append(f'<path d="M{_f(sx(0))} 0V{height}" stroke="#e2e2e2"/>')
    if ymin <= 0 <= ymax:
        out.append(f'<path d="M0 {_f(sy(0))}H{width}" stroke="#e2e2e2"/>')
    # hulls first, so every dot sits on top of every hull
    for g in view.groups:
        members = by_group.get(g.index, [])
        hull = _hull([(round(sx(p.x), 1), round(sy(p.y), 1)) for p in members])
        if len(hull) >= 3:
            d = "M" + "L".join(f"{_f(x)} {_f(y)}" for x, y in hull) + "Z"
            out.append(f'<path d="{d}" fill="{g.style.colour}" fill-opacity=".09" stroke="{g.style.colour}" '
                       f'stroke-opacity=".55" stroke-linejoin="round"/>')
    order = [(g.index, g.style) for g in view.groups] + [(None, None)]
    for gi, style in order:
        members = by_group.get(gi, [])
        if not members:
            continue
        shape = style.shape if style else "circle"
        r = 3.4 if style else 2.4
        attrs = fill_attrs(style) if style else f'fill="{UNGROUPED}"'
        if not binned:
            d = "".join(f"M{_f(sx(p.x))} {_f(sy(p.y))}{glyph(shape, r)}" for p in members)
        else:
            cells: dict[tuple[int, int], list[float]] = {}
            for p in members:
                c = (int((sx(p.x) / width) * 48), int((sy(p.y) / height) * 36))
                acc = cells.setdefault(c, [0.0, 0.0, 0])
                acc[0] += sx(p.x)
                acc[1] += sy(p.y)
                acc[2] += 1
            top = max(a[2] for a in cells.values())
            d = "".join(
                f"M{_f(a[0] / a[2])} {_f(a[1] / a[2])}{glyph(shape, 2.2 + 4.5 * math.sqrt(a[2] / top))}"
                for a in cells.values())
        out.append(f'<path d="{d}" {attrs} stroke-linejoin="round" fill-opacity=".85"/>')
    if show_statements:
        marks = []
        for st in view.statements:
            if st.x is None or st.y is None or st.moderated_out:
                continue
            x = min(max(sx(st.x), 6), width - 6)
            y = min(max(sy(st.y), 6), height - 6)
            marks.append(f'<g><title>#{escape(st.id)}: {escape(st.text[:200])}</title>'
                         f'<path d="M{_f(x)} {_f(y)}{glyph("diamond", 2.4)}" fill="#333"/>'
                         f'<text x="{_f(x + 5)}" y="{_f(y + 4)}" class="vp-s" font-size="9" fill="#333">{escape(st.id)}</text></g>')
        out.append('<g class="vp-statements">' + "".join(marks) + "</g>")
    for g in view.groups:
        members = by_group.get(g.index, [])
        if g.center is not None:
            gx, gy = sx(g.center[0]), sy(g.center[1])
        elif members:
            gx = sum(sx(p.x) for p in members) / len(members)
            gy = sum(sy(p.y) for p in members) / len(members)
        else:
            continue
        text = f"{g.letter} · {g.size:,}"
        tw = 12 + 9.2 * len(text)
        lx = min(max(gx - tw / 2, 2), width - tw - 2)
        ly = gy - 12.5
        if 0 < len(members) <= 12:  # a small group: put its label beside its marks, not over them
            top, bottom = min(sy(p.y) for p in members), max(sy(p.y) for p in members)
            ly = top - 32 if top - 32 >= 2 else bottom + 8
        ly = min(max(ly, 2), height - 27)
        out.append(f'<g class="vp-label"><rect x="{_f(lx)}" y="{_f(ly)}" width="{_f(tw)}" height="25" rx="12.5" '
                   f'fill="#fff" fill-opacity=".92" stroke="{g.style.colour}" stroke-width="2"/>'
                   f'<text x="{_f(lx + tw / 2)}" y="{_f(ly + 18)}" text-anchor="middle" fill="{g.style.ink}" '
                   f'font-weight="700" font-size="15" class="vp-lt">{escape(text)}</text></g>')
    out.append("</svg>")
    return Markup("".join(out))


def map_positions(view: ReportView) -> dict[str, str]:
    """Group id -> rough position words on the map (for the text alternative)."""
    pts = [g.center for g in view.groups if g.center is not None]
    if len(pts) < 2:
        return {}
    mx = sum(p[0] for p in pts) / len(pts)
    my = sum(p[1] for p in pts) / len(pts)
    spread = max(max(abs(p[0] - mx), abs(p[1] - my)) for p in pts) or 1.0
    return {g.id: _where(g.center[0] - mx, g.center[1] - my, spread)
            for g in view.groups if g.center is not None}
