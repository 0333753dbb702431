"""The organiser uploads testimony in real Chromium against a real `voxpop demo` server: the upload answers at
once with the job's page, which shows the work going on (a live region and a progress bar, updated by a small
script polling the JSON twin) and then links to the themes; the page passes axe-core and works by keyboard."""

from __future__ import annotations

import re
import time
import uuid

import pytest
from browserkit import DESKTOP
from playwright.sync_api import expect
from sqlalchemy import select
from test_pages_browser import _axe, _basic_checks, sign_in

from voxpop import demo_content as D
from voxpop.services import conversations
from voxpop.store.db import Database
from voxpop.store.models import Organiser

pytestmark = pytest.mark.browser
TOPICS = ["The buses to the villages stopped running after six in the evening",
          "Rents in the town centre have doubled and young families are moving away",
          "The library is the only warm place for some older people in winter"]


def _conversation(demo_server) -> str:
    db = Database(f"sqlite:///{demo_server.db_path}")
    try:
        with db.write() as s:
            org = s.scalars(select(Organiser).where(Organiser.username == D.ORGANISER_USERNAME)).one()
            return conversations.create_conversation(s, topic=f"Listening {uuid.uuid4().hex[:6]}",
                                                     owner_id=org.id).id
    finally:
        db.dispose()


def test_organiser_uploads_testimony_sees_progress_then_themes(demo_server, browser, tmp_path):
    base, cid = demo_server.base, _conversation(demo_server)
    csv = tmp_path / "voices.csv"
    rows = [f'{i},"{TOPICS[i % 3]}, said person {i}. We talked about it on day {i % 31}.",North'
            for i in range(3000)]  # big enough for the work to take a few seconds
    csv.write_text("id,text,place\n" + "\n".join(rows) + "\n", encoding="utf-8")
    ctx = browser.new_context(**DESKTOP)
    page = ctx.new_page()
    page.set_default_timeout(15_000)
    try:
        sign_in(page, base, f"/organiser/c/{cid}/listen")
        files = page.get_by_label("Testimony files (.csv, .txt, .md)")
        # over the limits: said next to the field at once, and the form is not sent
        files.set_input_files([{"name": f"t{i}.txt", "mimeType": "text/plain", "buffer": b"Some words."}
                               for i in range(51)])
        expect(page.get_by_role("alert")).to_have_text("That is 51 files; send at most 50 at a time.")
        expect(files).to_have_attribute("aria-invalid", "true")
        page.get_by_role("button", name="Find themes").click()
        expect(page).to_have_url(re.compile(rf"/organiser/c/{cid}/listen(\?[^/]*)?$"))  # not sent
        files.set_input_files(str(csv))
        expect(page.get_by_role("alert")).to_have_text("")
        expect(files).not_to_have_attribute("aria-invalid", "true")
        page.get_by_label("TF-IDF (fast, no model)").check()
        page.get_by_role("button", name="Find themes").press("Enter")  # by keyboard
        page.wait_for_url(re.compile(rf"/organiser/c/{cid}/listen/jobs/[\w-]+$"))
        status = page.get_by_role("status").filter(has=page.locator(".job-text"))
        expect(status).to_have_attribute("aria-live", "polite")
        expect(page.locator(".job-refresh")).to_be_hidden()  # the script polls instead of the refresh link
        seen_words, seen_values = set(), set()
        deadline = time.time() + 240
        while time.time() < deadline:
            seen_words.add(status.inner_text().strip())
            if page.locator("progress").is_visible():
                seen_values.add(int(page.locator("progress").get_attribute("value") or 0))
            if page.get_by_role("link", name="See the themes").is_visible():
                break
            page.wait_for_timeout(100)
        expect(status).to_have_text("Done: the themes are ready.")
        assert any(w.startswith("Working:") for w in seen_words), seen_words  # the stages were shown
        assert any(0 < v < 100 for v in seen_values), seen_values  # and the bar moved
        job_url = page.url
        link = page.get_by_role("link", name="See the themes")
        link.focus()
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(rf"/organiser/c/{cid}/listen\?msg=listened"))
        expect(page.get_by_role("status").first).to_contain_text("Testimony analysed")
        expect(page.get_by_role("heading", name=re.compile("What people said: themes"))).to_be_visible()
        expect(page.locator("#listen-job")).to_have_count(0)  # a finished job shows as its themes
    finally:
        ctx.close()
    # axe-core is injected as an inline script, which the pages' CSP (rightly) refuses: a context without it
    ctx = browser.new_context(**DESKTOP, bypass_csp=True)
    page = ctx.new_page()
    try:
        sign_in(page, base, job_url.removeprefix(base))
        problems = _basic_checks(page) + _axe(page)
        assert not problems, problems
    finally:
        ctx.close()
