"""The report in real Chromium: nothing fetched, no console errors, fits a phone, keyboard reachable."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from report_fixtures import add_places, make_document, make_themes

from voxpop.report import render_html

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("VOXPOP_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def report_browser(browser):
    """The session's one Chromium (tests/conftest.py): one sync Playwright per test session."""
    return browser


@pytest.fixture(scope="module")
def report_file(tmp_path_factory) -> Path:
    doc = add_places(make_document(n_participants=300, k=4, hostile=True))
    doc["themes"] = make_themes(hostile=True)
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(render_html(doc), encoding="utf-8")
    return path


@pytest.mark.parametrize("width,height", [(390, 844), (1280, 900)])
def test_offline_no_errors_and_fits(report_browser, report_file, width, height):
    page = report_browser.new_page(viewport={"width": width, "height": height})
    requests, problems = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning")
            else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    page.goto(report_file.as_uri())
    page.wait_for_load_state("load")
    assert requests == [report_file.as_uri()], requests
    assert problems == []
    # nothing wider than the screen (tables scroll inside their own region)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # the map and bars are drawn at a readable size
    box = page.locator("svg.vp-map").bounding_box()
    assert box and box["width"] >= min(width - 60, 600) * 0.9
    page.close()


def test_keyboard_reaches_sections_and_opens_details(report_browser, report_file):
    page = report_browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(report_file.as_uri())
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to the report"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#map"
    summary = page.locator("#statements summary")
    summary.focus()
    page.keyboard.press("Enter")
    assert page.locator("#statements details").get_attribute("open") is not None
    assert page.locator("table.all tbody tr").count() == 8
    page.close()


def test_bar_chart_end_texts_are_never_cut_off(report_browser, report_file):
    """The text after a full-length bar ("14% · 20 sentences", longer in Welsh) stays inside the drawing: it used to
    run past the 300-unit viewBox and be clipped ("20 sentence") on the listening page and in the report."""
    from markupsafe import Markup

    from voxpop.report.svg import Bar, bar_chart

    charts = [bar_chart([Bar("Hospital and appointments", 0.14, "14% · 20 sentences"),
                         Bar("Banks", 0.13, "13% · 18 sentences")], title="Share of all sentences in each theme"),
              bar_chart([Bar("Gogledd Cymru", 1.0, "100% (1,234 brawddeg o'r lle hwn)"),
                         Bar("De Cymru", None, "llai na 5 o bobl")], title="Cyfran", max_value=1.0)]
    page = report_browser.new_page(viewport={"width": 390, "height": 844})
    import voxpop.web
    css = (Path(voxpop.web.__file__).parent / "static" / "css" / "voxpop.css").read_text(encoding="utf-8")
    page.set_content(str(Markup("<!doctype html><meta charset=utf-8><style>%s</style><main>") % Markup(css)
                         + Markup("").join(charts)))
    for source in ("set_content", "report"):
        if source == "report":
            page.goto(report_file.as_uri())
        cut = page.evaluate("""() => [...document.querySelectorAll('svg.vp-chart')].flatMap(svg => {
            const w = svg.viewBox.baseVal.width;
            return [...svg.querySelectorAll('text')].map(t => [t.textContent, t.getBBox().x + t.getBBox().width - w])
                .filter(([, over]) => over > 0.5); })""")
        assert cut == [], f"{source}: texts cut off at the right edge (text, units over): {cut}"
    page.close()
