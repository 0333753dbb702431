"""voxpop's pages in real Chromium against a real `voxpop demo` server (uvicorn + SQLite)."""

from __future__ import annotations

import re
import uuid

import pytest
from browserkit import DESKTOP, PHONE, shot
from playwright.sync_api import expect
from sqlalchemy import select

from voxpop import demo_content as D
from voxpop.services import conversations, statements
from voxpop.store.db import Database
from voxpop.store.models import Organiser

pytestmark = pytest.mark.browser


@pytest.fixture
def small_conversation(demo_server):
    """A fresh 4-statement conversation owned by the demo organiser, strict moderation."""
    db = Database(f"sqlite:///{demo_server.db_path}")
    try:
        with db.write() as s:
            org = s.scalars(select(Organiser).where(Organiser.username == D.ORGANISER_USERNAME)).one()
            conv = conversations.create_conversation(s, topic=f"Phone test {uuid.uuid4().hex[:6]}",
                                                     owner_id=org.id, moderation="strict")
            statements.add_statements(s, conv.id, [
                "The library should open on Sundays.", "Buses should run after midnight.",
                "<script>alert(1)</script> is shown as text.", "The market should move to the square."])
            return conv.id
    finally:
        db.dispose()


def sign_in(page, base: str, next_path: str) -> None:
    """Sign in as the demo's organiser. The browser tests sign in from one address many times a minute, so
    the sign-in limit may answer "Slow down a little": then wait as it says, as a person would, and try again."""
    for _ in range(5):
        page.goto(f"{base}/organiser/sign-in?next={next_path}")
        page.get_by_label("Username").fill(D.ORGANISER_USERNAME)
        page.get_by_label("Password").fill(D.ORGANISER_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        slow = page.get_by_role("heading", name="Slow down a little")
        if not slow.count():
            break
        wait = re.search(r"wait (\d+) s", page.locator("[role=alert]").inner_text())
        page.wait_for_timeout(1000 * (int(wait.group(1)) if wait else 1) + 500)
    page.wait_for_url(re.compile(re.escape(next_path)))


def test_phone_vote_add_moderate_and_see_it(demo_server, browser, small_conversation):
    base, cid = demo_server.base, small_conversation
    ctx = browser.new_context(**PHONE)
    page = ctx.new_page()
    page.set_default_timeout(10_000)
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{base}/c/{cid}")
    expect(page.locator("[data-progress]")).to_contain_text("0 of 4")
    expect(page.get_by_role("button", name="Undo my last vote")).to_be_hidden()
    shot(page, "phone-participate")
    status = page.locator("#vote-status")
    for i, word in enumerate(["Agree", "Disagree", "Pass", "Agree"]):
        before = page.locator("#statement-text").inner_text()
        page.locator(f"form[data-vote-form] button[value={word.lower()}]").tap()
        expect(status).to_contain_text(f"Vote recorded: {word}.")
        expect(page.locator("[data-voted]")).to_have_text(str(i + 1))
        if i < 3:
            expect(page.locator("#statement-text")).not_to_have_text(before)
    expect(page.locator("#vote-done")).to_contain_text("You have voted on every statement")
    expect(page.get_by_role("button", name="Undo my last vote")).to_be_visible()
    assert dialogs == [], "the hostile statement ran as script"
    # the enhanced path never reloaded the page; a reload shows the same state from the server
    page.reload()
    expect(page.locator("[data-progress]")).to_contain_text("4 of 4")

    page.get_by_label("Your statement").fill("Bring back the night bus to our town.")
    page.get_by_role("button", name="Add statement").tap()
    expect(page.locator(".notice[role=status]").first).to_contain_text("The organiser will read it")
    shot(page, "phone-after-add")

    org = browser.new_context(**PHONE)
    op = org.new_page()
    op.set_default_timeout(10_000)
    sign_in(op, base, f"/organiser/c/{cid}/moderate")
    item = op.locator(".queue-item", has_text="Bring back the night bus")
    expect(item).to_be_visible()
    shot(op, "phone-moderation")
    item.get_by_role("button", name="Accept").tap()
    expect(op.locator(".notice[role=status]")).to_contain_text("Statement accepted")
    expect(op.get_by_text("Nothing waiting")).to_be_visible()
    org.close()

    page.goto(f"{base}/c/{cid}")
    expect(page.locator("#statement-text")).to_have_text("Bring back the night bus to our town.")
    ctx.close()


def test_results_page_shows_groups(demo_server, phone, desktop):
    for page, name in ((phone, "phone"), (desktop, "desktop")):
        page.goto(demo_server.urls["results"])
        expect(page.get_by_role("heading", name="The opinion map")).to_be_visible()
        expect(page.locator("svg.vp-map[role=img]")).to_be_visible()
        groups = page.locator("article.group h3")
        assert groups.count() >= 2
        expect(groups.first).to_contain_text("Group A")
        expect(page.get_by_role("heading", name="Common ground")).to_be_visible()
        assert page.locator("svg.vp-bars").count() >= len(D.STATEMENTS)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{name}: the page scrolls sideways by {overflow}px"
        shot(page, f"{name}-results")


def _focus_ring(page) -> dict:
    return page.evaluate("""() => { const e = document.activeElement; const s = getComputedStyle(e);
        return {tag: e.tagName, text: e.textContent.trim(), outline: s.outlineStyle, width: s.outlineWidth,
                shadow: s.boxShadow, focusVisible: e.matches(':focus-visible')}; }""")


def test_keyboard_only_voting(demo_server, desktop, small_conversation):
    page = desktop
    page.goto(f"{demo_server.base}/c/{small_conversation}")
    # the live region must be in the accessibility tree before it speaks (not display:none while empty)
    assert page.evaluate("getComputedStyle(document.getElementById('vote-status')).display") != "none"
    page.keyboard.press("Tab")
    ring = _focus_ring(page)
    assert ring["text"] == "Skip to main content" and ring["focusVisible"]
    expect(page.locator(".skip-link")).to_be_in_viewport()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    for _ in range(10):  # Tab until the Agree button
        page.keyboard.press("Tab")
        if _focus_ring(page)["text"].endswith("Agree") and "Disagree" not in _focus_ring(page)["text"]:
            break
    ring = _focus_ring(page)
    assert ring["tag"] == "BUTTON" and ring["text"].endswith("Agree"), ring
    assert ring["focusVisible"] and ring["outline"] != "none" and ring["width"] != "0px", ring
    first = page.locator("#statement-text").inner_text()
    # a screen reader on the button hears the statement it votes on
    expect(page.get_by_role("button", name="Agree", exact=True)).to_have_accessible_description(first)
    page.keyboard.press("Enter")
    expect(page.locator("#vote-status")).to_contain_text("Vote recorded: Agree. Next statement:")
    expect(page.locator("#statement-text")).not_to_have_text(first)
    assert _focus_ring(page)["text"].endswith("Agree"), "focus must stay on the button after a vote"
    page.keyboard.press("Tab")
    assert _focus_ring(page)["text"].endswith("Disagree")
    page.keyboard.press("Space")
    expect(page.locator("#vote-status")).to_contain_text("Vote recorded: Disagree.")
    shot(page, "desktop-keyboard")


def test_pages_work_without_javascript(demo_server, browser, small_conversation):
    ctx = browser.new_context(java_script_enabled=False, **PHONE)
    page = ctx.new_page()
    page.goto(f"{demo_server.base}/c/{small_conversation}")
    page.locator("form[data-vote-form] button[value=disagree]").click()
    page.wait_for_url(re.compile(r"msg=voted"))
    expect(page.locator(".notice[role=status]").first).to_have_text("Vote recorded.")
    expect(page.locator("[data-voted]")).to_have_text("1")
    ctx.close()


AXE = __import__("pathlib").Path(__file__).with_name("vendor") / "axe.min.js"


def _axe(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                       nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""")
    return result


def _basic_checks(page) -> list[str]:
    """Our own quick checks, independent of axe: lang, labels, text alternatives, heading order."""
    return page.evaluate("""() => {
        const out = [];
        if (!document.documentElement.lang) out.push('no lang attribute');
        for (const el of document.querySelectorAll('input:not([type=hidden]), textarea, select')) {
            if (!el.labels || el.labels.length === 0) out.push('no label: ' + (el.id || el.name));
        }
        for (const svg of document.querySelectorAll('svg')) {
            const hidden = svg.getAttribute('aria-hidden') === 'true';
            const named = svg.getAttribute('aria-label') || svg.getAttribute('aria-labelledby')
                          || svg.querySelector(':scope > title');
            if (!hidden && !named) out.push('svg without a text alternative');
        }
        for (const img of document.querySelectorAll('img')) if (!img.hasAttribute('alt')) out.push('img without alt');
        let last = 0;
        for (const h of document.querySelectorAll('h1, h2, h3, h4, h5, h6')) {
            const n = Number(h.tagName[1]);
            if (last && n > last + 1) out.push('heading skips from h' + last + ' to h' + n + ': ' + h.textContent.trim());
            last = n;
        }
        if (document.querySelectorAll('h1').length !== 1) out.push('not exactly one h1');
        const over = document.documentElement.scrollWidth - window.innerWidth;
        if (over > 1) out.push('the page scrolls sideways by ' + over + 'px (reflow)');
        return out;
    }""")


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_accessibility_of_every_page(demo_server, browser, viewport):
    ctx = browser.new_context(bypass_csp=True, **(PHONE if viewport == "phone" else DESKTOP))
    page = ctx.new_page()
    page.set_default_timeout(15_000)
    cid = demo_server.urls["participant"].rstrip("/").rsplit("/", 1)[1]
    pages = {"home": f"{demo_server.base}/", "participate": demo_server.urls["participant"],
             "results": demo_server.urls["results"], "sign-in": f"{demo_server.base}/organiser/sign-in",
             "not-found": f"{demo_server.base}/c/no-such-conversation"}
    problems = {}
    for name, url in pages.items():
        page.goto(url)
        problems[name] = _basic_checks(page) + _axe(page)
    sign_in(page, demo_server.base, "/organiser")
    for name, path in (("dashboard", "/organiser"), ("manage", f"/organiser/c/{cid}"),
                       ("moderate", f"/organiser/c/{cid}/moderate"), ("import", "/organiser/import")):
        page.goto(demo_server.base + path)
        problems[name] = _basic_checks(page) + _axe(page)
        shot(page, f"{viewport}-{name}")
    ctx.close()
    bad = {k: v for k, v in problems.items() if v}
    assert not bad, bad


def test_moderation_queue_with_the_keyboard_alone(demo_server, desktop, small_conversation):
    from voxpop.services.participants import get_or_create_participant

    cid = small_conversation
    db = Database(f"sqlite:///{demo_server.db_path}")
    try:
        with db.write() as s:
            pk = get_or_create_participant(s, cid, xid="keyboard-test").id
            statements.add_statement(s, cid, "First waiting statement.", participant_id=pk)
            statements.add_statement(s, cid, "Second waiting statement.", participant_id=pk)
    finally:
        db.dispose()
    page = desktop
    sign_in(page, demo_server.base, f"/organiser/c/{cid}/moderate")
    for _ in range(30):
        page.keyboard.press("Tab")
        ring = _focus_ring(page)
        if ring["text"].endswith("Accept"):
            break
    assert ring["text"].endswith("Accept") and ring["focusVisible"], ring
    described = page.evaluate("document.getElementById(document.activeElement.getAttribute('aria-describedby'))"
                              ".textContent")
    assert described == "First waiting statement."
    page.keyboard.press("Enter")
    expect(page.locator(".notice[role=status]")).to_contain_text("Statement accepted")
    # focus lands on the next statement's first button, so Enter/Space keeps deciding
    assert _focus_ring(page)["text"].endswith("Accept")
    assert page.evaluate("document.activeElement.closest('li').textContent").count("Second waiting statement.")
    page.keyboard.press("Tab")
    assert _focus_ring(page)["text"].endswith("Reject")
    page.keyboard.press("Space")
    expect(page.locator(".notice[role=status]")).to_contain_text("Statement rejected")
    expect(page.get_by_text("Nothing waiting")).to_be_visible()


def test_copy_share_link(demo_server, browser):
    ctx = browser.new_context(**DESKTOP)
    ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=demo_server.base)
    page = ctx.new_page()
    cid = demo_server.urls["participant"].rstrip("/").rsplit("/", 1)[1]
    sign_in(page, demo_server.base, f"/organiser/c/{cid}")
    page.get_by_role("button", name="Copy: Link for participants").click()
    expect(page.locator(".copy-status").first).to_have_text("Copied.")
    assert page.evaluate("navigator.clipboard.readText()") == demo_server.urls["participant"]
    ctx.close()


def test_embed_snippet_on_another_site(demo_server, browser):
    """The embed page inside a page of another site (localhost vs 127.0.0.1: different sites)."""
    import http.server
    import threading

    cid = demo_server.urls["participant"].rstrip("/").rsplit("/", 1)[1]
    src = f"{demo_server.base}/c/{cid}/embed"
    host = ("<!doctype html><html lang='en'><head><meta name='viewport' content='width=device-width'><title>A council site</title></head><body><h1>News</h1>"
            f"<iframe src='{src}' title='Have your say' style='width:100%;height:700px'></iframe></body></html>")

    class Host(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            body = host.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Host)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    ctx = browser.new_context(**PHONE)
    try:
        page = ctx.new_page()
        page.goto(f"http://localhost:{server.server_address[1]}/")
        frame = page.frame_locator("iframe")
        expect(frame.locator("#statement-text")).to_be_visible()
        expect(frame.get_by_role("link", name="Open this conversation in a new window")).to_be_visible()
        # click, not tap: with Debian's Chromium 150, Playwright's emulated touch does not reach a cross-site
        # (out-of-process) iframe at all, so tap() would test the driver, not the page
        frame.locator("button[value=agree]").click()
        # Either the vote is recorded, or (third-party cookies blocked) the participant is told what to do
        expect(frame.locator("#vote-status")).to_contain_text(
            re.compile(r"Vote recorded: Agree\.|Open this conversation in a new window"))
        shot(page, "phone-embed")
    finally:
        ctx.close()
        server.shutdown()
        server.server_close()


def test_results_by_channel_fits_a_360px_phone(demo_server, browser):
    """Its two tables (open vs invited; every statement) become one card per row, labelled, like the organiser's."""
    ctx = browser.new_context(viewport={"width": 360, "height": 800}, is_mobile=True, has_touch=True)
    page = ctx.new_page()
    cid = demo_server.urls["participant"].rstrip("/").rsplit("/", 1)[1]
    sign_in(page, demo_server.base, f"/c/{cid}/results/channels")
    for lang in ("en", "cy"):
        page.goto(f"{demo_server.base}/c/{cid}/results/channels?lang={lang}")
        expect(page.locator("h1")).to_be_visible()
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{lang}: the page scrolls sideways by {overflow}px"
        assert page.locator("table.stack").count() == 2
    shot(page, "phone360-channels")
    ctx.close()


def test_a_statement_with_no_spaces_never_widens_a_page(demo_server, browser, small_conversation):
    """A 280-character run with no space (a pasted link, a keyboard held down) wraps in every table and list."""
    cid = small_conversation
    db = Database(f"sqlite:///{demo_server.db_path}")
    try:
        with db.write() as s:
            statements.add_statements(s, cid, ["https://example.org/" + "x" * 260])
    finally:
        db.dispose()
    for width in (360, 1280):
        ctx = browser.new_context(viewport={"width": width, "height": 900})
        page = ctx.new_page()
        sign_in(page, demo_server.base, f"/organiser/c/{cid}")
        for path in (f"/organiser/c/{cid}", f"/organiser/c/{cid}/translations", f"/c/{cid}/results/channels"):
            page.goto(demo_server.base + path)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, f"{path} at {width}px scrolls sideways by {overflow}px"
        ctx.close()


def test_the_places_to_go_next_table_keeps_words_whole_on_a_phone(demo_server, browser):
    """It scrolls sideways inside its own box; a place's name or "not heard" is never cut mid-word."""
    ctx = browser.new_context(viewport={"width": 360, "height": 800}, bypass_csp=True)
    page = ctx.new_page()
    cid = demo_server.urls["participant"].rstrip("/").rsplit("/", 1)[1]
    sign_in(page, demo_server.base, f"/organiser/c/{cid}/places")
    page.goto(f"{demo_server.base}/organiser/c/{cid}/places")
    split = page.evaluate("""() => {
        const out = [];
        for (const td of [...document.querySelectorAll('.scroll td')].slice(0, 120)) {
            const text = td.firstChild;
            if (!text || text.nodeType !== Node.TEXT_NODE) continue;
            for (const m of text.data.matchAll(/\\S+/g)) {
                const r = document.createRange();
                r.setStart(text, m.index); r.setEnd(text, m.index + m[0].length);
                if (r.getClientRects().length > 1) out.push(m[0]);
            }
        }
        return out; }""")
    assert not split, f"words cut across lines: {split[:10]}"
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
    # its scrolling region has a name of its own (it repeated its section's: two landmarks called the same)
    assert _axe(page) == []
    ctx.close()


def test_pages_load_without_a_console_error(demo_server, browser):
    """Not even the browser's own request for /favicon.ico: the pages say they have no icon."""
    ctx = browser.new_context()
    page = ctx.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    for url in (f"{demo_server.base}/", demo_server.urls["participant"], demo_server.urls["results"]):
        page.goto(url)
        page.wait_for_load_state("networkidle")
    assert not errors, errors
    ctx.close()


def test_the_kiosks_table_fits_a_phone(demo_server, browser, small_conversation):
    """Opened from a phone, the list of kiosks is one card per kiosk: its address and Close button are on screen
    (the table used to run 30px off a 360px screen, cutting the address to "http:/" and Close in half)."""
    cid = small_conversation
    ctx = browser.new_context(viewport={"width": 360, "height": 800}, is_mobile=True, has_touch=True)
    page = ctx.new_page()
    sign_in(page, demo_server.base, f"/organiser/c/{cid}/kiosks")
    for event in ("", "Saturday market"):
        page.goto(f"{demo_server.base}/organiser/c/{cid}/kiosks")
        page.get_by_label("Event (optional)").fill(event)
        page.get_by_label("Staff PIN to leave kiosk mode").fill("2468")
        page.get_by_role("button", name="Open the kiosk on this device").click()
        page.wait_for_load_state()
    page.goto(f"{demo_server.base}/organiser/c/{cid}/kiosks")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the kiosks page scrolls sideways by {overflow}px"
    closes = page.get_by_role("button", name="Close")
    assert closes.count() == 2
    for i in range(2):
        box = closes.nth(i).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 360
        address = page.get_by_label("Kiosk address").nth(i)
        assert address.bounding_box()["width"] >= 200, "the kiosk's address is too narrow to read"
    expect(page.locator("table.stack td[data-label]").first).to_be_visible()
    shot(page, "phone360-kiosks")
    ctx.close()
