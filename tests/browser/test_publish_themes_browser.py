"""Publishing listening themes in real Chromium against a real `voxpop demo` server: the organiser publishes
the themes from the listening page and a reader who is not signed in then sees them by place on the results
page; a newer run stays off the results page until it is published too; withdrawing takes them off; another
organiser cannot publish. The publishing part of the listening page passes axe-core."""

from __future__ import annotations

import re
import uuid

import pytest
from browserkit import DESKTOP, PHONE, SHOTS
from playwright.sync_api import expect
from sqlalchemy import select
from test_pages_browser import _axe, sign_in

from voxpop import demo_content as D
from voxpop.places.io import read_places
from voxpop.places.layout import referendum_places_path
from voxpop.services import accounts, conversations
from voxpop.store.db import Database
from voxpop.store.models import Organiser
from voxpop.store.places import replace_places
from voxpop.store.queries import add_artifact
from voxpop.web.api.listen import THEMES_KIND

pytestmark = pytest.mark.browser
OTHER = ("other-organiser", "another-long-test-password")


def _section(label: str, n: int = 6) -> dict:
    """The parts of a themes section that themes by place reads: n people in Leeds speaking about `label`."""
    return {"schema": "voxpop.themes", "themes": [{"id": 0, "label": label}],
            "testimonies": [{"id": f"t{k}", "speaker": f"P{k}", "place": "Leeds", "claims": [f"t{k}:0"], "text": "."}
                            for k in range(n)],
            "claims": [{"id": f"t{k}:0", "testimony": f"t{k}", "theme": 0} for k in range(n)]}


def _db(demo_server) -> Database:
    return Database(f"sqlite:///{demo_server.db_path}")


def _conversation(demo_server) -> str:
    """A conversation of the demo's organiser with places and one finished listening run, not published."""
    db = _db(demo_server)
    try:
        with db.write() as s:
            org = s.scalars(select(Organiser).where(Organiser.username == D.ORGANISER_USERNAME)).one()
            cid = conversations.create_conversation(s, topic=f"Publishing {uuid.uuid4().hex[:6]}", owner_id=org.id).id
            replace_places(s, cid, read_places(referendum_places_path(), "eu-referendum-2016"))
            add_artifact(s, cid, THEMES_KIND, _section("Bus services"))
            if s.scalars(select(Organiser).where(Organiser.username == OTHER[0])).first() is None:
                accounts.create_organiser(s, *OTHER)
        return cid
    finally:
        db.dispose()


def _newer_run(demo_server, cid: str, label: str) -> None:
    db = _db(demo_server)
    try:
        with db.write() as s:
            add_artifact(s, cid, THEMES_KIND, _section(label))
    finally:
        db.dispose()


def _public_themes(reader, url: str) -> str | None:
    """What a reader who is not signed in sees as themes by place (None: no such section)."""
    reader.goto(url)
    expect(reader.get_by_role("heading", level=1)).to_be_visible()
    section = reader.locator("#themes-by-place")
    return section.inner_text() if section.count() else None


def test_organiser_publishes_a_reader_sees_withdraw_hides(demo_server, browser):
    base, cid = demo_server.base, _conversation(demo_server)
    results = f"{base}/c/{cid}/results"
    org_ctx, reader_ctx = browser.new_context(bypass_csp=True, **DESKTOP), browser.new_context(**DESKTOP)
    org, reader = org_ctx.new_page(), reader_ctx.new_page()
    for p in (org, reader):
        p.set_default_timeout(15_000)
    try:
        assert _public_themes(reader, results) is None  # found, not checked: not public
        sign_in(org, base, f"/organiser/c/{cid}/listen")
        panel = org.locator("#publishing")
        expect(panel).to_contain_text("Not on the results page.")
        expect(org.locator("#themes-by-place")).to_contain_text("Bus services")  # the organiser sees them
        problems = _axe(org)
        assert not problems, problems
        panel.get_by_role("button", name="Publish these themes on the results page").click()
        expect(org.get_by_role("status")).to_contain_text("The themes are on the results page now.")
        expect(panel).to_contain_text(re.compile(r"On the results page since .+: the themes of the run that finished "
                                                 r"(then|at \d\d:\d\d UTC that day)\."))
        shown = _public_themes(reader, results)
        assert shown is not None and "Bus services" in shown

        # a newer run: the organiser sees it, the public still sees the published one
        _newer_run(demo_server, cid, "Rent and housing")
        org.reload()
        expect(panel).to_contain_text("A newer run is not published yet")
        expect(org.locator("#themes-by-place")).to_contain_text("Rent and housing")
        shown = _public_themes(reader, results)
        assert "Bus services" in shown and "Rent and housing" not in shown
        # on the results page the organiser sees what the public sees, and a note that leads back
        org.goto(results)
        expect(org.locator("#themes-by-place")).to_contain_text("Bus services")
        org.get_by_role("link", name="Check and publish them on the listening page").click()
        expect(org).to_have_url(re.compile(rf"/organiser/c/{cid}/listen#publishing$"))
        panel.get_by_role("button", name="Publish the newer themes instead").click()
        expect(org.get_by_role("status")).to_contain_text("The themes are on the results page now.")
        shown = _public_themes(reader, results)
        assert "Rent and housing" in shown and "Bus services" not in shown

        # withdraw: gone from the results page, still on the listening page
        panel.get_by_role("button", name="Withdraw the themes from the results page").click()
        expect(org.get_by_role("status")).to_contain_text("The themes were taken off the results page.")
        expect(panel).to_contain_text("Not on the results page.")
        assert _public_themes(reader, results) is None
        expect(org.locator("#themes-by-place")).to_contain_text("Rent and housing")
    finally:
        org_ctx.close()
        reader_ctx.close()


def test_another_organiser_cannot_publish(demo_server, browser):
    base, cid = demo_server.base, _conversation(demo_server)
    ctx = browser.new_context(**DESKTOP)
    page = ctx.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{base}/organiser/sign-in?next=/organiser")
        page.get_by_label("Username").fill(OTHER[0])
        page.get_by_label("Password").fill(OTHER[1])
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        assert "/organiser/sign-in" not in page.url, page.locator("main").inner_text()[:500]
        r = page.goto(f"{base}/organiser/c/{cid}/listen")
        assert r.status == 403
        expect(page.get_by_role("main")).to_contain_text("another organiser")
        # the JSON twin, from this organiser's own signed-in page (same origin, their cookie)
        status = page.evaluate("""async (url) => (await fetch(url, {method: 'POST'})).status""",
                               f"/api/v1/conversations/{cid}/listen/published")
        assert status == 403
        assert _public_themes(page, f"{base}/c/{cid}/results") is None
    finally:
        ctx.close()


def _gap(a: dict, b: dict) -> float:
    """The space between two boxes (negative when they overlap)."""
    return max(b["x"] - (a["x"] + a["width"]), a["x"] - (b["x"] + b["width"]),
               b["y"] - (a["y"] + a["height"]), a["y"] - (b["y"] + b["height"]))


def test_the_publishing_buttons_have_room_on_a_phone(demo_server, browser):
    """WCAG 2.2 2.5.8: on a 360px phone, the two buttons and the link to the results page are each a target of
    their own, with space between them (they touched, and the link sat right under them)."""
    base, cid = demo_server.base, _conversation(demo_server)
    ctx = browser.new_context(bypass_csp=True, **{**PHONE, "viewport": {"width": 360, "height": 800}})
    page = ctx.new_page()
    page.set_default_timeout(15_000)
    try:
        sign_in(page, base, f"/organiser/c/{cid}/listen")
        panel = page.locator("#publishing")
        panel.get_by_role("button", name="Publish these themes on the results page").click()
        expect(page.get_by_role("status")).to_contain_text("The themes are on the results page now.")
        said = panel.locator("p").first.inner_text()
        assert len(re.findall(r"\d\d:\d\d", said)) == 1 or "that day" in said, said  # each time said once
        _newer_run(demo_server, cid, "Rent and housing")
        page.reload()
        targets = [panel.get_by_role("button", name="Publish the newer themes instead"),
                   panel.get_by_role("button", name="Withdraw the themes from the results page"),
                   panel.get_by_role("link", name="See the results page")]
        boxes = [t.bounding_box() for t in targets]
        assert all(b and b["height"] >= 44 and b["width"] >= 24 for b in boxes), boxes
        for i, a in enumerate(boxes):
            for b in boxes[i + 1:]:
                assert _gap(a, b) >= 8, (a, b)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, width
        SHOTS.mkdir(parents=True, exist_ok=True)  # for people to look at (not compared)
        panel.screenshot(path=str(SHOTS / "publishing-panel-phone.png"))
        problems = _axe(page)
        assert not problems, problems
        page.get_by_role("link", name="See the results page").click()
        expect(page).to_have_url(re.compile(rf"/c/{cid}/results$"))
    finally:
        ctx.close()
