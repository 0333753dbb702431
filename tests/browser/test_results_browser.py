"""The results page of the demo in real Chromium (issue 11): the map of places (380+ shapes), axe-core,
no sideways scroll at 320 px, chart text at body size at phone and desktop widths, the map by keyboard.
Screenshots of the results page at phone and desktop size are kept as test artifacts in test-results/."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect
from test_pages_browser import _axe, _basic_checks

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"
SIZES = {"phone-320": {"viewport": {"width": 320, "height": 720}, "is_mobile": True, "has_touch": True,
                       "device_scale_factor": 1},
         "desktop-1280": {"viewport": {"width": 1280, "height": 900}}}


def _chart_text_px(page) -> list[dict]:
    """The rendered size of the text in every visible chart (SVG text scales with its drawing)."""
    return page.evaluate("""() => Array.from(document.querySelectorAll('svg.vp-bars, svg.vp-chart, svg.vp-map'))
        .filter(svg => svg.getBoundingClientRect().width > 0 && svg.querySelector('.vp-t, .vp-lt'))
        .map(svg => { const vb = svg.viewBox.baseVal; const t = svg.querySelector('.vp-t, .vp-lt');
                      const px = parseFloat(getComputedStyle(t).fontSize) * svg.getBoundingClientRect().width / vb.width;
                      return {cls: svg.getAttribute('class'),
                              label: (svg.getAttribute('aria-label') || '').slice(0, 60), px}; })""")


@pytest.mark.parametrize("size", list(SIZES))
def test_results_page_map_accessibility_and_reflow(demo_server, browser, size):
    ctx = browser.new_context(bypass_csp=True, **SIZES[size])
    page = ctx.new_page()
    page.set_default_timeout(15_000)
    page.goto(demo_server.urls["results"])
    # the summary and the map of the demo's places
    expect(page.get_by_role("heading", name="In short")).to_be_visible()
    shapes = page.locator("svg.vp-placemap a")
    assert shapes.count() >= 380
    expect(page.locator("svg.vp-placemap")).to_be_visible()
    assert page.locator(".map-legend li").count() >= 2
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"results-{size}.png"), full_page=True, timeout=60_000)
    # open every collapsed list so that axe and the reflow check see everything
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    body_px = float(page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)"))
    sizes = _chart_text_px(page)
    assert {"vp-bars", "vp-chart", "vp-map"} <= {s["cls"] for s in sizes}, sizes
    small = [s for s in sizes if not (0.8 * body_px <= s["px"] <= 1.25 * body_px)]
    assert not small, f"{size}: chart text not at body size ({body_px}px): {small[:5]}"
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{size}: the page scrolls sideways by {overflow}px"
    problems = _basic_checks(page) + _axe(page)
    assert not problems, problems
    # coloured by a statement, the map still draws every shape and passes axe
    page.get_by_label("Colour the map by").select_option(index=1)
    page.locator("form:has(#map-colour) button").click()
    page.wait_for_url("**colour=**")
    assert page.locator("svg.vp-placemap a").count() >= 380
    expect(page.locator("#place-map-title")).to_contain_text("Support by place for")
    page.screenshot(path=str(ARTIFACTS / f"results-support-map-{size}.png"), full_page=False, timeout=60_000)
    assert not _axe(page)
    ctx.close()


def test_the_map_of_places_works_by_keyboard(demo_server, desktop):
    page = desktop
    page.goto(demo_server.urls["results"])
    skip = page.get_by_role("link", name="Skip the map: go to the table of places")
    skip.focus()
    page.keyboard.press("Tab")
    focused = page.evaluate("""() => { const a = document.activeElement;
        return {inMap: !!a.closest('svg.vp-placemap'), name: a.getAttribute('aria-label'),
                href: a.getAttribute('href')}; }""")
    assert focused["inMap"] and ": " in focused["name"] and focused["href"].startswith("#place-map-row-")
    page.keyboard.press("Enter")  # follows the shape to its row in the table of places (details open)
    row = page.locator(focused["href"])
    expect(row).to_be_visible()
    expect(row).to_contain_text(focused["name"].split(":")[-1].strip().split(" (")[0][:12])
