"""The map of places: a layout (voxpop.places.layout) coloured by coverage or by support, as server-side SVG.

No text is drawn inside the SVG (the legend and the table are HTML, so they read at body size on any
screen). Each shape is a link to its row in the table alternative, titled with the place and its value,
so the map works by keyboard and with a screen reader. Values come from the analysis document's `places`
section, which is already suppressed (voxpop.places.suppression, complementary): a place with fewer than
`min_cell` voices has no numbers there and is drawn grey ("too few voices to show"), one hidden to protect a
smaller neighbour is drawn a lighter grey and says so; a place nobody has spoken from yet is "not yet heard".
Nothing here counts participants itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape

from voxpop import i18n
from voxpop.i18n import N_
from voxpop.report.view import as_dict, as_list, key, num

COVERAGE = ("#c6dbef", "#6baed6", "#2171b5", "#08306b")  # sequential blues, light = fewer voices
SUPPORT = ("#762a83", "#af8dc3", "#eee3c4", "#7fbf7b", "#1b7837")  # purple (disagree) .. green (agree)
TOO_FEW = "#c8c8c8"
HIDDEN = "#dedede"
NOT_HEARD = "#ffffff"
SUPPORT_LABELS = (N_("fewer than 2 in 10 agree"), N_("2 to 4 in 10 agree"), N_("about half agree"),
                  N_("6 to 8 in 10 agree"), N_("more than 8 in 10 agree"))


@dataclass
class Band:
    colour: str
    label: str
    count: int = 0  # places in this band


@dataclass
class MapRow:
    id: str
    name: str
    region: str
    value: str  # what the table and the shape's title say
    band: int  # index into PlaceMap.bands


@dataclass
class PlaceMap:
    mode: str  # "coverage" or a statement id
    title: str
    svg: Markup
    bands: list[Band]
    rows: list[MapRow] = field(default_factory=list)
    shapes: int = 0


def _nice(x: float) -> float:
    """x rounded to 2 significant figures (legend breaks people can read)."""
    if x <= 0:
        return 0.0
    from math import floor, log10

    p = 10 ** (floor(log10(x)) - 1)
    return round(x / p) * p


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if x >= 10 or x == int(x) else f"{x:,.1f}"


def _coverage(records: list[dict], min_cell: int) -> tuple[list[Band], dict[str, tuple[int, str]]]:
    shown = sorted(v for r in records if (v := num(r.get("voices_per_100k"))) is not None and v > 0)
    breaks: list[float] = []
    if shown:
        qs = [shown[min(len(shown) - 1, int(len(shown) * q))] for q in (0.25, 0.5, 0.75)]
        breaks = sorted({_nice(b) for b in qs if b > 0})
    hidden = i18n._("not shown, so that a smaller count nearby cannot be worked out")
    too_few = i18n._("too few voices to show (fewer than %(n)s)", n=min_cell)
    not_heard = i18n._("not yet heard")
    bands = [Band(NOT_HEARD, not_heard), Band(TOO_FEW, too_few), Band(HIDDEN, hidden)]
    edges = [0.0, *breaks, float("inf")]
    colours = COVERAGE[-(len(edges) - 1):] if len(edges) - 1 <= len(COVERAGE) else COVERAGE
    for i in range(len(edges) - 1):
        lo, hi = edges[i], edges[i + 1]
        label = (i18n._("up to %(hi)s voices per 100,000 people", hi=_fmt(hi)) if i == 0 else
                 i18n._("%(lo)s or more voices per 100,000 people", lo=_fmt(lo)) if hi == float("inf") else
                 i18n._("%(lo)s to %(hi)s voices per 100,000 people", lo=_fmt(lo), hi=_fmt(hi)))
        bands.append(Band(colours[i], label))
    values: dict[str, tuple[int, str]] = {}
    for r in records:
        band = str(r.get("participants_band") or "0")
        v = num(r.get("voices_per_100k"))
        if band == "0":
            values[key(r.get("id"))] = (0, not_heard)
        elif v is None and band.startswith("<"):
            values[key(r.get("id"))] = (1, too_few)
        elif v is None:  # enough voices, but hidden to protect a smaller neighbour (complementary suppression)
            values[key(r.get("id"))] = (2, hidden)
        else:
            i = next(j for j in range(len(edges) - 1) if v < edges[j + 1] or j == len(edges) - 2)
            values[key(r.get("id"))] = (3 + i, i18n._("%(n)s voices per 100,000 people", n=_fmt(v)))
    return bands, values


def _support(section: dict, sid: str, min_cell: int) -> tuple[list[Band], dict[str, tuple[int, str]]]:
    bd = as_dict(section.get("breakdowns"))
    cols = [str(c) for c in as_list(bd.get("columns"))]
    need = ("statement", "group", "dimension", "cell", "w_agree")
    bands = [Band(TOO_FEW, i18n._("not shown: fewer than %(n)s voices, or hidden to protect a smaller count",
                                  n=min_cell))]
    bands += [Band(c, i18n._(lab)) for c, lab in zip(SUPPORT, SUPPORT_LABELS, strict=True)]
    values: dict[str, tuple[int, str]] = {}
    if not all(c in cols for c in need):
        return bands, values
    ix = {c: cols.index(c) for c in need}
    for row in as_list(bd.get("rows")):
        if not isinstance(row, list) or len(row) < len(cols):
            continue
        if key(row[ix["statement"]]) != sid or row[ix["group"]] is not None or row[ix["dimension"]] != "place":
            continue
        v = num(row[ix["w_agree"]])
        if v is None:
            continue
        band = min(4, int(v * 5))
        values[key(row[ix["cell"]])] = (1 + band, i18n._("%(pct)s%% agree (weighted)", pct=round(100 * v)))
    return bands, values


def place_map(layout: dict, section: Any, *, mode: str = "coverage", statement_text: str | None = None,
              id_prefix: str = "place-map") -> PlaceMap | None:
    """The map of `layout` coloured by coverage (mode "coverage") or by the weighted agree share of the
    statement whose id is `mode`. None when there is no layout or no places section."""
    section = as_dict(section)
    shapes = [s for s in as_list(as_dict(layout).get("shapes")) if isinstance(s, dict) and s.get("d")]
    if not shapes or not section:
        return None
    min_cell = int(num(section.get("min_cell")) or 5)
    records = [as_dict(p) for p in as_list(section.get("places"))]
    by_id = {key(p.get("id")): p for p in records}
    if mode == "coverage":
        bands, values = _coverage(records, min_cell)
        title = i18n._("Where voices come from: voices per 100,000 people in each place")
        missing = (1, i18n._("too few voices to show (fewer than %(n)s)", n=min_cell))
    else:
        bands, values = _support(section, mode, min_cell)
        title = i18n._("Support by place for “%(statement)s”", statement=statement_text or mode)
        missing = (0, bands[0].label)
    title_id, desc_id = f"{id_prefix}-title", f"{id_prefix}-desc"
    w, h = num(layout.get("width")) or 600, num(layout.get("height")) or 600
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="vp-placemap" viewBox="0 0 {w:g} {h:g}" '
             f'role="group" aria-labelledby="{title_id}" aria-describedby="{desc_id}">'
             f'<title id="{title_id}">{escape(title)}</title>']
    seen: dict[str, MapRow] = {}
    body = []
    for s in shapes:
        pid = key(s.get("place"))
        rec = by_id.get(pid)
        band, text = values.get(pid, missing)
        name = str((rec or {}).get("name") or s.get("name") or pid)
        shape_name = str(s.get("name") or "")
        if not shape_name or shape_name in (str(s.get("id")), pid):
            shape_name = name
        label = f"{shape_name}: {text}" if shape_name == name else f"{shape_name} ({name}): {text}"
        stroke = ' stroke="#767676" stroke-width="0.8"' if bands[band].colour == NOT_HEARD else ' stroke="#fff" stroke-width="0.4"'
        body.append(f'<a href="#{id_prefix}-row-{escape(pid)}" aria-label="{escape(label)}"><title>{escape(label)}'
                    f'</title><path d="{escape(s["d"])}" fill="{bands[band].colour}"{stroke}/></a>')
        if pid not in seen and rec is not None:
            parent = by_id.get(key(rec.get("parent")))
            seen[pid] = MapRow(pid, name, str((parent or {}).get("name") or ""), text, band)
    for row in seen.values():
        bands[row.band].count += 1
    summary = "; ".join(i18n._("%(band)s: %(n)s places", band=b.label, n=b.count) for b in bands if b.count)
    desc = i18n._("%(n)s shapes, one per place, each the same size. %(summary)s. A table of every place follows "
                  "the map.", n=len(shapes), summary=summary)
    parts.append(f'<desc id="{desc_id}">{escape(desc)}</desc>')
    parts.extend(body)
    parts.append("</svg>")
    rows = sorted(seen.values(), key=lambda r: (r.region, r.name))
    return PlaceMap(mode=mode, title=title, svg=Markup("".join(parts)), bands=bands, rows=rows, shapes=len(shapes))
