"""Issue #10 "Data protection" end to end in real Chromium: a participant votes and writes, reads the
privacy notice, sees and downloads their data, erases it; the organiser sets retention and erases
someone on request."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from browserkit import DESKTOP, PHONE, shot
from playwright.sync_api import expect
from sqlalchemy import func, select

from voxpop import demo_content as D
from voxpop.services import conversations, statements
from voxpop.store.db import Database
from voxpop.store.models import Organiser, Participant, Vote

pytestmark = pytest.mark.browser


@pytest.fixture
def conversation(demo_server):
    db = Database(f"sqlite:///{demo_server.db_path}")
    try:
        with db.write() as s:
            org = s.scalars(select(Organiser).where(Organiser.username == D.ORGANISER_USERNAME)).one()
            conv = conversations.create_conversation(s, topic=f"Privacy test {uuid.uuid4().hex[:6]}",
                                                     owner_id=org.id)
            statements.add_statements(s, conv.id, ["Parks should stay open late.", "Bins should be emptied weekly.",
                                                   "The pool needs a new roof."])
            return conv.id
    finally:
        db.dispose()


def _rows(demo_server, model, **where) -> int:
    db = Database(f"sqlite:///{demo_server.db_path}")
    try:
        with db.read() as s:
            q = select(func.count()).select_from(model)
            for k, v in where.items():
                q = q.where(getattr(model, k) == v)
            return s.scalar(q)
    finally:
        db.dispose()


def test_participant_sees_downloads_and_erases_their_data(demo_server, browser, conversation):
    base, cid = demo_server.base, conversation
    ctx = browser.new_context(**PHONE, accept_downloads=True)
    page = ctx.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{base}/c/{cid}")
    for word in ("agree", "disagree"):
        before = page.locator("#statement-text").inner_text()
        page.locator(f"form[data-vote-form] button[value={word}]").tap()
        expect(page.locator("#statement-text")).not_to_have_text(before)
    # the privacy notice, reached from "Your data"
    page.get_by_role("link", name="Your data").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your data")
    expect(page.locator("table tbody tr")).to_have_count(2)
    expect(page.get_by_role("table")).to_contain_text("agree")
    participant = page.locator("[data-participant]").inner_text()
    page.get_by_role("link", name="What we store, for how long, and why").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Privacy")
    expect(page.locator("[data-retention]")).to_contain_text("until they delete it")
    shot(page, "phone-privacy")
    page.get_by_role("link", name="Your data").first.click()
    with page.expect_download() as dl:
        page.get_by_role("link", name="Download my data (JSON)").click()
    data = json.loads(open(dl.value.path()).read())
    assert str(data["participant"]["id"]) == participant and len(data["votes"]) == 2
    shot(page, "phone-my-data")
    # erasing needs the confirmation box (the browser says so before sending)
    page.get_by_role("button", name="Delete my data").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your data")
    assert _rows(demo_server, Participant, id=int(participant)) == 1
    page.get_by_label("Yes, delete everything stored about me in this conversation").check()
    page.get_by_role("button", name="Delete my data").click()
    expect(page.get_by_role("status").first).to_contain_text("were deleted")
    expect(page.locator("main")).to_contain_text("Nothing is stored about you")
    assert _rows(demo_server, Participant, id=int(participant)) == 0
    assert _rows(demo_server, Vote, conversation_id=cid) == 0
    ctx.close()


def test_organiser_sets_retention_and_erases_on_request(demo_server, browser, conversation):
    from test_pages_browser import sign_in

    base, cid = demo_server.base, conversation
    voter = browser.new_context(**DESKTOP)
    vpage = voter.new_page()
    vpage.set_default_timeout(10_000)
    vpage.goto(f"{base}/c/{cid}")
    vpage.locator("form[data-vote-form] button[value=agree]").click()
    expect(vpage.locator("[data-progress]")).to_contain_text("1 of 3")
    vpage.goto(f"{base}/c/{cid}/my-data")
    number = vpage.locator("[data-participant]").inner_text()

    ctx = browser.new_context(**DESKTOP)
    page = ctx.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, base, f"/organiser/c/{cid}")
    page.get_by_label("Forget who voted, this many days after closing").fill("30")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status").first).to_contain_text("Settings saved")
    vpage.goto(f"{base}/c/{cid}/privacy")
    expect(vpage.locator("[data-retention]")).to_contain_text("30 days after this conversation closes")
    page.get_by_label("Participant number").fill(number)
    page.get_by_role("button", name="Erase this participant").click()
    expect(page.get_by_role("status").first).to_contain_text("deleted")
    assert _rows(demo_server, Participant, id=int(number)) == 0
    vpage.goto(f"{base}/c/{cid}/my-data")
    expect(vpage.locator("main")).to_contain_text("Nothing is stored about you")
    assert re.fullmatch(r"\d+", number)
    ctx.close()
    voter.close()
