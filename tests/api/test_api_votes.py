"""Participants: next statement, vote, idempotent retries, change, undo, xid, closed, rate limits."""

from __future__ import annotations

from sqlalchemy import func, select

from voxpop.store.db import get_database
from voxpop.store.models import Vote, VoteEvent


def _counts(api, cid):
    with get_database(api.db_url).read() as s:
        n_cur = s.scalar(select(func.count()).select_from(Vote).where(Vote.conversation_id == cid))
        n_ev = s.scalar(select(func.count()).select_from(VoteEvent).where(VoteEvent.conversation_id == cid))
    return n_cur, n_ev


def test_next_never_repeats_a_voted_statement(api):
    cid = api.conversation(n_statements=6)
    seen = []
    for _ in range(6):
        st = api.c.get(f"/api/v1/conversations/{cid}/next").json()["statement"]
        assert st is not None and st["id"] not in seen
        seen.append(st["id"])
        assert api.vote(cid, st["id"], "pass").status_code == 200
    assert api.c.get(f"/api/v1/conversations/{cid}/next").json()["statement"] is None
    assert sorted(seen) == list(range(6))
    skip = api.c.get(f"/api/v1/conversations/{cid}/next?xid=fresh&without=0,1,2,3,4").json()["statement"]
    assert skip["id"] == 5


def test_anonymous_cookie_is_signed_and_unguessable(api):
    cid = api.conversation()
    r = api.c.get(f"/api/v1/conversations/{cid}/me")
    cookie = r.cookies.get("voxpop_anon") or api.c.cookies.get("voxpop_anon")
    assert cookie and len(cookie) > 30
    assert r.json()["participant"] is None  # reading creates nobody; the first vote does
    me = api.vote(cid, 0).json()["participant"]
    assert api.c.get(f"/api/v1/conversations/{cid}/me").json()["participant"] == me
    api.c.cookies.clear()
    api.c.cookies.set("voxpop_anon", cookie[:-3] + "AAA")  # tampered: a new participant, not a takeover
    assert api.c.get(f"/api/v1/conversations/{cid}/me").json()["participant"] != me


def test_client_key_makes_retries_count_once(api):
    cid = api.conversation()
    first = api.vote(cid, 0, "agree", client_key="key-0001")
    assert first.status_code == 200 and first.json()["replayed"] is False
    for _ in range(3):
        again = api.vote(cid, 0, "agree", client_key="key-0001")
        assert again.status_code == 200 and again.json()["replayed"] is True
        assert again.json()["event_id"] == first.json()["event_id"]
    assert _counts(api, cid) == (1, 1)
    clash = api.vote(cid, 1, "disagree", client_key="key-0001")
    assert clash.status_code == 409 and "client_key" in clash.json()["message"]


def test_change_and_undo(api):
    cid = api.conversation()
    assert api.vote(cid, 2, "agree").json()["previous"] is None
    r = api.vote(cid, 2, "disagree")
    assert r.json()["previous"] == "agree" and r.json()["vote"] == "disagree"
    assert api.c.get(f"/api/v1/conversations/{cid}/me").json()["votes"] == {"2": "disagree"}
    r = api.c.delete(f"/api/v1/conversations/{cid}/votes/2")
    assert r.status_code == 200 and r.json()["previous"] == "disagree" and r.json()["vote"] is None
    assert api.c.get(f"/api/v1/conversations/{cid}/me").json()["votes"] == {}
    assert _counts(api, cid) == (0, 3)  # history keeps every step, the current vote is gone
    r = api.c.post(f"/api/v1/conversations/{cid}/votes/2/undo", json={})
    assert r.status_code == 200 and r.json()["event_id"] is None  # nothing to undo: nothing written


def test_xid_participants_are_separate(api):
    cid = api.conversation()
    a = api.vote(cid, 0, "agree", xid="host-user-1").json()["participant"]
    b = api.vote(cid, 0, "disagree", xid="host-user-2").json()["participant"]
    assert a != b
    assert api.vote(cid, 1, "agree", xid="host-user-1").json()["participant"] == a
    me = api.c.get(f"/api/v1/conversations/{cid}/me?xid=host-user-1").json()
    assert me["votes"] == {"0": "agree", "1": "agree"}


def test_closed_conversation_takes_no_votes(api):
    cid = api.conversation()
    api.c.post(f"/api/v1/conversations/{cid}/close", headers=api.auth)
    r = api.vote(cid, 0)
    assert r.status_code == 409 and "closed" in r.json()["message"]


def test_unknown_statement_and_conversation(api):
    cid = api.conversation()
    r = api.vote(cid, 999)
    assert r.status_code == 404 and "no statement 999" in r.json()["message"]
    r = api.vote("nope-nope", 0)
    assert r.status_code == 404 and "no conversation" in r.json()["message"]


def test_participant_rate_limit_429(api):
    cid = api.conversation(n_statements=40)
    # votes as fast as we can against a burst of 30 refilled at 10/s: refused well before 200 (it would take
    # 17 s of votes to avoid it). The refusal is checked on the response that got it: a later request may
    # legitimately pass once a slow machine has let the bucket refill.
    codes = []
    for i in range(200):
        r = api.vote(cid, i % 40, "agree" if i % 2 else "pass")
        codes.append(r.status_code)
        if r.status_code == 429:
            break
    assert r.status_code == 429 and set(codes[:-1]) == {200} and len(codes) > 30, codes
    assert "wait" in r.json()["message"] and int(r.headers["Retry-After"]) >= 1
    assert api.vote(cid, 0, xid="someone-else").status_code == 200  # other participants are unaffected


def test_fast_path_and_route_agree(api):
    """The lean vote path and the FastAPI route give the same answers (the route handles all errors)."""
    cid = api.conversation()
    app = api.c.app
    fast = app.fast_votes
    results = []
    try:
        for enabled in (True, False):
            app.fast_votes = fast if enabled else None
            who = f"path-{enabled}"
            ok = api.vote(cid, 1, "agree", xid=who, client_key="same")
            again = api.vote(cid, 1, "agree", xid=who, client_key="same")
            clash = api.vote(cid, 2, "agree", xid=who, client_key="same")
            missing = api.vote(cid, 77, "agree", xid=who)
            bad = api.vote(cid, 1, "sideways", xid=who)
            results.append([(r.status_code, {k: v for k, v in r.json().items() if k not in ("participant", "event_id")})
                            for r in (ok, again, clash, missing, bad)])
    finally:
        app.fast_votes = fast
    assert results[0] == results[1]
    assert [code for code, _ in results[0]] == [200, 200, 409, 404, 422]
