"""Jinja2 environment and the one-file HTML report."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from voxpop import i18n
from voxpop.report import charts, svg, words
from voxpop.report.palette import AGREE, DISAGREE, PASS
from voxpop.report.places import build_places
from voxpop.report.themes import build_themes
from voxpop.report.view import build_view, group_extremes, num

TEMPLATES_DIR = Path(__file__).parent / "templates"


def fmt_num(v: Any, digits: int = 2) -> str:
    x = num(v)
    if x is None:
        return "–"
    if x.is_integer() and abs(x) < 1e15:
        return f"{int(x):,}"
    return f"{x:,.{digits}f}"


def fmt_pct(v: Any) -> str:
    return svg.pct(num(v))


def install(env: jinja2.Environment) -> jinja2.Environment:
    """Make the report's templates, drawing functions and filters available in another environment.

    The web pages call this on their own Environment, then `{% import "report/macros.html" as r %}`.
    """
    loader = jinja2.FileSystemLoader(str(TEMPLATES_DIR))
    env.loader = jinja2.ChoiceLoader([env.loader, loader]) if env.loader else loader
    env.globals.update(
        opinion_map=svg.opinion_map, vote_bars=svg.vote_bars, mini_bar=svg.mini_bar, bar_chart=svg.bar_chart,
        Bar=svg.Bar, glyph_icon=svg.glyph_icon, svg_defs=svg.svg_defs, map_positions=svg.map_positions,
        support_chart=charts.support_chart, coverage_chart=charts.coverage_chart,
        weighted_groups_chart=charts.weighted_groups_chart, share_bars=svg.share_bars,
        theme_bars=charts.theme_bars, cell_bars=charts.cell_bars,
        group_extremes=group_extremes, group_sentence=words.group_sentence,
        finding_sentence=words.finding_sentence, count_words=words.count_words,
        vote_colours={"agree": AGREE, "disagree": DISAGREE, "pass": PASS},
    )
    env.filters.update(num=fmt_num, pct=fmt_pct, share_words=words.share_words)
    if "gettext" not in env.globals:  # the report speaks the reader's language too (English outside a request)
        i18n.install(env)
    return env


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.ChainableUndefined)
    return install(env)


def render_html(document: Mapping[str, Any], *, title: str | None = None, max_list: int = 10,
                max_dots: int = 4000, layout: dict | None = None) -> str:
    """The analysis document as ONE self-contained HTML page (inline CSS and SVG, no scripts, no fetches).

    `title` overrides the conversation title; `max_list` caps each ranked list of statements;
    `max_dots` is how many participants the map draws one by one before it bins them. `layout` is a map
    of the places (voxpop.places.layout); without one, the packaged UK map is drawn when the places are the
    UK's 2016 counting areas.
    """
    view = build_view(document, title=title, max_list=max_list)
    places = build_places(view.places, view)
    pmap = None
    if places is not None:
        from voxpop.places.layout import default_layout_for
        from voxpop.report.placemap import place_map
        from voxpop.report.view import as_dict, as_list

        ids = {str(p.get("id")) for p in as_list(as_dict(view.places).get("places")) if isinstance(p, dict)}
        layout = layout or (default_layout_for(ids) if ids else None)
        pmap = place_map(layout, view.places) if layout else None
    themes = build_themes(view.themes)
    css = Markup((TEMPLATES_DIR / "report" / "report.css").read_text(encoding="utf-8"))
    return environment().get_template("report/report.html").render(
        v=view, places=places, themes=themes, css=css, max_dots=max_dots, pmap=pmap,
        positions=svg.map_positions(view),
    )
