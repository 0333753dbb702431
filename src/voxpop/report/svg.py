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

from voxpop import i18n
from voxpop.report.fmt import FONT, _f
from voxpop.report.map import map_positions, opinion_map  # noqa: F401  (re-exported: the map lives in map.py)
from voxpop.report.palette import AGREE, DISAGREE, OUTLINE, PASS, GroupStyle, fill_attrs, glyph
from voxpop.report.view import GroupView, StatementView, Votes

HATCH_ID = "vp-hatch"


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
        not_seen = escape(i18n._("not seen"))
        out.append(f'<text x="{_f(x0 + 6)}" y="{_f(y + h - 5)}" class="vp-t" fill="#333">{not_seen}</text>')
        return out
    return out + _stack(x0, y, w, h, (v.agree, v.disagree, v.passed))


def _stack(x0: float, y: float, w: float, h: float, shares: tuple[float, float, float]) -> list[str]:
    """A stacked agree / disagree (hatched) / pass bar with percent labels on wide segments, outlined."""
    out, x = [], x0
    for share, fill, ink in zip(shares, (AGREE, DISAGREE, PASS), ("#fff", "#fff", "#111"), strict=True):
        sw = w * max(0.0, min(1.0, share))
        if sw <= 0:
            continue
        out.append(f'<rect x="{_f(x)}" y="{_f(y)}" width="{_f(sw)}" height="{_f(h)}" fill="{fill}"/>')
        if fill == DISAGREE:
            out.append(f'<rect x="{_f(x)}" y="{_f(y)}" width="{_f(sw)}" height="{_f(h)}" '
                       f'fill="url(#{HATCH_ID}) none"/>')
        if sw >= 42:
            out.append(f'<text x="{_f(x + sw / 2)}" y="{_f(y + h - 5)}" text-anchor="middle" class="vp-t" '
                       f'fill="{ink}"{_halo(fill, ink)}>{pct(share)}</text>')
        x += sw
    out.append(f'<rect x="{_f(x0)}" y="{_f(y)}" width="{_f(w)}" height="{_f(h)}" fill="none" '
               f'stroke="{OUTLINE}" stroke-width=".8"/>')
    return out


def vote_summary(label: str, v: Votes) -> str:
    if not v.n_seen:
        return i18n._("%(who)s: not seen", who=label)
    return i18n._("%(who)s: %(agree)s agree, %(disagree)s disagree, %(pass)s pass of %(n)s", who=label,
                  agree=pct(v.agree), disagree=pct(v.disagree), **{"pass": pct(v.passed)}, n=v.n_seen)


def vote_bars(statement: StatementView, groups: Sequence[GroupView], *, highlight: str | None = None,
              include_all: bool = True) -> Markup:
    """Agree / disagree / pass of everyone and of EVERY group on one statement, one row each.

    `highlight` (a group id) draws that row's label in bold, e.g. the group the statement represents.
    """
    rows: list[tuple[str, GroupStyle | None, Votes, bool]] = []
    if include_all:
        rows.append((i18n._("All"), None, statement.votes, False))
    for g in groups:
        rows.append((g.letter, g.style, statement.by_group.get(g.id, Votes()), g.id == highlight))
    W, row_h, bar_h, x0, bw = 250, 26, 21, 40, 150  # drawn 1:1: fits a phone card (about 254 px)
    H = row_h * len(rows) + 2
    label = "; ".join(vote_summary(i18n._("everyone") if s is None else i18n._("group %(letter)s", letter=name), v)
                      for name, s, v, _ in rows)
    votes_on = i18n._("Votes on statement %(n)s.", n=statement.id)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="vp-bars" {FONT} width="{W}" viewBox="0 0 {W} {H}" role="img" '
           f'aria-label="{escape(votes_on)} {escape(label)}">']
    for i, (name, style, v, strong) in enumerate(rows):
        y = 1 + i * row_h
        ty = y + bar_h - 5
        weight = ' font-weight="700"' if strong else ""
        if style is None:
            out.append(f'<text x="0" y="{_f(ty)}" class="vp-t" fill="#111"{weight}>{escape(name)}</text>')
        else:
            out.append(f'<path d="M7 {_f(y + bar_h / 2)}{glyph(style.shape, 5)}" {fill_attrs(style)}/>')
            out.append(f'<text x="15" y="{_f(ty)}" class="vp-t" fill="{style.ink}"{weight}>'
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


def _text_width(text: str) -> float:
    """A generous estimate of a text's width in 15px sans-serif (.vp-t), from DejaVu Sans (a wide face, Linux's
    default) measured in Chromium: digits and most lower case 9.5, capitals up to 11.8, m w % 14-15."""
    return sum(15.0 if c in "mwMW%—…" else 6.0 if c in " fijlrt.,:;'·()[]|!-" else 11.8 if c.isupper() else 9.5
               for c in text)


def bar_chart(bars: Sequence[Bar], *, title: str, max_value: float | None = None,
              ref: tuple[float, str] | None = None) -> Markup:
    """Labelled horizontal bars (coverage by region, theme sizes, ...).

    `ref` = (value, label) draws a dashed reference line, e.g. (1.0, "in proportion").
    """
    if not bars:
        return Markup("")
    vals = [b.value for b in bars if b.value is not None] + ([ref[0]] if ref else [])
    top = max_value if max_value else (max(vals) if vals and max(vals) > 0 else 1.0)
    # label above its bar; the end text after the bar. The drawing is never narrower than its texts (an end
    # text past the viewBox is cut off: "20 sentence"): a long end text first shortens the bars (to 90 at
    # least), then widens the drawing, which the page scales down to fit.
    row_h = 44
    need = max(_text_width(b.text) for b in bars) + 6
    bw = max(90.0, min(150.0, 300 - 4 - need))
    labels = max(_text_width(b.label if len(b.label) <= 34 else b.label[:33] + "…") for b in bars) + 2
    W = math.ceil(max(300.0, bw + 4 + need, labels))
    top_pad = 20 if ref else 0
    H = row_h * len(bars) + 2 + top_pad
    desc = "; ".join(f"{b.label}: {b.text}" for b in bars)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="vp-chart" {FONT} width="{W}" viewBox="0 0 {W} {H}" role="img" '
           f'aria-label="{escape(title)}. {escape(desc)}">']
    if ref:
        rx = max(0.0, min(1.0, ref[0] / top)) * bw
        out.append(f'<path d="M{_f(rx)} 18V{H}" stroke="#111" stroke-dasharray="3 3"/>'
                   f'<text x="{_f(rx)}" y="14" text-anchor="middle" class="vp-t" fill="#111">'
                   f'{escape(ref[1])}</text>')
    halo = 'paint-order="stroke" stroke="#fff" stroke-width="3" stroke-linejoin="round"'
    for i, b in enumerate(bars):
        y = 1 + top_pad + i * row_h
        label = b.label if len(b.label) <= 34 else b.label[:33] + "…"
        out.append(f'<text x="0" y="{_f(y + 15)}" class="vp-t" fill="#111" {halo}>'
                   f'<title>{escape(b.label)}</title>{escape(label)}</text>')
        by = y + 21
        if b.value is not None:
            w = max(0.0, min(1.0, b.value / top)) * bw
            out.append(f'<rect y="{_f(by)}" width="{_f(max(w, 2.0))}" height="18" fill="{escape(b.colour)}"/>')
            tx = w + 4
        else:
            out.append(f'<rect y="{_f(by)}" width="{_f(bw)}" height="18" fill="none" '
                       f'stroke="{OUTLINE}" stroke-dasharray="3 2"/>')
            tx = 6
        out.append(f'<text x="{_f(tx)}" y="{_f(by + 14)}" class="vp-t" fill="#222" {halo}>'
                   f'{escape(b.text)}</text>')
    out.append("</svg>")
    return Markup("".join(out))


def share_bars(rows: Sequence[tuple[str, float | None, float | None, float | None, str]], *,
               title: str) -> Markup:
    """Stacked agree/disagree/pass bars from shares: rows of (label, agree, disagree, pass, end text).

    A row whose agree share is None is drawn as an empty dashed box with its text (e.g. "fewer than 5").
    """
    W, row_h, bar_h, x0, bw = 250, 26, 21, 76, 118
    H = row_h * len(rows) + 2
    desc = "; ".join(f"{lab}: " + " ".join(x for x in (
        i18n._("%(agree)s agree, %(disagree)s disagree, %(pass)s pass", agree=pct(a), disagree=pct(d),
               **{"pass": pct(p)}) if a is not None else "", t) if x)
        for lab, a, d, p, t in rows)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="vp-bars" {FONT} width="{W}" viewBox="0 0 {W} {H}" role="img" '
           f'aria-label="{escape(title)}. {escape(desc)}">']
    for i, (lab, a, d, p, text) in enumerate(rows):
        y = 1 + i * row_h
        ty = y + bar_h - 5
        out.append(f'<text x="0" y="{_f(ty)}" class="vp-t" fill="#111">{escape(lab)}</text>')
        if a is None:
            out.append(f'<rect x="{x0}" y="{_f(y)}" width="{bw}" height="{bar_h}" fill="none" '
                       f'stroke="{OUTLINE}" stroke-dasharray="3 2"/><text x="{x0 + 6}" y="{_f(ty)}" '
                       f'class="vp-t" fill="#222">{escape(text)}</text>')
            continue
        out += _stack(float(x0), y, bw, bar_h, (a, d or 0.0, p or 0.0))
        out.append(f'<text x="{W}" y="{_f(ty)}" text-anchor="end" class="vp-t vp-n" fill="#333">'
                   f'{escape(text)}</text>')
    out.append("</svg>")
    return Markup("".join(out))

