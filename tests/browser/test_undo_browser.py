"""Undo in real Chromium: after undoing a vote the participant sees the statement just undone again
(with JavaScript, and without); a bad address shows a page, not JSON."""

from __future__ import annotations

import re
import uuid

import pytest
from browserkit import PHONE
from playwright.sync_api import expect

from voxpop.services import conversations, statements
from voxpop.store.db import Database

pytestmark = pytest.mark.browser

TEXTS = ["The library should open on Sundays.", "Buses should run after midnight.",
         "The market should move to the square.", "Every school should have a garden.",
         "The swimming pool should stay open all year."]


@pytest.fixture
def conversation(demo_server):
    db = Database(f"sqlite:///{demo_server.db_path}")
    try:
        with db.write() as s:
            conv = conversations.create_conversation(s, topic=f"Undo test {uuid.uuid4().hex[:6]}")
            statements.add_statements(s, conv.id, TEXTS)
            return conv.id
    finally:
        db.dispose()


@pytest.mark.parametrize("javascript", [True, False])
def test_undo_shows_the_statement_just_undone(demo_server, browser, conversation, javascript):
    ctx = browser.new_context(java_script_enabled=javascript, **PHONE)
    page = ctx.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{demo_server.base}/c/{conversation}")
    for n in (1, 2):  # two votes: the undo must bring back the second, not the first nor the next
        voted_on = page.locator("#statement-text").inner_text()
        page.locator("form[data-vote-form] button[value=agree]").click()
        if not javascript:
            page.wait_for_url(re.compile(r"msg=voted"))
        expect(page.locator("[data-voted]")).to_have_text(str(n))
        expect(page.locator("#statement-text")).not_to_have_text(voted_on)
    page.get_by_role("button", name="Undo my last vote").click()
    page.wait_for_url(re.compile(r"msg=undone"))
    expect(page.locator(".notice[role=status]").first).to_contain_text("Your last vote was undone")
    expect(page.locator("#statement-text")).to_have_text(voted_on)
    expect(page.locator("[data-voted]")).to_have_text("1")
    # voting again on it is recorded, and the card moves on
    page.locator("form[data-vote-form] button[value=disagree]").click()
    expect(page.locator("[data-voted]")).to_have_text("2")
    expect(page.locator("#statement-text")).not_to_have_text(voted_on)
    ctx.close()


def test_a_bad_address_shows_a_page(demo_server, browser):
    ctx = browser.new_context(**PHONE)
    page = ctx.new_page()
    response = page.goto(f"{demo_server.base}/c/no-such-conversation")
    assert response.status == 404 and response.headers["content-type"].startswith("text/html")
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("check the link or the id")
    ctx.close()
