"""Kiosk mode in real Chromium against a real `voxpop serve` (uvicorn, temp SQLite).

- "Next person" leaves no trace of the previous person (screen, storage, the next person's statements)
- with the network cut (context.set_offline), 20 votes from 2 people are cast, the page is reloaded, the
  network returns, and exactly those 20 votes are stored; sending the same queue twice stores nothing twice
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from sqlalchemy import select

from voxpop.fieldwork import kiosk as FK
from voxpop.services import conversations, statements
from voxpop.store.db import Database
from voxpop.store.models import Participant, Vote, VoteEvent
from voxpop.store.models_fieldwork import FieldParticipant

pytestmark = pytest.mark.browser
N_STATEMENTS = 12


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("kiosk")
    url = f"sqlite:///{tmp}/kiosk.db"
    db = Database(url)
    db.upgrade()
    port = _free_port()
    log = tmp / "server.log"
    env = {**os.environ, "VOXPOP_DATABASE_URL": url, "PYTHONUNBUFFERED": "1"}
    with open(log, "w") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "voxpop.cli", "serve", "--port", str(port), "--analysis", "off"],
                                stdout=fh, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"voxpop serve did not start:\n{Path(log).read_text()}") from None
                time.sleep(0.2)
        yield {"base": f"http://127.0.0.1:{port}", "db": db, "log": log}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def _kiosk(db: Database, questions: str | None = None, idle_seconds: int = 120) -> tuple[str, str]:
    with db.write() as s:
        conv = conversations.create_conversation(s, topic="What should our town do?")
        statements.add_statements(s, conv.id, [f"Kiosk statement number {i}" for i in range(N_STATEMENTS)])
        k = FK.open_kiosk(s, conv.id, pin="2468", place="Market Town", event="Saturday market", questions=questions,
                          idle_seconds=idle_seconds)
        return conv.id, k.id


def _open(browser, base: str, kid: str):
    ctx = browser.new_context(viewport={"width": 800, "height": 1100}, has_touch=True)
    page = ctx.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/k/{kid}")
    page.wait_for_selector("main[data-ready='1']")
    return ctx, page


def _statement(page) -> str:
    return page.locator("#k-statement").inner_text()


def _waiting(page, expected: int) -> int:
    """The device's count of items waiting to be sent, once it shows `expected` (or the time is up)."""
    try:
        page.wait_for_function("n => document.getElementById('k-sync').getAttribute('data-waiting') === String(n)",
                               arg=expected, timeout=5000)
    except PlaywrightTimeout:  # the assertion below reports the value
        pass
    return int(page.locator("#k-sync").get_attribute("data-waiting") or "-1")


def _vote_n(page, n: int, values=("agree", "disagree", "pass")) -> list[str]:
    seen = []
    for i in range(n):
        page.wait_for_selector("#k-vote:not([hidden])")
        text = _statement(page)
        assert text and text not in seen
        seen.append(text)
        page.click(f"button[data-vote='{values[i % len(values)]}']")
        page.wait_for_function("t => document.getElementById('k-statement').textContent !== t "
                               "|| !document.getElementById('k-done').hidden", arg=text)
    return seen


def _stored(db: Database, cid: str) -> tuple[int, int, int]:
    with db.read() as s:
        votes = s.scalars(select(Vote).where(Vote.conversation_id == cid)).all()
        events = s.scalars(select(VoteEvent).where(VoteEvent.conversation_id == cid)).all()
        people = s.scalars(select(FieldParticipant).where(FieldParticipant.conversation_id == cid,
                                                          FieldParticipant.channel == "kiosk")).all()
        return len(votes), len(events), len(people)


def test_next_person_leaves_no_trace(browser, server):
    cid, kid = _kiosk(server["db"], questions="Age band: 16-29, 30-44, 45-64, 65+")
    ctx, page = _open(browser, server["base"], kid)
    try:
        h0 = page.evaluate("() => history.length")
        page.click("#k-start")
        page.check("input[value='65+']")
        page.click("#k-q-form button[type=submit]")
        first = _vote_n(page, 3)
        page.locator("#k-add summary").click()
        page.fill("#k-add-text", "Something only the first person wrote")
        page.click("#k-next")
        page.wait_for_selector("#k-welcome:not([hidden])")
        # nothing of the first person on the screen, in the device's person record, or in the next flow
        html = page.content()
        assert not any(t in html for t in first) and "Something only the first person wrote" not in html
        assert page.evaluate("""() => new Promise(r => { const q = indexedDB.open('voxpop-field');
            q.onsuccess = () => { const g = q.result.transaction('person').objectStore('person').getAll();
            g.onsuccess = () => r(g.result.length); }; })""") == 0
        page.click("#k-start")
        page.wait_for_selector("#k-questions:not([hidden])")
        assert page.locator("input[value='65+']").is_checked() is False
        page.click("#k-q-form button[type=submit]")
        page.wait_for_selector("#k-vote:not([hidden])")
        assert "0 " in page.locator("#k-progress").inner_text() or page.locator("#k-progress").inner_text().startswith("Statement 0")
        assert page.evaluate("() => history.length") == h0  # no history entries to go back to the first person
        second = _vote_n(page, N_STATEMENTS)  # the second person gets every statement, whatever the first did
        assert len(set(second)) == N_STATEMENTS
        page.wait_for_function("() => document.getElementById('k-sync').getAttribute('data-waiting') === '0'")
        votes, events, people = _stored(server["db"], cid)
        assert (votes, events, people) == (3 + N_STATEMENTS, 3 + N_STATEMENTS, 2)
        with server["db"].read() as s:
            strata = [p.strata for p in s.scalars(select(Participant).where(Participant.conversation_id == cid))]
            places = {p.place_id for p in s.scalars(select(Participant).where(Participant.conversation_id == cid))}
        assert {"age_band": "65+"} in strata and places == {"Market Town"}
        # the staff PIN: a wrong one keeps kiosk mode, the right one leaves
        page.click("#k-leave")
        page.fill("#k-pin", "1111")
        page.click("#k-pin-form button[type=submit]")
        page.wait_for_function("() => document.getElementById('k-message').textContent.length > 0")
        assert "/k/" in page.url
        page.fill("#k-pin", "2468")
        page.click("#k-pin-form button[type=submit]")
        page.wait_for_url("**/organiser/**")  # the organiser's kiosk page (via sign-in on this device)
        assert f"/organiser/c/{cid}/kiosks" in unquote(page.url)
    finally:
        ctx.close()


def test_offline_votes_survive_a_reload_and_count_once(browser, server):
    cid, kid = _kiosk(server["db"])
    ctx, page = _open(browser, server["base"], kid)
    try:
        page.wait_for_function("() => navigator.serviceWorker.controller !== null || "
                               "navigator.serviceWorker.ready.then(() => true)")
        page.reload()  # now controlled by the service worker, and its cache holds the page
        page.wait_for_selector("main[data-ready='1']")
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")
        page.wait_for_function("async () => (await (await caches.open('voxpop-kiosk-v1')).keys()).length >= 3")

        ctx.set_offline(True)
        page.click("#k-start")
        _vote_n(page, 10)
        assert _waiting(page, 11) == 11  # one person + ten votes
        assert "10" in page.locator("#k-sync").inner_text()
        page.click("#k-next")
        page.click("#k-start")
        _vote_n(page, 5)
        resp = page.reload()  # offline: the service worker answers with the cached page; the person carries on
        assert resp is not None and resp.ok and resp.from_service_worker
        page.wait_for_selector("main[data-ready='1']")
        assert _waiting(page, 17) == 17
        _vote_n(page, 5)
        assert _waiting(page, 22) == 22
        assert _stored(server["db"], cid) == (0, 0, 0)  # nothing reached the server

        queue = page.evaluate("() => window.voxpopKiosk.queued()")
        ctx.set_offline(False)
        page.evaluate("() => window.voxpopKiosk.sync()")
        page.wait_for_function("() => document.getElementById('k-sync').getAttribute('data-waiting') === '0'")
        assert _stored(server["db"], cid) == (20, 20, 2)

        # a double sync: the same queue sent again (as a second tab or an interrupted send would) stores nothing
        page.evaluate("""(items) => new Promise(r => { const q = indexedDB.open('voxpop-field');
            q.onsuccess = () => { const t = q.result.transaction('queue', 'readwrite');
              for (const it of items) { const c = Object.assign({}, it); delete c.seq; t.objectStore('queue').add(c); }
              t.oncomplete = () => r(true); }; })""", queue)
        page.evaluate("() => Promise.all([window.voxpopKiosk.sync(), window.voxpopKiosk.sync()])")
        page.wait_for_function("() => document.getElementById('k-sync').getAttribute('data-waiting') === '0'")
        assert _stored(server["db"], cid) == (20, 20, 2)
    finally:
        ctx.close()


def test_the_idle_timeout_starts_afresh(browser, server):
    cid, kid = _kiosk(server["db"], idle_seconds=15)
    ctx = browser.new_context()
    page = ctx.new_page()
    page.set_default_timeout(15_000)
    try:
        page.clock.install()
        page.goto(f"{server['base']}/k/{kid}")
        page.wait_for_selector("main[data-ready='1']")
        page.click("#k-start")
        first = _vote_n(page, 2)
        page.clock.run_for(10_000)
        assert page.locator("#k-vote").is_visible()  # still within the timeout
        page.clock.run_for(16_000)
        page.wait_for_selector("#k-welcome:not([hidden])")
        assert not any(t in page.content() for t in first)
    finally:
        ctx.close()


def test_a_phone_votes_offline_and_its_votes_arrive_once(browser, server):
    """Personal mode (/k/c/{cid}): the participant's own phone, its own cookie; offline, reload, online."""
    cid, _ = _kiosk(server["db"])
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = ctx.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{server['base']}/k/c/{cid}")
        page.wait_for_selector("main[data-ready='1']")
        assert page.locator("#k-next").count() == 0 and page.locator("#k-leave").count() == 0
        page.click("#k-start")
        _vote_n(page, 2)  # online
        page.wait_for_function("() => document.getElementById('k-sync').getAttribute('data-waiting') === '0'")
        page.reload()
        page.wait_for_selector("main[data-ready='1']")
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")
        page.wait_for_function("async () => (await (await caches.open('voxpop-kiosk-v1')).keys()).length >= 3")
        ctx.set_offline(True)
        _vote_n(page, 4)
        resp = page.reload()
        assert resp is not None and resp.ok and resp.from_service_worker
        page.wait_for_selector("main[data-ready='1']")
        assert _waiting(page, 4) == 4
        _vote_n(page, 3)
        assert _waiting(page, 7) == 7
        assert _stored(server["db"], cid)[:2] == (2, 2)
        queue = page.evaluate("() => window.voxpopKiosk.queued()")
        ctx.set_offline(False)
        page.evaluate("() => window.voxpopKiosk.sync()")
        page.wait_for_function("() => document.getElementById('k-sync').getAttribute('data-waiting') === '0'")
        page.evaluate("""(items) => new Promise(r => { const q = indexedDB.open('voxpop-field');
            q.onsuccess = () => { const t = q.result.transaction('queue', 'readwrite');
              for (const it of items) { const c = Object.assign({}, it); delete c.seq; t.objectStore('queue').add(c); }
              t.oncomplete = () => r(true); }; })""", queue)
        page.evaluate("() => window.voxpopKiosk.sync()")
        page.wait_for_function("() => document.getElementById('k-sync').getAttribute('data-waiting') === '0'")
        with server["db"].read() as s:
            voters = set(s.scalars(select(Vote.participant_id).where(Vote.conversation_id == cid)))
        assert _stored(server["db"], cid)[:2] == (9, 9) and len(voters) == 1  # one phone, one participant
    finally:
        ctx.close()
