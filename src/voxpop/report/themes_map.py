"""The map of themes by place: each shape of a layout (voxpop.places.layout) filled with the colour AND the
pattern of the theme its place's people spoke about most (voxpop.places.themes), as server-side SVG.

Like the map of places (voxpop.report.placemap): no text inside the SVG (the legend and the table are HTML),
each shape is a link to its place's row in the table, titled with the place and what it shows, so the map
works by keyboard and with a screen reader; colour is never the only cue (each theme also has its own
pattern, drawn in the legend too). The data is already suppressed: a place with too few people is grey
and says so, and nothing here counts people itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape

from voxpop import i18n
from voxpop.i18n import N_
from voxpop.report.placemap import HIDDEN, NOT_HEARD, TOO_FEW
from voxpop.report.view import as_dict, as_list, key

# Okabe & Ito's colour-blind-safe set, each with the pattern drawn over it and the colour of its marks
STYLES = (("#0072b2", "solid", "#ffffff"), ("#e69f00", "stripes", "#3a2800"), ("#009e73", "dots", "#ffffff"),
          ("#cc79a7", "cross", "#3b1030"), ("#56b4e9", "hlines", "#0b2a40"), ("#d55e00", "grid", "#ffffff"),
          ("#f0e442", "backstripes", "#3d3a00"), ("#7a5c99", "vlines", "#ffffff"))
OTHER_STYLE = ("#505050", "dots", "#ffffff")  # a theme that leads somewhere once the styles run out
LEVEL_WORDS = {"area": N_("area"), "region": N_("region"), "nation": N_("nation"), "country": N_("country"),
               "ward": N_("ward"), "district": N_("district"), "county": N_("county")}


def said(text: str, lang: str) -> Markup:
    """Words people said (a theme's name), marked with their language so a screen reader reads them in it."""
    if not lang or lang == "und":
        return escape(text)
    if i18n.text_direction() == "rtl":  # isolated: a left-to-right name keeps its own order in a right-to-left page
        return Markup('<span lang="{}" dir="auto">{}</span>').format(lang, text)
    return Markup('<span lang="{}">{}</span>').format(lang, text)


def _comma() -> str:
    """The list separator of the reader's language (Arabic writes "،")."""
    return "، " if i18n.current() == "ar" else ", "


@dataclass
class Key:
    colour: str
    pattern: str  # "solid", "stripes", ... ; "" for the grey bands
    mark: str
    label: str
    count: int = 0  # places shown with it
    pattern_id: str = ""
    lang: str = ""  # a theme's name is in the language of the testimony it came from ("" for our own words)

    @property
    def named(self) -> Markup:
        """The label, marked with its language when it is a theme's name (what people said, not translated)."""
        return said(self.label, self.lang)

    def swatch(self) -> Markup:
        """A legend swatch drawn with the same colour and pattern as the map (decorative: the label says it)."""
        fill = f"url(#{self.pattern_id})" if self.pattern_id else self.colour
        return Markup(f'<svg class="sw-pattern" width="28" height="18" viewBox="0 0 28 18" aria-hidden="true" '
                      f'focusable="false"><rect x="0.5" y="0.5" width="27" height="17" fill="{escape(fill)}" '
                      f'stroke="#505050"/></svg>')


@dataclass
class Row:
    id: str
    name: str
    region: str
    status: str  # shown | too_few | hidden
    text: str  # what the table's theme cell and the shape's title say
    key: int  # index into ThemesMap.keys
    n_people: int | None = None
    n_testimonies: int | None = None
    themes: list[dict] = field(default_factory=list)  # each theme mentioned: label, n_people, share
    html: Markup = Markup("")  # `text` for the table, theme names marked with their language


@dataclass
class ThemesMap:
    title: str
    level: str  # the level's name in the reader's language
    coarser: bool  # shown at a coarser level than the testimony named, for want of people
    svg: Markup | None  # None when there is no layout to draw
    keys: list[Key]
    rows: list[Row]
    min_cell: int
    n_people: int
    not_placed: dict
    id_prefix: str = "themes-map"
    unmatched: list[dict] = field(default_factory=list)  # organisers only: place names that matched no place


def level_word(level: str | None) -> str:
    return i18n._(LEVEL_WORDS[level]) if level in LEVEL_WORDS else (level or i18n._("place"))


def _pattern(pid: str, colour: str, kind: str, mark: str) -> str:
    s = 5  # pattern tile in map units (a hex is about 14 units across)
    marks = {"solid": "",
             "stripes": f'<path d="M0 {s}L{s} 0" stroke="{mark}" stroke-width="1.3"/>',
             "backstripes": f'<path d="M0 0L{s} {s}" stroke="{mark}" stroke-width="1.3"/>',
             "dots": f'<circle cx="{s / 2}" cy="{s / 2}" r="1.1" fill="{mark}"/>',
             "cross": f'<path d="M0 {s}L{s} 0M0 0L{s} {s}" stroke="{mark}" stroke-width="0.9"/>',
             "hlines": f'<path d="M0 {s / 2}H{s}" stroke="{mark}" stroke-width="1.3"/>',
             "vlines": f'<path d="M{s / 2} 0V{s}" stroke="{mark}" stroke-width="1.3"/>',
             "grid": f'<path d="M0 {s / 2}H{s}M{s / 2} 0V{s}" stroke="{mark}" stroke-width="0.9"/>'}[kind]
    return (f'<pattern id="{pid}" patternUnits="userSpaceOnUse" width="{s}" height="{s}">'
            f'<rect width="{s}" height="{s}" fill="{colour}"/>{marks}</pattern>')


def themes_map(data: Any, layout: dict | None, place_of: dict[str, str], *, id_prefix: str = "themes-map",
               names: dict[str, str] | None = None) -> ThemesMap:
    """The map and table of `data` (voxpop.places.themes.themes_by_place). `place_of` maps a layout shape's
    place id to the id of the place shown for it (its ancestor at the level shown); `names` gives places
    their names in the reader's language (by place id; the others keep the names in `data` and the layout),
    and the table is in the order of those names."""
    names = names or {}
    data = as_dict(data)
    min_cell = int(data.get("min_cell") or 5)
    level = level_word(data.get("level"))
    # grouped by a coarser level than the testimony names because too few people came from each smaller place
    coarser = not data.get("level_asked") and data.get("finest") is not None and data.get("level") != data.get("finest")
    keys = [Key(NOT_HEARD, "", "", i18n._("no testimony from here")),
            Key(TOO_FEW, "", "", i18n._("too few to show (fewer than %(n)s people)", n=min_cell)),
            Key(HIDDEN, "", "", i18n._("not shown, so that a smaller count nearby cannot be worked out"))]
    style_of: dict[str, int] = {}
    for i, t in enumerate(as_list(data.get("themes"))):
        t = as_dict(t)
        colour, kind, mark = STYLES[i] if i < len(STYLES) else OTHER_STYLE
        label = str(t.get("label") or t.get("theme"))
        style_of[key(t.get("theme"))] = len(keys)
        keys.append(Key(colour, kind, mark, label, pattern_id=f"{id_prefix}-p{i}", lang=str(t.get("language") or "")))
    rows: list[Row] = []
    for r in as_list(data.get("places")):
        r = as_dict(r)
        status = str(r.get("status"))
        top = as_dict(r.get("top"))
        if status == "shown" and top:
            named = [(str(top.get("label")), str(top.get("language") or ""))]
            tied = {key(x) for x in as_list(top.get("tied_with"))}
            named += [(str(c.get("label")), str(c.get("language") or "")) for c in map(as_dict, as_list(r.get("themes")))
                      if key(c.get("theme")) in tied]
            labels = [label for label, _ in named]
            marked = [said(label, lang) for label, lang in named]
            text = labels[0] if len(labels) == 1 else i18n._("%(theme)s (tied with %(others)s)", theme=labels[0],
                                                              others=_comma().join(labels[1:]))
            html = marked[0] if len(marked) == 1 else Markup(i18n._("%(theme)s (tied with %(others)s)")) % {
                "theme": marked[0], "others": Markup(_comma()).join(marked[1:])}
            k = style_of.get(key(top.get("theme")), 0)
        else:
            if status == "shown":
                text, k = i18n._("nothing said here fell into a theme"), 0
            elif status == "hidden":
                text, k = keys[2].label, 2
            else:
                text, k = keys[1].label, 1
            html = escape(text)
        themes = [{"label": str(c.get("label")), "named": said(str(c.get("label")), str(c.get("language") or "")),
                   "n_people": c.get("n_people"), "share": c.get("share")} for c in map(as_dict, as_list(r.get("themes")))]
        pid, parent = key(r.get("id")), key(r.get("parent")) if r.get("parent") is not None else ""
        rows.append(Row(pid, names.get(pid) or str(r.get("name") or pid),
                        names.get(parent) or str(r.get("parent_name") or ""),
                        status, text, k, r.get("n_people"), r.get("n_testimonies"), themes, html=html))
    if names:  # in the order of the names the reader reads
        rows.sort(key=lambda row: (row.region.casefold(), row.name.casefold()))
    for row in rows:
        keys[row.key].count += 1
    title = i18n._("The theme people from each %(level)s spoke about most", level=level)
    svg = _svg(layout, rows, keys, place_of, title, id_prefix, names) if layout else None
    unmatched = [as_dict(u) for u in as_list(data.get("unmatched"))]
    return ThemesMap(title, level, coarser, svg, keys, rows, min_cell, int(data.get("n_people") or 0),
                     as_dict(data.get("not_placed")), id_prefix, unmatched)


def _svg(layout: dict, rows: list[Row], keys: list[Key], place_of: dict[str, str], title: str,
         id_prefix: str, names: dict[str, str]) -> Markup | None:
    shapes = [s for s in as_list(as_dict(layout).get("shapes")) if isinstance(s, dict) and s.get("d")]
    if not shapes:
        return None
    by_id = {r.id: r for r in rows}
    w, h = float(layout.get("width") or 600), float(layout.get("height") or 600)
    title_id, desc_id = f"{id_prefix}-title", f"{id_prefix}-desc"
    defs = "".join(_pattern(k.pattern_id, k.colour, k.pattern, k.mark) for k in keys if k.pattern_id)
    body = []
    for s in shapes:
        pid = place_of.get(key(s.get("place")))
        row = by_id.get(pid) if pid is not None else None
        name = names.get(key(s.get("id") or s.get("place"))) or str(s.get("name") or s.get("place"))
        if row is None:
            k, text, where = keys[0], keys[0].label, name
        else:
            k, text = keys[row.key], row.text
            where = name if name == row.name else f"{name} ({row.name})"
        label = f"{where}: {text}"
        fill = f"url(#{k.pattern_id})" if k.pattern_id else k.colour
        stroke = ' stroke="#767676" stroke-width="0.8"' if k.colour == NOT_HEARD else ' stroke="#fff" stroke-width="0.4"'
        path = f'<path d="{escape(s["d"])}" fill="{fill}"{stroke}/>'
        if row is None:  # nothing to find in the table: not a link, not a tab stop
            body.append(f'<g><title>{escape(label)}</title>{path}</g>')
        else:
            body.append(f'<a href="#{id_prefix}-row-{escape(row.id)}" aria-label="{escape(label)}">'
                        f'<title>{escape(label)}</title>{path}</a>')
    summary = "; ".join(i18n._("%(band)s: %(n)s places", band=k.label, n=k.count) for k in keys if k.count)
    desc = i18n._("%(n)s shapes, each the same size, coloured and patterned by the theme of the place they belong "
                  "to. %(summary)s. A table of every place follows the map.", n=len(shapes), summary=summary)
    return Markup(f'<svg xmlns="http://www.w3.org/2000/svg" class="vp-themesmap" viewBox="0 0 {w:g} {h:g}" '
                  f'role="group" aria-labelledby="{title_id}" aria-describedby="{desc_id}">'
                  f'<title id="{title_id}">{escape(title)}</title><desc id="{desc_id}">{escape(desc)}</desc>'
                  f'<defs>{defs}</defs>{"".join(body)}</svg>')
