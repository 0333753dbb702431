"""Themes by place in real Chromium on the `voxpop demo` server: the map, its key and its table on the results
page and the listening page, at phone and desktop width; the map by keyboard; a place with too few people
says so and shows no theme; axe-core finds nothing in the section."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect
from test_pages_browser import _axe, _basic_checks, sign_in

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"
PHONE = {"viewport": {"width": 320, "height": 720}, "is_mobile": True, "has_touch": True, "device_scale_factor": 1}


def _check_section(page) -> None:
    section = page.locator("#themes-by-place")
    expect(section.get_by_role("heading", name="Themes by place")).to_be_visible()
    svg = section.locator("svg.vp-themesmap")
    expect(svg).to_be_visible()
    assert svg.locator("path").count() >= 380  # one shape per district of the packaged UK map
    assert svg.locator("a").count() >= 300  # the districts of regions with testimony link to their row
    # the key: each theme has a swatch drawn with its colour and its pattern, and its name in words
    legend = section.locator(".themes-legend li")
    assert legend.count() >= 3
    fills = section.locator(".themes-legend rect").evaluate_all("rs => rs.map(r => r.getAttribute('fill'))")
    assert sum(f.startswith("url(#themes-map-p") for f in fills) >= 2
    # the table: one row per region of the demo; the ones with too few people say so and show no theme
    table = section.get_by_role("table").first
    expect(table).to_be_visible()
    rows = table.locator("tbody tr")
    assert rows.count() >= 10
    too_few = table.locator("tbody tr.too_few")
    assert too_few.count() >= 1
    expect(too_few.first).to_contain_text("too few to show (fewer than 5 people)")
    shown = table.locator("tbody tr.shown").first
    theme = shown.locator("td").last.inner_text()
    assert theme and "too few" not in theme
    # counts and shares are behind a details element
    details = section.locator("details", has_text="Counts and shares by place")
    expect(details.locator("dl")).to_be_hidden()
    details.locator("summary").click()
    expect(details.locator("dl")).to_be_visible()
    expect(details.locator("dl dd").first).to_contain_text("(")  # "Theme: 4 (44%)"
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the page scrolls sideways by {overflow}px"


def test_results_page_shows_themes_by_place(demo_server, browser):
    for options in (PHONE, {"viewport": {"width": 1280, "height": 900}}):
        ctx = browser.new_context(bypass_csp=True, **options)
        page = ctx.new_page()
        page.set_default_timeout(15_000)
        page.goto(demo_server.urls["results"])
        _check_section(page)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.locator("#themes-by-place").screenshot(
            path=str(ARTIFACTS / f"themes-by-place-{options['viewport']['width']}.png"), timeout=60_000)
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        problems = _basic_checks(page) + _axe(page)
        assert not problems, problems
        ctx.close()


def test_themes_map_works_by_keyboard(demo_server, desktop):
    page = desktop
    page.goto(demo_server.urls["results"])
    skip = page.get_by_role("link", name="Skip the map: go to the table of themes by place")
    skip.focus()
    page.keyboard.press("Tab")
    focused = page.evaluate("""() => { const a = document.activeElement;
        return {inMap: !!a.closest('svg.vp-themesmap'), name: a.getAttribute('aria-label'),
                href: a.getAttribute('href')}; }""")
    assert focused["inMap"] and ": " in focused["name"] and focused["href"].startswith("#themes-map-row-"), focused
    page.keyboard.press("Enter")  # follows the shape to its row in the table
    row = page.locator(focused["href"])
    expect(row).to_be_visible()
    expect(row).to_contain_text(focused["name"].split(": ", 1)[1].split(" (tied")[0][:20])
    # the skip link itself lands on the table, which takes focus so it can be scrolled by keyboard
    skip.focus()
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#themes-map-table"


def test_listening_page_shows_themes_by_place(demo_server, desktop):
    page = desktop
    cid = demo_server.urls["participant"].rstrip("/").rsplit("/", 1)[1]
    sign_in(page, demo_server.base, f"/organiser/c/{cid}/listen")
    _check_section(page)
