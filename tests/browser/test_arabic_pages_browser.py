"""Arabic covers the participant pages: no English left on them, and they read right to left on a phone.

A real `voxpop demo` server and Debian's Chromium. The same walk is made twice, once in English and once in
Arabic (chosen with `?lang=ar`, then remembered by the cookie as a person's choice is), as a participant who
votes a few times: the home page, the vote page, the embedded vote page, the results (opinion groups,
places and "where to go next", the listening themes a citizen can see), the privacy notice, "your data",
the invitation page and the kiosk client on a participant's own phone. Any text of the Arabic page that is
the very same on the English page is English left behind, unless it is what people wrote (the topic, the
statements, place and theme names), a number, a code or a sign.
"""

from __future__ import annotations

import pytest
from browserkit import PHONE, shot
from playwright.sync_api import expect
from test_languages_browser import SAME_EVERYWHERE, _results_user_content, _texts

from voxpop import demo_content as D

pytestmark = pytest.mark.browser

# path (relative to the demo conversation's /c/{cid}) -> screenshot name
PAGES = {
    "home": "/",
    "vote": "/c/{cid}",
    "embed": "/c/{cid}/embed",
    "results": "/c/{cid}/results",
    "privacy": "/c/{cid}/privacy",
    "my data": "/c/{cid}/my-data",
    "invitation": "/i",
    "kiosk (own phone)": "/k/c/{cid}",
}


def _written(page) -> set[str]:
    """What people wrote or named on the page: statements, the topic and description, places, themes (the
    pages isolate these with <bdi> or dir=auto, so that they keep their own direction in Arabic)."""
    return _results_user_content(page) | set(page.evaluate("""() => Array.from(document.querySelectorAll(
        '.statement-text, .st-text, blockquote, bdi, [dir=auto], [lang]:not(html)'),
        e => e.textContent.replace(/\\s+/g, ' ').trim())""")) | {D.TITLE, D.DESCRIPTION}


def _walk(browser, base: str, cid: str, lang: str) -> dict[str, tuple[list[str], set[str], str | None]]:
    ctx = browser.new_context(**PHONE, bypass_csp=True)
    page = ctx.new_page()
    page.set_default_timeout(20_000)
    out = {}
    try:
        page.goto(f"{base}/?lang={lang}")  # the reader's choice, remembered
        page.goto(f"{base}/c/{cid}")
        for _ in range(3):  # a participant with votes: "your data" and "where you stand" have something to show
            page.locator("form[data-vote-form] button[value=agree]").click()
            page.wait_for_load_state()
        for name, path in PAGES.items():
            page.goto(base + path.format(cid=cid))
            page.wait_for_load_state("networkidle")
            out[name] = (_texts(page) + [page.title()], _written(page), page.locator("html").get_attribute("dir"))
            if lang == "ar":
                shot(page, f"ar-{name.split()[0]}-phone")
    finally:
        ctx.close()
    return out


def test_no_english_left_on_the_arabic_participant_pages(demo_server, browser):
    base = demo_server.base
    cid = demo_server.urls["participant"].rstrip("/").rsplit("/", 1)[1]
    walks = {lang: _walk(browser, base, cid, lang) for lang in ("en", "ar")}
    problems = {}
    for name in PAGES:
        texts, written_ar, direction = walks["ar"][name]
        english, written, _ = walks["en"][name]
        written = written | written_ar  # the same person, but the statements they were shown may differ
        left = sorted({t for t in texts if t in set(english) and t not in written and not SAME_EVERYWHERE.match(t)
                       and t.replace(" · voxpop", "") not in written})
        if direction != "rtl":
            left.append(f"dir={direction}")
        if left:
            problems[name] = left
    assert problems == {}, f"English left on Arabic participant pages: {problems}"


def test_arabic_results_keep_numbers_and_names_readable(demo_server, browser):
    """Right to left, a number and a name written left to right keep their own direction: the shares on the
    results page are isolated (<bdi> or dir=auto), so "63%" never reads "%63" around Arabic words."""
    ctx = browser.new_context(**PHONE, locale="ar", bypass_csp=True)
    page = ctx.new_page()
    page.set_default_timeout(20_000)
    try:
        page.goto(demo_server.urls["results"])
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        # every statement people wrote (English here) is its own direction inside the Arabic page
        isolated = page.evaluate("""() => Array.from(document.querySelectorAll('.statement-text, .st-text'))
            .filter(e => !e.closest('bdi, [dir], [lang]:not(html)')).map(e => e.textContent.trim())""")
        assert isolated == [], isolated
        # a statement quoted inside an Arabic sentence ("9 in 10 agree with «...»") is isolated (FSI..PDI)
        sentences = page.locator(".group-sentences a").all_inner_texts()
        assert sentences and all("«\u2068" in t and "\u2069»" in t for t in sentences), sentences
        # the statements of the summary and the group legend of the opinion map
        bare = page.evaluate("""() => Array.from(document.querySelectorAll('.stmt-list li, .panel ul li'))
            .filter(li => /[A-Za-z]{4,}/.test(li.textContent.replace(/\u2068[^\u2069]*\u2069|JSON|Pol\\.is/g, ''))
                    && !li.querySelector('bdi, [dir], [lang]')
                    && getComputedStyle(li).unicodeBidi !== 'plaintext').map(li => li.textContent.trim())""")
        assert bare == [], bare
        shot(page, "ar-results-phone")
    finally:
        ctx.close()
