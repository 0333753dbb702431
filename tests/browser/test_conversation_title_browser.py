"""The conversation's title in the reader's language, in Chromium: the demo's Welsh title on its Welsh pages,
the English original marked lang="en" on an Arabic page (WCAG 3.1.2), and an organiser giving a Welsh title
with the keyboard alone."""

from __future__ import annotations

import pytest
from browserkit import DESKTOP, PHONE, shot
from playwright.sync_api import expect
from test_pages_browser import _axe, _basic_checks, sign_in, small_conversation  # noqa: F401 (a fixture)

from voxpop import demo_content as D

pytestmark = pytest.mark.browser

# the language a screen reader speaks an element in: its own lang, else its nearest ancestor's
LANGUAGE_OF = "el => (el.closest('[lang]') || document.documentElement).getAttribute('lang')"


def _reader(browser, locale: str, viewport=PHONE):
    ctx = browser.new_context(**viewport, locale=locale, bypass_csp=True)
    page = ctx.new_page()
    page.set_default_timeout(15_000)
    return ctx, page


def test_the_welsh_page_shows_the_welsh_title(demo_server, browser):
    ctx, page = _reader(browser, "cy-GB")
    try:
        page.goto(demo_server.urls["participant"])
        expect(page.locator("html")).to_have_attribute("lang", "cy")
        h1 = page.locator("h1")
        expect(h1).to_have_text(D.TITLE_CY)
        assert h1.evaluate(LANGUAGE_OF) == "cy"
        lede = page.locator("p.lede").first
        expect(lede).to_have_text(D.DESCRIPTION_CY)
        assert lede.evaluate(LANGUAGE_OF) == "cy"
        assert page.title() == f"{D.TITLE_CY} · voxpop"
        assert page.locator('meta[property="og:title"]').get_attribute("content") == D.TITLE_CY
        problems = _basic_checks(page) + _axe(page)
        assert problems == [], problems
        shot(page, "participant-cy-title")
        page.goto(demo_server.urls["results"])
        expect(page.locator("h1")).to_contain_text(D.TITLE_CY)
        assert page.locator("h1").evaluate(LANGUAGE_OF) == "cy"
        # the English reader sees the English original
        page.goto(demo_server.urls["participant"] + "?lang=en")
        expect(page.locator("h1")).to_have_text(D.TITLE)
        assert page.locator("h1").evaluate(LANGUAGE_OF) == "en"
    finally:
        ctx.close()


def test_an_arabic_page_marks_the_english_title_as_english(demo_server, browser):
    ctx, page = _reader(browser, "ar")
    try:
        page.goto(demo_server.urls["participant"])
        expect(page.locator("html")).to_have_attribute("lang", "ar")
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        h1 = page.locator("h1")
        expect(h1).to_have_text(D.TITLE)  # no Arabic title given: the original
        expect(h1).to_have_attribute("lang", "en")
        expect(h1).to_have_attribute("dir", "ltr")
        assert h1.evaluate("el => getComputedStyle(el).direction") == "ltr"
        expect(page.locator("p.lede").first).to_have_attribute("lang", "en")
        problems = _basic_checks(page) + _axe(page)
        assert problems == [], problems
        page.goto(demo_server.urls["results"])
        title = page.locator("h1 span[lang=en]")
        expect(title).to_have_text(D.TITLE)
        assert title.evaluate("el => getComputedStyle(el).direction") == "ltr"
    finally:
        ctx.close()


def test_an_organiser_gives_a_welsh_title_with_the_keyboard(demo_server, browser, small_conversation):  # noqa: F811
    cid = small_conversation
    ctx, page = _reader(browser, "en-GB", DESKTOP)
    try:
        sign_in(page, demo_server.base, f"/organiser/c/{cid}")
        group = page.get_by_role("group", name="The title and description in other languages")
        expect(group).to_be_visible()
        title_cy = page.get_by_label("Title in Welsh (Cymraeg)")
        expect(title_cy).to_have_attribute("lang", "cy")
        expect(page.get_by_label("Title in Arabic (العربية)")).to_have_attribute("dir", "rtl")
        problems = _basic_checks(page) + _axe(page)
        assert problems == [], problems
        page.locator("#description").focus()
        page.keyboard.press("Tab")
        expect(title_cy).to_be_focused()
        page.keyboard.type("Beth ddylai’r llyfrgell ei wneud?")
        page.keyboard.press("Tab")
        expect(page.get_by_label("Description in Welsh (Cymraeg)")).to_be_focused()
        page.keyboard.type("Sgwrs am y llyfrgell.")
        page.keyboard.press("Shift+Tab")
        expect(title_cy).to_be_focused()
        page.keyboard.press("Enter")  # submits the settings form
        expect(page.locator(".notice").first).to_contain_text("Settings saved.")
        expect(page.get_by_label("Title in Welsh (Cymraeg)")).to_have_value("Beth ddylai’r llyfrgell ei wneud?")
        shot(page, "organiser-title-translations")
    finally:
        ctx.close()
    ctx, page = _reader(browser, "cy-GB")
    try:
        page.goto(f"{demo_server.base}/c/{cid}")
        expect(page.locator("h1")).to_have_text("Beth ddylai’r llyfrgell ei wneud?")
        expect(page.locator("p.lede").first).to_have_text("Sgwrs am y llyfrgell.")
    finally:
        ctx.close()
