"""The analysis document (docs/analysis-schema.md) drawn as accessible SVG and one self-contained HTML file.

    from voxpop.report import render_html
    html = render_html(document)               # str: one file, opens offline

Pieces for other pages (see docs/report.md): `build_view` (document -> plain objects), the SVG
functions in `voxpop.report.svg`, and `install(env)` which adds the report's Jinja macros
(`report/macros.html`), drawing functions and filters to another Jinja2 Environment.
"""

from voxpop.report.render import TEMPLATES_DIR, environment, install, render_html
from voxpop.report.svg import bar_chart, mini_bar, opinion_map, svg_defs, vote_bars
from voxpop.report.view import ReportView, build_view

__all__ = [
    "TEMPLATES_DIR", "ReportView", "bar_chart", "build_view", "environment", "install", "mini_bar",
    "opinion_map", "render_html", "svg_defs", "vote_bars",
]
