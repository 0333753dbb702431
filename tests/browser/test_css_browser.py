"""The stylesheet in Chromium, on small pages written here: things no page test would notice."""

from __future__ import annotations

from pathlib import Path

import pytest

import voxpop.web

pytestmark = pytest.mark.browser

CSS = (Path(voxpop.web.__file__).parent / "static" / "css" / "voxpop.css").read_text(encoding="utf-8")


def _page(browser, body: str, *, lang: str = "en", direction: str = "ltr"):
    page = browser.new_page(viewport={"width": 390, "height": 800})
    page.set_content(f'<!doctype html><html lang="{lang}" dir="{direction}"><meta charset=utf-8>'
                     f"<style>{CSS}</style><main>{body}</main></html>")
    return page


TABLE = ('<div class="scroll" role="region" aria-label="t" tabindex="0"><table class="data"><thead><tr>'
         '<th scope="col">Conversation</th><th scope="col">Open</th></tr></thead><tbody><tr><td>Buses</td>'
         '<td>Open</td></tr></tbody></table></div><section class="panel"><h2>Start a conversation</h2></section>')


def test_a_table_box_does_not_touch_the_panel_after_it(browser):
    """The organiser's list of conversations ran straight into the "Start a conversation" panel."""
    page = _page(browser, TABLE)
    gap = page.evaluate("""() => document.querySelector('.panel').getBoundingClientRect().top
                                 - document.querySelector('.scroll').getBoundingClientRect().bottom""")
    assert gap >= 8, gap
    page.close()


def test_tables_read_from_the_right_in_arabic(browser):
    """Cells of tables that scroll sideways were left-aligned even on right-to-left pages."""
    page = _page(browser, TABLE.replace(' class="data"', ""), lang="ar", direction="rtl")  # as the results' tables
    sides = page.evaluate("""() => [...document.querySelectorAll('.scroll th, .scroll td')].map(c => {
        const cell = c.getBoundingClientRect(), r = document.createRange();
        r.selectNodeContents(c); const text = r.getBoundingClientRect();
        return [c.textContent, Math.round(cell.right - text.right), Math.round(text.left - cell.left)]; })""")
    for text, right_gap, left_gap in sides:
        assert right_gap < left_gap, (text, right_gap, left_gap)
    page.close()
