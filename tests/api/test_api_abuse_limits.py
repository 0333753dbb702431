"""Identities and sign-in attempts cost something (issue #10, items 6 and 7), tried as an attacker
would over the real app: fresh cookies and fresh xids from one address, reads that used to create
participants, and password guessing across usernames. The limits are the production defaults unless a
test says otherwise (voxpop.web.abuse.AbuseLimits)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.api.conftest import PASSWORD, make_organiser, open_api

from voxpop.store.db import get_database
from voxpop.store.models import Participant
from voxpop.web.abuse import AbuseGuard, AbuseLimits, Backoff


@pytest.fixture
def api(tmp_path):
    with open_api(f"sqlite:///{tmp_path}/voxpop.db") as a:
        yield a


def _participants(api, cid: str) -> int:
    with get_database(api.db_url).read() as s:
        return s.scalar(select(func.count()).select_from(Participant).where(Participant.conversation_id == cid))


def _fresh(api) -> TestClient:
    """A client with no cookies, from the same address as api.c."""
    return TestClient(api.c.app)


def test_reads_create_no_participants(api):
    cid = api.conversation(n_statements=3)
    for _ in range(30):
        c = _fresh(api)
        r = c.get(f"/api/v1/conversations/{cid}/next")
        assert r.status_code == 200 and r.json()["statement"] is not None and r.json()["participant"] is None
        assert c.get(f"/api/v1/conversations/{cid}/me").json()["participant"] is None
        assert c.get(f"/api/v1/conversations/{cid}/standing").status_code == 200
        c.get(f"/api/v1/conversations/{cid}/next", params={"xid": f"reader-{_}"})
    assert _participants(api, cid) == 0
    c = _fresh(api)
    r = c.post(f"/api/v1/conversations/{cid}/votes", json={"statement": 0, "vote": "agree"})
    assert r.status_code == 200
    assert _participants(api, cid) == 1  # the first write creates the participant
    me = c.get(f"/api/v1/conversations/{cid}/me").json()
    assert me["participant"] == r.json()["participant"] and me["votes"] == {"0": "agree"}
    assert c.get(f"/api/v1/conversations/{cid}/next").json()["participant"] == me["participant"]


def test_fresh_xids_from_one_address_are_limited(api):
    cid = api.conversation(n_statements=2)
    burst = AbuseLimits().new_participants_burst
    codes = [api.vote(cid, 0, xid=f"sock-{i}").status_code for i in range(burst + 20)]
    assert codes[:burst] == [200] * burst and codes[-1] == 429, codes
    assert _participants(api, cid) <= burst + 1
    r = api.vote(cid, 0, xid="sock-new")
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1 and "new participants" in r.json()["message"]
    assert api.vote(cid, 1, xid="sock-0").status_code == 200  # existing participants keep voting
    other = TestClient(api.c.app, client=("203.0.113.9", 5000))  # another address is not affected
    assert other.post(f"/api/v1/conversations/{cid}/votes",
                      json={"statement": 0, "vote": "agree", "xid": "elsewhere"}).status_code == 200


def test_fresh_cookies_from_one_address_are_limited(api):
    cid = api.conversation(n_statements=2)
    burst = AbuseLimits().new_participants_burst
    codes = []
    for _ in range(burst + 10):
        codes.append(_fresh(api).post(f"/api/v1/conversations/{cid}/votes",
                                      json={"statement": 0, "vote": "agree"}).status_code)
    assert 429 in codes and codes.count(200) <= burst + 1, codes
    assert _participants(api, cid) <= burst + 1


def test_statements_from_one_address_are_limited(api):
    cid = api.conversation(n_statements=1)
    burst = AbuseLimits().statements_burst
    codes = [_fresh(api).post(f"/api/v1/conversations/{cid}/statements",
                              json={"text": f"Spam statement number {i}"}).status_code for i in range(burst + 10)]
    assert codes[:burst] == [201] * burst and codes[-1] == 429, codes
    codes = [api.c.post(f"/api/v1/conversations/{cid}/statements", json={"text": f"Spam via xid {i}", "xid": f"x{i}"}
                        ).status_code for i in range(5)]
    assert set(codes) == {429}
    # organisers seeding their own conversation are not participants: no such limit
    r = api.c.post(f"/api/v1/conversations/{cid}/statements", json={"text": "An organiser's statement"},
                   headers=api.auth)
    assert r.status_code == 201


def test_limits_are_settings():
    lim = AbuseLimits.from_env({"VOXPOP_NEW_PARTICIPANTS_BURST": "5", "VOXPOP_STATEMENTS_PER_HOUR": "0",
                                "VOXPOP_LOGIN_BACKOFF_MAX_S": "60"})
    assert lim.new_participants_burst == 5 and lim.statements_per_hour == 0 and lim.login_backoff_max_s == 60
    with pytest.raises(ValueError, match="VOXPOP_STATEMENTS_BURST"):
        AbuseLimits.from_env({"VOXPOP_STATEMENTS_BURST": "lots"})
    guard = AbuseGuard(lim)
    for _ in range(100):
        guard.new_statement("addr")  # 0 per hour: that limit is off


def test_login_guessing_across_usernames_is_slowed(api):
    codes = []
    for i in range(8):
        r = api.c.post("/api/v1/tokens", json={"username": f"guess{i}", "password": "wrong guess!"})
        codes.append(r.status_code)
    free = AbuseLimits().login_free_attempts
    assert codes[:free] == [401] * free and 429 in codes, codes
    r = api.c.post("/api/v1/tokens", json={"username": "yet-another", "password": "wrong guess!"})
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1 and "sign-in" in r.json()["message"]


def test_backoff_doubles_and_is_forgotten():
    now = [1000.0]
    b = Backoff(free=3, base=1.0, cap=8.0, forget=600.0, clock=lambda: now[0])
    waits = []
    for _ in range(8):
        assert b.wait("k") == 0
        b.attempt("k")
        waits.append(b.wait("k"))
        now[0] += waits[-1]
    assert waits == [0, 0, 1, 2, 4, 8, 8, 8]
    now[0] += 601
    assert b.wait("k") == 0


def test_nobody_can_lock_a_real_organiser_out(api):
    username, _ = make_organiser(api.db_url)
    owner = TestClient(api.c.app, client=("198.51.100.7", 1))
    assert owner.post("/api/v1/tokens", json={"username": username, "password": PASSWORD}).status_code == 201
    # attackers at many addresses hammer the account with wrong passwords
    attacked = 0
    for i in range(40):
        bad = TestClient(api.c.app, client=(f"192.0.2.{i}", 1))
        attacked += bad.post("/api/v1/tokens", json={"username": username, "password": "nope nope"}).status_code == 429
    assert attacked > 20  # the account is throttled for strangers...
    # ... but not for the browser that signed in to it before, which can still sign in at once
    r = owner.post("/api/v1/tokens", json={"username": username, "password": PASSWORD})
    assert r.status_code == 201, r.text
    # and the organiser pages' sign-in form follows the same rules
    page = owner.get("/organiser/sign-in")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    r = owner.post("/organiser/sign-in", data={"csrf_token": token, "username": username, "password": PASSWORD},
                   follow_redirects=False)
    assert r.status_code == 303, r.text


def test_only_failed_sign_ins_count_against_an_address(api):
    """Colleagues behind one office address: after about five correct sign-ins the next correct one was
    refused ("too many sign-in attempts; wait 84 s"). Correct sign-ins no longer count against the address;
    its failures still do, and a correct sign-in between them buys no more guesses."""
    free = AbuseLimits().login_free_attempts
    office = ("203.0.113.50", 1)
    names = [make_organiser(api.db_url)[0] for _ in range(3)]
    for i in range(4 * free):  # new browsers each time (no known-device cookie), three accounts, API and pages
        c = TestClient(api.c.app, client=office)
        name = names[i % len(names)]
        if i % 2:
            r = c.post("/api/v1/tokens", json={"username": name, "password": PASSWORD})
            assert r.status_code == 201, (i, r.text)
        else:
            token = c.get("/organiser/sign-in").text.split('name="csrf_token" value="')[1].split('"')[0]
            r = c.post("/organiser/sign-in", data={"csrf_token": token, "username": name, "password": PASSWORD},
                       follow_redirects=False)
            assert r.status_code == 303, (i, r.text)
    guesser = TestClient(api.c.app, client=office)
    codes = []
    for i in range(free - 1):
        codes.append(guesser.post("/api/v1/tokens", json={"username": f"guess{i}", "password": "wrong"}).status_code)
    ok = TestClient(api.c.app, client=office).post("/api/v1/tokens", json={"username": names[0], "password": PASSWORD})
    assert ok.status_code == 201
    codes.append(guesser.post("/api/v1/tokens", json={"username": "guess-last", "password": "wrong"}).status_code)
    assert codes == [401] * free, codes
    r = guesser.post("/api/v1/tokens", json={"username": "one-more", "password": "wrong"})
    assert r.status_code == 429 and "sign-in" in r.json()["message"]


def test_a_correct_sign_in_takes_back_its_own_attempt_only():
    now = [1000.0]
    guard = AbuseGuard(AbuseLimits(login_free_attempts=2), clock=lambda: now[0])
    for _ in range(10):
        guard.login_attempt("office", "ann")
        guard.login_succeeded("office", "ann")
    assert guard.login.wait("a:office") == 0
    guard.login_attempt("office", "x")
    guard.login_attempt("office", "y")  # two failures: the address waits
    assert guard.login.wait("a:office") > 0
    now[0] += 1.5
    guard.login_attempt("office", "ann")
    guard.login_succeeded("office", "ann")
    assert guard.login.wait("a:office") > 0  # its failures still count
