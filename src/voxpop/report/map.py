"""The opinion map: participants placed by how they voted, one colour + shape + letter per group."""

from __future__ import annotations

import math

from markupsafe import Markup, escape

from voxpop import i18n
from voxpop.i18n import N_
from voxpop.report.fmt import FONT, _f
from voxpop.report.palette import UNGROUPED, fill_attrs, glyph
from voxpop.report.view import Point, ReportView


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


# each rough position as a whole phrase, so that a language can put its words in its own order
POSITIONS = {("upper", "left"): N_("upper left"), ("upper", "right"): N_("upper right"),
             ("lower", "left"): N_("lower left"), ("lower", "right"): N_("lower right"),
             ("upper", ""): N_("upper"), ("lower", ""): N_("lower"), ("", "left"): N_("left"),
             ("", "right"): N_("right"), ("", ""): N_("centre")}


def _where(dx: float, dy: float, spread: float) -> str:
    """Rough position words for the text description ("upper left", "centre", ...), in English."""
    t = spread * 0.15
    v = "upper" if dy > t else "lower" if dy < -t else ""
    h = "right" if dx > t else "left" if dx < -t else ""
    return POSITIONS[(v, h)]


def opinion_map(view: ReportView, *, width: int = 480, height: int | None = None, max_dots: int = 4000,
                id_prefix: str = "vp-map", show_statements: bool = False, label_size: float = 15) -> Markup:
    """Participants as dots placed by how they voted, coloured AND shaped by group, labelled A, B, ...

    Up to `max_dots` participants are drawn one mark each. Above that, participants are binned on a
    48 x 36 grid per group and each cell gets one mark whose area grows with its count, so the file
    stays small (about 400 kB at most) for any number of participants. `height=None` follows the
    shape of the cloud (between 0.6 and 1.0 of the width), so the marks fill the frame. `label_size` is the
    group labels' text size in drawing units (pick it with the width the page draws the map at).
    """
    title_id, desc_id = escape(f"{id_prefix}-title"), escape(f"{id_prefix}-desc")
    pts = view.points
    if height is None:
        if pts:
            spread_x = max(p.x for p in pts) - min(p.x for p in pts)
            spread_y = max(p.y for p in pts) - min(p.y for p in pts)
            ratio = spread_y / spread_x if spread_x > 0 else 1.0
        else:
            ratio = 0.75
        height = int(round(width * max(0.6, min(1.0, ratio))))
    map_title = i18n._("Opinion map: %(title)s", title=view.title)
    no_map = i18n._("No map yet: too few votes")
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="vp-map" {FONT} viewBox="0 0 {width} {height}" role="img" '
            f'aria-labelledby="{title_id} {desc_id}"><title id="{title_id}">'
            f'{escape(map_title)}</title>')
    if not pts:
        desc = i18n._("No map yet: %(why)s", why=view.message or i18n._("there are too few votes to place participants."))
        return Markup(f'{head}<desc id="{desc_id}">{escape(desc)}</desc>'
                      f'<rect width="{width}" height="{height}" fill="#f4f4f4"/>'
                      f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" class="vp-t" '
                      f'fill="#333">{escape(no_map)}</text></svg>')
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
        parts.append(i18n._("%(group)s, %(n)s people, drawn as %(shape)s", group=g.label, n=g.size,
                            shape=i18n._(g.style.shape_name)))
    n_un = len(by_group.get(None, []))
    desc = (i18n._("%(n)s participants placed by how they voted; people close together voted alike.", n=len(pts))
            + " " + ("; ".join(parts) + ". " if parts else "")
            + (i18n._("%(n)s participants with too few votes to be grouped, in grey.", n=n_un) + " " if n_un else "")
            + (i18n._("Marks are binned: a larger mark stands for more people.") + " " if binned else "")
            + i18n._("A table of the groups follows the map."))
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
        k = label_size / 15
        tw, th = (12 + 9.2 * len(text)) * k, 25 * k
        lx = min(max(gx - tw / 2, 2), width - tw - 2)
        ly = gy - th / 2
        if 0 < len(members) <= 12:  # a small group: put its label beside its marks, not over them
            top, bottom = min(sy(p.y) for p in members), max(sy(p.y) for p in members)
            ly = top - th - 7 if top - th - 7 >= 2 else bottom + 8
        ly = min(max(ly, 2), height - th - 2)
        out.append(f'<g class="vp-label"><rect x="{_f(lx)}" y="{_f(ly)}" width="{_f(tw)}" height="{_f(th)}" '
                   f'rx="{_f(th / 2)}" fill="#fff" fill-opacity=".92" stroke="{g.style.colour}" stroke-width="2"/>'
                   f'<text x="{_f(lx + tw / 2)}" y="{_f(ly + 18 * k)}" text-anchor="middle" fill="{g.style.ink}" '
                   f'font-weight="700" style="font-size:{_f(label_size)}px" class="vp-lt">{escape(text)}</text></g>')
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
    return {g.id: i18n._(_where(g.center[0] - mx, g.center[1] - my, spread))
            for g in view.groups if g.center is not None}
