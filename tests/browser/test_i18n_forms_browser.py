"""No English on Welsh pages, forms' errors included; no English on Arabic error pages.

A real `voxpop demo` server and Debian's Chromium: the same walk is made twice, once in English and once in
Welsh (the language chosen with `?lang=cy` on the first page, then remembered by the cookie as a person's
choice is), through every public page and every organiser page, submitting at least one invalid form on each
organiser form (and the participant's). Any text of the Welsh page that is the very same on the English page
is English left behind, unless it is what people wrote (the topics, the statements), code, a number or a
sign. Error pages (404, 403, 405, 422 ...) are walked in Arabic the same way.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from browserkit import DESKTOP
from sqlalchemy import select
from test_languages_browser import SAME_EVERYWHERE, _texts

from voxpop import demo_content as D
from voxpop.services import conversations, statements
from voxpop.store.db import Database
from voxpop.store.models import Conversation, Organiser

pytestmark = pytest.mark.browser

TOPIC = f"Llyfrgell {uuid.uuid4().hex[:6]}"  # the test conversation's topic: what people wrote, in any language
SEEDS = ["The library should open on Sundays.", "Buses should run after midnight."]
# what people or the organiser wrote (the topics, the statements): the same in every language. Only whole
# texts: an error message that quotes what was sent is still a message to translate.
USER = re.compile("^[ ·:]*(" + "|".join(re.escape(s) for s in [TOPIC, *SEEDS, D.TITLE, D.DESCRIPTION])
                  + r"|#\d+|[A-Z]{1,3}-?\d*)[ ·:]*$")


# every conversation's topic in the demo database: other tests on the same demo server add conversations
# ("Phone test 1a2b3c") that the organiser's dashboard lists, and a topic is what someone wrote
WRITTEN: set[str] = set()
DEMO = [""]  # the demo's own conversation (it has places, so its participant page asks for one)


@pytest.fixture(scope="module")
def conversation(demo_server) -> str:
    """A fresh conversation owned by the demo organiser, with two statements (forms are tried on it)."""
    DEMO[0] = demo_server.urls["participant"].rstrip("/").rsplit("/", 1)[1]
    db = Database(f"sqlite:///{demo_server.db_path}")
    try:
        with db.write() as s:
            org = s.scalars(select(Organiser).where(Organiser.username == D.ORGANISER_USERNAME)).one()
            conv = conversations.create_conversation(s, topic=TOPIC, owner_id=org.id)
            statements.add_statements(s, conv.id, SEEDS)
            return conv.id
    finally:
        db.dispose()


def _all_texts(page) -> list[str]:
    """What a person reads on the page, the window's title included, less what is code (column names, keys
    to press: `<code>`, `<kbd>`; the HTML snippet to copy), which reads the same in every language."""
    code = set(page.evaluate("""() => Array.from(document.querySelectorAll('code, kbd, samp, textarea[readonly]'),
        e => e.textContent.replace(/\\s+/g, ' ').trim())"""))
    return [t for t in [*_texts(page), page.title().replace(" · voxpop", "").strip()] if t not in code]


def english_left(texts: list[str], english: list[str]) -> list[str]:
    en = set(english)
    return sorted({t for t in texts if t in en and t and not SAME_EVERYWHERE.match(t) and not USER.match(t)
                   and t.strip(" ·:") not in WRITTEN})


def submit(page, form: str, fields: dict[str, str] | None = None,
           files: dict[str, tuple[str, str, bytes]] | None = None) -> int:
    """Submit the first form matching `form` as a person whose browser does not check fields would (the
    server must say what is wrong, in the reader's language): fields set, files attached. The status."""
    f = page.locator(form).first
    f.evaluate("f => { f.noValidate = true; for (const e of f.elements) e.required = false; }")
    for name, value in (fields or {}).items():
        el = f.locator(f"[name='{name}']")
        if el.first.get_attribute("type") in ("radio", "checkbox"):
            f.locator(f"[name='{name}'][value='{value}']").check()
        else:
            el.first.evaluate("(e, v) => { e.value = v; }", value)
    for name, (filename, mime, data) in (files or {}).items():
        f.locator(f"[name='{name}']").set_input_files({"name": filename, "mimeType": mime, "buffer": data})
    with page.expect_navigation() as nav:
        f.locator("button[type=submit], button:not([type]), input[type=submit]").first.click()
    response = nav.value
    return response.status if response else 0


@dataclass
class Step:
    name: str
    go: Callable  # (page, base, cid) -> status
    expect_error: bool = True


def _visit(path: str) -> Callable:
    def go(page, base, cid):
        return page.goto(base + path.format(cid=cid, demo=DEMO[0])).status
    return go


def _form(path: str, form: str, fields=None, files=None) -> Callable:
    def go(page, base, cid):
        page.goto(base + path.format(cid=cid, demo=DEMO[0]))
        return submit(page, form.format(cid=cid, demo=DEMO[0]), fields, files)
    return go


PUBLIC = [Step(n, _visit(p), expect_error=False) for n, p in [
    ("home", "/"), ("participate", "/c/{cid}"), ("results", "/c/{cid}/results"), ("privacy", "/c/{cid}/privacy"),
    ("my data", "/c/{cid}/my-data"), ("invitation", "/i"), ("sign in", "/organiser/sign-in")]]

PARTICIPANT_FORMS = [
    Step("empty statement", _form("/c/{cid}", "form[action$='/statements']", {"text": "  "})),
    # an unknown place is not refused: the page asks again, with the nearest names it knows
    Step("unknown place", _form("/c/{demo}", "form[action$='/place']", {"place": "ZZZZZ nowhere"}),
         expect_error=False),
    Step("wrong invitation code", _form("/i", "form", {"code": "ZZZZZ-99999"})),
    Step("form expired", _form("/c/{cid}", "form[action$='/statements']",
                               {"text": "A statement sent from a form that expired.", "csrf_token": "expired"})),
]

SIGN_IN = Step("wrong password", _form("/organiser/sign-in", "form[action='/organiser/sign-in']",
                                        {"username": "organiser", "password": "not the password"}))

ORGANISER_PAGES = [Step(n, _visit(p), expect_error=False) for n, p in [
    ("dashboard", "/organiser"), ("import", "/organiser/import"), ("manage", "/organiser/c/{cid}"),
    ("moderate", "/organiser/c/{cid}/moderate"), ("listen", "/organiser/c/{cid}/listen"),
    ("places", "/organiser/c/{cid}/places"), ("panels", "/organiser/c/{cid}/panels"),
    ("translations", "/organiser/c/{cid}/translations"), ("paper", "/organiser/c/{cid}/paper"),
    ("paper entry", "/organiser/c/{cid}/paper/enter"), ("kiosks", "/organiser/c/{cid}/kiosks"),
    ("close", "/organiser/c/{cid}/close"), ("channels", "/c/{cid}/results/channels")]]

M = "/organiser/c/{cid}"
DM = "/organiser/c/{demo}"
ORGANISER_FORMS = [
    Step("create: no topic", _form("/organiser", "form[action='/organiser/conversations']", {"topic": ""})),
    Step("import: not an archive", _form("/organiser/import", "form[action='/organiser/import']",
                                         files={"files": ("bad.zip", "application/zip", b"not a zip")})),
    Step("settings: longest statement too short", _form(M, f"form[action='{M}/settings']",
                                                        {"statement_max_len": "3"})),
    Step("settings: no topic", _form(M, f"form[action='{M}/settings']", {"topic": ""})),
    Step("settings: days not a number", _form(M, f"form[action='{M}/settings']",
                                              {"forget_identities_days": "-1"})),
    Step("erase: no participant number", _form(M, f"form[action='{M}/erase-participant']",
                                               {"participant": "nonsense"})),
    Step("erase: unknown participant", _form(M, f"form[action='{M}/erase-participant']", {"participant": "999999"})),
    Step("seed: empty statement", _form(M, f"form[action='{M}/statements']", {"text": ""})),
    Step("seed: a statement already there", _form(M, f"form[action='{M}/statements']", {"text": SEEDS[0]})),
    Step("seed CSV: not UTF-8", _form(M, f"form[action='{M}/statements-csv']",
                                      files={"file": ("bad.csv", "text/csv", b"text\n\xff\xfe\xfa broken\n")})),
    Step("seed CSV: empty", _form(M, f"form[action='{M}/statements-csv']",
                                  files={"file": ("bad.csv", "text/csv", b"")})),
    Step("group names: too long", _form(DM, f"form[action='{DM}/group-names']",
                                        {"name-0": "x" * 500})),  # the demo's conversation has groups
    Step("listen: empty file", _form(f"{M}/listen", f"form[action='{M}/listen']",
                                     files={"files": ("bad.txt", "text/plain", b"")})),
    # the demo's conversation has places, so every form of its Places page is there
    Step("places: bad CSV", _form(f"{DM}/places", f"form[action='{DM}/places']",
                                  files={"file": ("bad.csv", "text/csv", b"nothing,useful\n1,2\n")})),
    Step("places: bad column mapping", _form(f"{DM}/places", f"form[action='{DM}/places']", {"mapping": "nonsense"},
                                             files={"file": ("bad.csv", "text/csv", b"id,name\nA,Alpha\n")})),
    Step("places: bad aliases", _form(f"{DM}/places", f"form[action='{DM}/places/aliases']",
                                      files={"file": ("bad.csv", "text/csv", b"nothing,useful\n1,2\n")})),
    Step("places: bad map", _form(f"{DM}/places", f"form[action='{DM}/places/layout']",
                                  files={"file": ("bad.json", "application/json", b"{not json")})),
    Step("places: bad threshold", _form(f"{DM}/places", f"form[action='{DM}/places/settings']", {"min_cell": "-4"})),
    Step("panel: no pool", _form(f"{M}/panels", f"form[action='{M}/panels']", {"size": "0"})),
    Step("languages: not a code", _form(f"{M}/translations", f"form[action='{M}/languages']",
                                        {"languages": "nonsense!!"})),
    Step("paper pack: no sheets", _form(f"{M}/paper", f"form[action='{M}/paper/packs']", {"sheets": "0"})),
    Step("paper CSV: bad", _form(f"{M}/paper", f"form[action='{M}/paper/entries/csv']",
                                 files={"file": ("bad.csv", "text/csv", b"nothing,useful\n1,2\n")})),
    Step("paper entry: unknown sheet", _form(f"{M}/paper/enter", f"form[action='{M}/paper/enter']",
                                             {"entered_by": "organiser", "sheet": "ZZZ-9999", "answers": "q"})),
    Step("kiosk: bad PIN", _form(f"{M}/kiosks", f"form[action='{M}/kiosks']", {"pin": "12"})),
    Step("a conversation that is not there", _visit("/organiser/c/no-such-conversation")),
    Step("moderate: which statement?", _form(M, f"form[action='{M}/moderate']", {"statement_id": "nonsense"})),
]

ERRORS = [Step(n, _visit(p)) for n, p in [
    ("no such page", "/no-such-page"), ("no such conversation", "/c/no-such-conversation"),
    ("no such results", "/c/no-such-conversation/results"), ("no such invitation", "/i/ZZZZZ-99999"),
    ("wrong method", "/organiser/sign-out")]]


def _walk(browser, base: str, cid: str, lang: str, steps: list[Step], sign_in: bool) -> dict[str, tuple]:
    """Each step's (status, texts, html lang) in one language, in one browser context."""
    ctx = browser.new_context(**DESKTOP)
    page = ctx.new_page()
    page.set_default_timeout(20_000)
    out = {}
    try:
        page.goto(f"{base}/?lang={lang}")  # the reader's choice, remembered
        if sign_in:
            _sign_in(page, base)
        for step in steps:
            status = step.go(page, base, cid)
            out[step.name] = (status, _all_texts(page), page.locator("html").get_attribute("lang"))
    finally:
        ctx.close()
    return out


def _sign_in(page, base: str) -> None:
    for _ in range(5):
        page.goto(f"{base}/organiser/sign-in")
        page.fill("input[name=username]", D.ORGANISER_USERNAME)
        page.fill("input[name=password]", D.ORGANISER_PASSWORD)
        with page.expect_navigation() as nav:
            page.locator("form[action='/organiser/sign-in'] button[type=submit]").click()
        if nav.value.status != 429:
            break
        wait = re.search(r"\d+", nav.value.headers.get("retry-after", "1"))
        page.wait_for_timeout(1000 * (int(wait.group(0)) if wait else 1) + 500)
    assert page.url.endswith("/organiser?msg=signed-in"), page.url


def _compare(walks: dict[str, dict], lang: str, steps: list[Step]) -> dict[str, list]:
    problems: dict[str, list] = {}
    for step in steps:
        status, texts, html_lang = walks[lang][step.name]
        en_status, english, _ = walks["en"][step.name]
        found = english_left(texts, english)
        if html_lang != lang:
            found.append(f"<html lang={html_lang}>")
        if status != en_status:
            found.append(f"status {status} in {lang}, {en_status} in English")
        if step.expect_error and not 400 <= status < 500:
            found.append(f"status {status}: the invalid form was not refused")
        if found:
            problems[step.name] = found
    return problems


def test_welsh_public_and_organiser_pages_and_their_form_errors(demo_server, browser, conversation):
    base = demo_server.base
    steps = PUBLIC + PARTICIPANT_FORMS + [SIGN_IN]
    organiser = ORGANISER_PAGES + ORGANISER_FORMS
    walks = {lang: {**_walk(browser, base, conversation, lang, steps, sign_in=False),
                    **_walk(browser, base, conversation, lang, organiser, sign_in=True)}
             for lang in ("en", "cy")}
    db = Database(f"sqlite:///{demo_server.db_path}")
    try:
        with db.read() as s:
            WRITTEN.update(s.scalars(select(Conversation.topic)))
    finally:
        db.dispose()
    problems = _compare(walks, "cy", steps + organiser)
    assert problems == {}, f"English left on Welsh pages: {problems}"
    # and the errors really are in Welsh, not only "not the same"
    status, texts, _ = walks["cy"]["settings: longest statement too short"]
    assert status == 422 and any(t.startswith("rhaid i’r datganiad hiraf (statement_max_len) fod rhwng 20 a 2000")
                                 for t in texts), texts


def test_arabic_and_welsh_error_pages(demo_server, browser, conversation):
    base = demo_server.base
    steps = ERRORS + PARTICIPANT_FORMS
    walks = {lang: _walk(browser, base, conversation, lang, steps, sign_in=False) for lang in ("en", "ar", "cy")}
    problems = {lang: _compare(walks, lang, steps) for lang in ("ar", "cy")}
    assert problems == {"ar": {}, "cy": {}}, problems
    status, texts, _ = walks["ar"]["no such page"]
    assert status == 404 and "غير موجود" in texts, texts  # "Not found", as the page's heading
