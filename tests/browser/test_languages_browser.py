"""Languages in a real browser: a Welsh reader (Accept-Language: cy) votes, adds a statement and reads the
results in Welsh; switching language keeps their votes; an Arabic page is right to left; axe-core passes in
each; no English is left on the Welsh participant and results pages."""

from __future__ import annotations

import re

import pytest
from browserkit import PHONE, shot
from playwright.sync_api import expect
from test_pages_browser import _axe, _basic_checks

pytestmark = pytest.mark.browser

# words that are the same in every language here: the product's name, the format, numbers and signs
SAME_EVERYWHERE = re.compile(r"^(voxpop|JSON|[\d\s.,:;%·()#?✓✗⇄/+–—-]*|[A-Z]|English|Cymraeg|العربية|n=[\d,]+"
                             r"|[A-Z] · [\d,]+)$")


def _texts(page) -> list[str]:
    """Every piece of text a person can see or hear: text nodes, and labels given in attributes."""
    return page.evaluate("""() => {
        const out = [];
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        while (walker.nextNode()) {
            const n = walker.currentNode, el = n.parentElement;
            if (!el || ['SCRIPT', 'STYLE'].includes(el.tagName)) continue;
            if (el.closest('[lang]') && el.closest('[lang]') !== document.documentElement
                && el.closest('[lang]').getAttribute('lang') !== document.documentElement.lang) continue;
            const t = n.textContent.replace(/\\s+/g, ' ').trim();
            if (t) out.push(t);
        }
        for (const el of document.querySelectorAll('[aria-label], [title], [alt], [placeholder]'))
            for (const a of ['aria-label', 'title', 'alt', 'placeholder'])
                if (el.getAttribute(a)) out.push(el.getAttribute(a).trim());
        return out;
    }""")


def english_left(page_cy, page_en, user_content: set[str]) -> list[str]:
    """Texts of the Welsh page that are the very same on the English page and are neither what people wrote
    (statements, topic, names) nor language-free (numbers, signs, the product's name)."""
    english = set(_texts(page_en))
    return sorted({t for t in _texts(page_cy)
                   if t in english and t not in user_content and not SAME_EVERYWHERE.match(t)})


def _user_content(page) -> set[str]:
    return set(page.evaluate("""() => Array.from(document.querySelectorAll(
        'h1, .statement-text, .lede, [data-original], .finding-text, .stmt-list li, .statement-block strong'),
        e => e.textContent.replace(/\\s+/g, ' ').trim())"""))


@pytest.fixture
def welsh(browser):
    ctx = browser.new_context(**PHONE, locale="cy-GB", bypass_csp=True)
    page = ctx.new_page()
    page.set_default_timeout(15_000)
    yield page
    ctx.close()


def test_welsh_participant_votes_adds_a_statement_and_keeps_votes_across_languages(demo_server, welsh):
    page = welsh
    page.goto(demo_server.urls["participant"])
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    expect(page.locator("form[data-vote-form] button[value=agree]")).to_contain_text("Cytuno")
    for i in range(3):
        page.locator("form[data-vote-form] button[value=agree]").click()
        expect(page.locator("[data-voted]")).to_have_text(str(i + 1))
        expect(page.locator("#vote-status")).to_contain_text("Cofnodwyd y bleidlais")
    problems = _basic_checks(page) + _axe(page)
    assert problems == [], problems
    shot(page, "participant-cy-phone")
    # add a statement, in Welsh
    page.fill("#new-statement", "Dylai’r trên stopio yn ein tref ni eto.")
    page.locator("form[action$='/statements'] button[type=submit]").click()
    expect(page.locator(".notice").first).to_contain_text("Diolch")
    # switch to English with the switcher: the same person, the same three votes
    page.locator(".lang-switch a[hreflang=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("[data-voted]")).to_have_text("3")
    page.goto(demo_server.urls["participant"])  # remembered without ?lang
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.locator(".lang-switch a[hreflang=cy]").click()
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    expect(page.locator("[data-voted]")).to_have_text("3")


def test_no_english_left_on_the_welsh_participant_page(demo_server, browser):
    pages = {}
    for lang in ("cy", "en"):
        ctx = browser.new_context(**PHONE, locale=lang)
        p = ctx.new_page()
        p.goto(demo_server.urls["participant"])
        pages[lang] = (ctx, p)
    try:
        left = english_left(pages["cy"][1], pages["en"][1], _user_content(pages["en"][1]))
        assert left == [], f"English left on the Welsh participant page: {left}"
    finally:
        for ctx, _ in pages.values():
            ctx.close()


def test_no_english_left_on_the_arabic_participant_page(demo_server, browser):
    """Arabic covers the participant page: an English hint there read backwards (".nearest town") in right to left."""
    pages = {}
    for lang in ("ar", "en"):
        ctx = browser.new_context(**PHONE, locale=lang)
        p = ctx.new_page()
        p.goto(demo_server.urls["participant"])
        pages[lang] = (ctx, p)
    try:
        left = english_left(pages["ar"][1], pages["en"][1], _user_content(pages["en"][1]))
        assert left == [], f"English left on the Arabic participant page: {left}"
    finally:
        for ctx, _ in pages.values():
            ctx.close()


@pytest.mark.parametrize("lang", ["cy", "ar"])
def test_no_english_left_on_your_data_and_the_privacy_notice(demo_server, browser, lang):
    """A participant who voted reads what is held about them, and why, in their language: "Your data" is in
    each language's menu, but its page (and the privacy notice) were English in Arabic, and the menu's
    "Privacy" was English in both."""
    pages = {}
    for code in (lang, "en"):
        ctx = browser.new_context(**PHONE, locale=code)
        p = ctx.new_page()
        p.goto(demo_server.urls["participant"])
        p.locator("form[data-vote-form] button[value=agree]").click()
        p.wait_for_timeout(500)
        pages[code] = (ctx, p)
    try:
        base = demo_server.urls["participant"]
        for path in ("/my-data", "/privacy"):
            for _, p in pages.values():
                p.goto(base + path)
            user = _user_content(pages["en"][1]) | set(pages["en"][1].evaluate(
                "() => Array.from(document.querySelectorAll('td'), e => e.textContent.replace(/\\s+/g, ' ').trim())"))
            left = english_left(pages[lang][1], pages["en"][1], user)
            assert left == [], f"English left on {path} in {lang}: {left}"
    finally:
        for ctx, _ in pages.values():
            ctx.close()


def test_no_english_left_on_the_arabic_offline_phone_page(demo_server, browser):
    """/k/c/{cid}, the offline-capable page for people's own phones where the signal is poor (the kiosk's client),
    was English in Arabic."""
    pages = {}
    for lang in ("ar", "en"):
        ctx = browser.new_context(**PHONE, locale=lang)
        p = ctx.new_page()
        p.goto(demo_server.urls["participant"].replace("/c/", "/k/c/"))
        p.wait_for_selector("#k-title")
        p.wait_for_timeout(500)
        pages[lang] = (ctx, p)
    try:
        left = english_left(pages["ar"][1], pages["en"][1], _user_content(pages["en"][1]))
        assert left == [], f"English left on the Arabic offline phone page: {left}"
    finally:
        for ctx, _ in pages.values():
            ctx.close()


def test_arabic_participant_page_is_right_to_left(demo_server, browser):
    ctx = browser.new_context(**PHONE, locale="ar", bypass_csp=True)
    page = ctx.new_page()
    try:
        page.goto(demo_server.urls["participant"])
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        expect(page.locator("html")).to_have_attribute("lang", "ar")
        assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
        expect(page.locator("form[data-vote-form] button[value=agree]")).to_contain_text("أوافق")
        # the layout mirrors: the skip link and the vote buttons start from the right
        box_agree = page.locator("form[data-vote-form] button[value=agree]").bounding_box()
        box_pass = page.locator("form[data-vote-form] button[value=pass]").bounding_box()
        assert box_agree["x"] >= box_pass["x"], (box_agree, box_pass)
        problems = _basic_checks(page) + _axe(page)
        assert problems == [], problems
        shot(page, "participant-ar-phone")
    finally:
        ctx.close()


def _results_user_content(page) -> set[str]:
    """What people wrote or named on the results page: statements, the topic, place and region names, and the
    themes' names on the map of themes by place (in the table they carry their own lang attribute)."""
    return _user_content(page) | set(page.evaluate("""() => Array.from(document.querySelectorAll(
        '#place-map-table tbody th, #place-map-table tbody td, .rank li, .st-text, .cards .st-text, svg title'),
        e => e.textContent.replace(/\\s+/g, ' ').trim())""")) | set(page.evaluate("""() => Array.from(
        document.querySelectorAll('.vp-themesmap a[aria-label]'), e => e.getAttribute('aria-label').trim())"""))


def test_welsh_reader_reads_the_results_in_welsh(demo_server, browser):
    pages = {}
    for lang in ("cy", "en"):
        ctx = browser.new_context(**PHONE, locale=lang, bypass_csp=True)
        p = ctx.new_page()
        p.set_default_timeout(20_000)
        p.goto(demo_server.urls["results"])
        pages[lang] = (ctx, p)
    try:
        cy = pages["cy"][1]
        expect(cy.locator("html")).to_have_attribute("lang", "cy")
        expect(cy.locator("#common-heading")).to_contain_text("Tir cyffredin")
        expect(cy.locator("#split-heading")).to_contain_text("Lle mae grwpiau’n hollti")
        left = english_left(cy, pages["en"][1], _results_user_content(pages["en"][1]))
        assert left == [], f"English left on the Welsh results page: {left}"
        problems = _basic_checks(cy) + _axe(cy)
        assert problems == [], problems
        shot(cy, "results-cy-phone")
    finally:
        for ctx, _ in pages.values():
            ctx.close()


def test_welsh_reader_reads_welsh_place_names_in_the_themes_by_place(demo_server, browser):
    """The demo's map of places and themes by place in Welsh: its places by their Welsh names (packaged place data: "Cymru",
    "Caerdydd"), in the table and on the map's shapes, while the themes keep the names people's testimony gave
    them, marked with their language (English testimony: an English name, read as English)."""
    ctx = browser.new_context(**PHONE, locale="cy", bypass_csp=True)
    page = ctx.new_page()
    page.set_default_timeout(20_000)
    try:
        page.goto(demo_server.urls["results"])
        section = page.locator("#themes-by-place")
        expect(section.get_by_role("heading", level=2)).to_have_text("Themâu fesul lle")
        table = section.locator("table")
        places = table.locator("tbody th").all_inner_texts() + table.locator("tbody td").all_inner_texts()
        assert places and not {"Wales", "Cardiff", "Scotland", "Swansea"} & set(places), places
        assert "Cymru" in places
        named = section.locator("tbody td span[lang]")  # the theme names: the testimony's own words and language
        assert named.count() > 0  # at the default level (regions) some places show a theme
        assert {named.nth(i).get_attribute("lang") for i in range(named.count())} <= {"en", "cy"}
        # the map of places too: its table and its shapes
        placed = page.locator("#place-map-table tbody")
        names = {t.strip() for t in placed.locator("th, td").all_text_contents()}  # in a closed details: text
        assert {"Caerdydd", "Abertawe", "Cymru", "Yr Alban"} <= names and not {"Cardiff", "Wales"} & names
        expect(page.locator(".vp-placemap a[aria-label^='Caerdydd: ']")).to_have_count(1)
        section.get_by_label("Dangos y lleoedd fesul").select_option("area")
        section.get_by_role("button", name="Dangos").click()
        expect(table.locator("tbody th").first).to_be_visible()
        rows = table.locator("tbody th").all_inner_texts()
        assert "Caerdydd" in rows and "Cardiff" not in rows, rows
        areas = set(table.locator("tbody tr td:nth-child(2)").all_inner_texts())
        assert "Cymru" in areas and not {"Wales", "Scotland", "London", "North West"} & areas, areas
        cardiff = section.locator(".vp-themesmap a[aria-label^='Caerdydd: ']")
        expect(cardiff).to_have_count(1)
        problems = _axe(page)
        assert problems == [], problems
    finally:
        ctx.close()
