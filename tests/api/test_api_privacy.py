"""Issue #10 item 15 and "Data protection": a participant sees, downloads and erases what is held about
them (by cookie or xid), organisers erase on request, erasure leaves results and exports consistent,
retention settings are enforced, and the privacy notice says what is stored."""

from __future__ import annotations

import csv
import io

from sqlalchemy import func, select

from voxpop.services import privacy
from voxpop.store.db import get_database
from voxpop.store.models import Participant, Statement, Vote, VoteEvent


def _populated(api, n_voters: int = 6) -> str:
    cid = api.conversation(n_statements=4)
    for i in range(n_voters):
        for t in range(4):
            assert api.vote(cid, t, "agree" if (i + t) % 3 else "disagree", xid=f"v{i}").status_code == 200
    return cid


def _count(api, model, **where) -> int:
    with get_database(api.db_url).read() as s:
        q = select(func.count()).select_from(model)
        for k, v in where.items():
            q = q.where(getattr(model, k) == v)
        return s.scalar(q)


def test_15_participant_downloads_and_erases_by_cookie(api):
    c = api.c
    cid = _populated(api)
    empty = c.get(f"/api/v1/conversations/{cid}/me/data").json()  # nothing yet: nothing stored
    assert empty["participant"] is None and empty["votes"] == [] and "nothing is stored" in empty["message"]
    for t in range(3):
        assert api.vote(cid, t, "agree").status_code == 200
    api.vote(cid, 0, "disagree")  # a change: in the history too
    r = c.post(f"/api/v1/conversations/{cid}/statements", json={"text": "My own words about the town"})
    assert r.status_code == 201, r.text
    api.vote(cid, 4, "agree", xid="v1")  # someone else votes on my statement
    r = c.get(f"/api/v1/conversations/{cid}/me/data?download=true")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    data = r.json()
    me = data["participant"]["id"]
    assert data["participant"]["identified_by"] == "cookie"
    assert {v["statement"]: v["vote"] for v in data["votes"]} == {0: "disagree", 1: "agree", 2: "agree"}
    assert len(data["vote_history"]) == 4
    assert [st["text"] for st in data["statements"]] == ["My own words about the town"]
    before = api.fresh_analysis(cid)
    assert str(me) in {p["id"] for p in before["participants"]}

    r = c.delete(f"/api/v1/conversations/{cid}/me")
    assert r.status_code == 200, r.text
    assert r.json() == {"participant": me, "votes": 3, "statements": 1, "erased": True, "results_updated": True}
    # the rows are gone ...
    assert _count(api, Participant, id=me) == 0
    assert _count(api, Vote, participant_id=me) == 0 and _count(api, VoteEvent, participant_id=me) == 0
    assert _count(api, Statement, conversation_id=cid, text="My own words about the town") == 0
    assert c.get(f"/api/v1/conversations/{cid}/me/data").json()["participant"] is None
    # ... the analysis was re-run before answering, and the exports agree with it
    after = c.get(f"/api/v1/conversations/{cid}/analysis").json()
    assert str(me) not in {p["id"] for p in after["participants"]}
    assert after["meta"]["counts"]["participants"] == before["meta"]["counts"]["participants"] - 1
    assert "My own words" not in c.get(f"/api/v1/conversations/{cid}/analysis").text
    get = lambda name: c.get(f"/api/v1/conversations/{cid}/exports/{name}", headers=api.auth).text  # noqa: E731
    voters = {r["voter-id"] for r in csv.DictReader(io.StringIO(get("votes.csv")))}
    assert str(me) not in voters and len(voters) == 6
    assert "My own words" not in get("comments.csv")
    assert str(me) not in {r["participant"] for r in csv.DictReader(io.StringIO(get("participants-votes.csv")))}
    assert dict(csv.reader(io.StringIO(get("summary.csv"))))["voters"] == "6"
    # the same browser can take part again, from nothing
    assert api.vote(cid, 1, "agree").status_code == 200
    assert [v["statement"] for v in c.get(f"/api/v1/conversations/{cid}/me/data").json()["votes"]] == [1]


def test_15_erase_by_xid_and_nothing_to_erase(api):
    c = api.c
    cid = _populated(api)
    data = c.get(f"/api/v1/conversations/{cid}/me/data?xid=v2").json()
    assert data["participant"]["identified_by"] == "xid" and data["participant"]["xid"] == "v2"
    r = c.delete(f"/api/v1/conversations/{cid}/me?xid=v2")
    assert r.status_code == 200 and r.json()["votes"] == 4
    r = c.delete(f"/api/v1/conversations/{cid}/me?xid=v2")
    assert r.status_code == 404 and "nothing is stored" in r.json()["message"]
    assert c.delete("/api/v1/conversations/no-such-conv/me?xid=v2").status_code == 404


def test_15_erased_participant_cached_elsewhere_votes_again(api):
    """Another server process erased the participant: this process still has them cached, and their next
    vote must not fail on the missing row."""
    cid = _populated(api, n_voters=2)
    with get_database(api.db_url).write() as s:
        pk = s.scalar(select(Participant.id).where(Participant.conversation_id == cid, Participant.xid == "v0"))
        privacy.erase_participant(s, cid, pk)
    r = api.vote(cid, 0, "agree", xid="v0")
    assert r.status_code == 200, r.text
    assert api.vote(cid, 1, "agree", xid="v0").json()["participant"] == r.json()["participant"]
    votes = api.c.get(f"/api/v1/conversations/{cid}/me/data?xid=v0").json()["votes"]
    assert [v["statement"] for v in votes] == [0, 1]  # a new record: nothing of the erased one came back


def test_15_organiser_erases_on_request(api):
    c = api.c
    cid = _populated(api)
    pk = c.get(f"/api/v1/conversations/{cid}/me/data?xid=v3").json()["participant"]["id"]
    other = {"Authorization": f"Bearer {api.other_organiser()}"}
    assert c.get(f"/api/v1/conversations/{cid}/participants/{pk}/data", headers=other).status_code == 403
    assert c.delete(f"/api/v1/conversations/{cid}/participants/{pk}", headers=other).status_code == 403
    assert c.delete(f"/api/v1/conversations/{cid}/participants/{pk}").status_code == 401
    r = c.get(f"/api/v1/conversations/{cid}/participants/{pk}/data", headers=api.auth)
    assert r.status_code == 200 and len(r.json()["votes"]) == 4
    r = c.delete(f"/api/v1/conversations/{cid}/participants/{pk}", headers=api.auth)
    assert r.status_code == 200 and r.json()["votes"] == 4
    r = c.delete(f"/api/v1/conversations/{cid}/participants/{pk}", headers=api.auth)
    assert r.status_code == 404 and f"no participant {pk}" in r.json()["message"]
    doc = c.get(f"/api/v1/conversations/{cid}/analysis").json()
    assert doc["meta"]["counts"]["participants"] == 5


def test_15_retention_forgets_identities_after_close(api):
    c = api.c
    cid = _populated(api, n_voters=3)
    kept = _populated(api, n_voters=3)
    r = c.patch(f"/api/v1/conversations/{cid}", json={"forget_identities_days": 30}, headers=api.auth)
    assert r.status_code == 200 and r.json()["forget_identities_days"] == 30
    r = c.patch(f"/api/v1/conversations/{cid}", json={"forget_identities_days": -1}, headers=api.auth)
    assert r.status_code == 422
    for conv in (cid, kept):
        c.post(f"/api/v1/conversations/{conv}/close", headers=api.auth)
    db = get_database(api.db_url)
    assert cid not in privacy.sweep_retention(db)  # closed today: 30 days to go
    closed = c.get(f"/api/v1/conversations/{cid}").json()["closed_ms"]
    done = privacy.sweep_retention(db, now=closed + 30 * privacy.DAY_MS)
    assert done.get(cid) == 3 and kept not in done
    with db.read() as s:
        ids = s.execute(select(Participant.anon_id, Participant.xid).where(Participant.conversation_id == cid)).all()
    assert ids and all(a is None and x is None for a, x in ids)
    assert c.get(f"/api/v1/conversations/{cid}/me/data?xid=v0").json()["participant"] is None  # no way back
    assert c.get(f"/api/v1/conversations/{kept}/me/data?xid=v0").json()["participant"] is not None
    assert _count(api, Vote, conversation_id=cid) == 12  # the votes stay in the results
    notice = c.get(f"/api/v1/conversations/{cid}/privacy").json()
    assert notice["retention"]["forget_identities_days"] == 30
    assert notice["retention"]["forget_identities_at_ms"] == closed + 30 * privacy.DAY_MS


def test_15_worker_enforces_retention(api):
    from voxpop.worker import Worker

    cid = _populated(api, n_voters=2)
    api.c.patch(f"/api/v1/conversations/{cid}", json={"forget_identities_days": 0}, headers=api.auth)
    api.c.post(f"/api/v1/conversations/{cid}/close", headers=api.auth)
    w = Worker(get_database(api.db_url))
    w.run(once=True)
    with get_database(api.db_url).read() as s:
        assert s.scalar(select(func.count()).select_from(Participant).where(
            Participant.conversation_id == cid, Participant.xid.is_not(None))) == 0


def test_15_privacy_notice_and_pages(api):
    c = api.c
    cid = _populated(api, n_voters=2)
    notice = c.get(f"/api/v1/conversations/{cid}/privacy").json()
    assert notice["retention"]["forget_identities_days"] is None
    assert any("IP address" in x for x in notice["not_stored"])
    page = c.get(f"/c/{cid}/privacy")
    assert page.status_code == 200 and "IP address" in page.text and f"/c/{cid}/my-data" in page.text
    assert "Nothing is stored about you" in c.get(f"/c/{cid}/my-data").text
    api.vote(cid, 0, "agree")
    page = c.get(f"/c/{cid}/my-data").text
    assert "Seed statement number 0" in page and "Delete my data" in page
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    r = c.post(f"/c/{cid}/my-data/erase", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 422 or "tick the box" in r.text
    r = c.post(f"/c/{cid}/my-data/erase", data={"csrf_token": "bad", "confirm": "yes"}, follow_redirects=False)
    assert r.status_code == 403
    r = c.post(f"/c/{cid}/my-data/erase", data={"csrf_token": token, "confirm": "yes"}, follow_redirects=False)
    assert r.status_code == 303 and "msg=erased" in r.headers["location"]
    assert "Nothing is stored about you" in c.get(r.headers["location"]).text
