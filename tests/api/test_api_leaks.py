"""Issue #10, tried as an attacker would: what must not leak, and what must not be acknowledged early.

Each test names the defect it guards (the numbers of issue #10); each failed before its fix.
"""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from voxpop.store.models import Conversation


def _strict_with_hidden_texts(api) -> tuple[str, str]:
    """A strict conversation with votes, one rejected and one pending participant statement."""
    cid = api.conversation(n_statements=4, moderation="strict")
    c = api.c
    r = c.post(f"/api/v1/conversations/{cid}/statements", json={"text": "SECRET rejected words here"})
    assert r.status_code == 201, r.text
    rejected = r.json()["id"]
    r = c.post(f"/api/v1/conversations/{cid}/statements", json={"text": "PENDING words still waiting"})
    assert r.status_code == 201, r.text
    r = c.post(f"/api/v1/conversations/{cid}/statements/{rejected}/moderation", json={"action": "reject"},
               headers=api.auth)
    assert r.status_code == 200, r.text
    for i in range(6):
        for t in range(4):
            assert api.vote(cid, t, "agree" if (i + t) % 2 else "disagree", xid=f"voter-{i}").status_code == 200
    return cid, rejected


# -- 1. moderated-out and pending text is not public ---------------------------------------------------

def test_1_moderated_and_pending_text_not_public(api):
    cid, _ = _strict_with_hidden_texts(api)
    api.c.cookies.clear()
    doc = api.fresh_analysis(cid)
    assert doc["statements"], doc
    anon = api.c.get(f"/api/v1/conversations/{cid}/analysis").text
    assert "SECRET" not in anon and "PENDING" not in anon
    hidden = [st for st in doc["statements"] if st["moderated_out"]]
    assert len(hidden) == 2 and all(st["text"] == "" for st in hidden)
    page = api.c.get(f"/c/{cid}/results").text
    assert "SECRET" not in page and "PENDING" not in page
    listed = api.c.get(f"/api/v1/conversations/{cid}/statements").text
    assert "SECRET" not in listed and "PENDING" not in listed
    # the organiser still reads every text in the moderation queue and in the exports
    assert "PENDING" in api.c.get(f"/api/v1/conversations/{cid}/moderation", headers=api.auth).text
    comments = api.c.get(f"/api/v1/conversations/{cid}/exports/comments.csv", headers=api.auth).text
    assert "SECRET" in comments and "PENDING" in comments


# -- 2. writes are acknowledged only after they commit ------------------------------------------------

@pytest.fixture
def failing_commit():
    """Make the commit of a transaction that creates a conversation with topic FAIL-COMMIT fail (as a full
    disk or a lost database connection would), to see what the client is told."""
    def before_commit(session: Session):
        q = select(func.count()).select_from(Conversation).where(Conversation.topic == "FAIL-COMMIT")
        if session.scalar(q):
            raise RuntimeError("simulated commit failure")

    event.listen(Session, "before_commit", before_commit)
    yield
    event.remove(Session, "before_commit", before_commit)


def test_2_a_failed_commit_is_never_acknowledged(api, failing_commit):
    from fastapi.testclient import TestClient

    with TestClient(api.c.app, raise_server_exceptions=False) as c:
        r = c.post("/api/v1/conversations", json={"topic": "FAIL-COMMIT"}, headers=api.auth)
        assert r.status_code == 500, r.text  # it was 201: the commit ran after the response was sent
        mine = c.get("/api/v1/conversations", headers=api.auth).json()["conversations"]
        assert "FAIL-COMMIT" not in [x["topic"] for x in mine]


def test_2_every_write_route_commits_before_answering(api):
    """No route opens its write session with a dependency that ends after the response is sent."""
    from fastapi.routing import APIRoute

    from voxpop.web.api.common import write_session

    def walk(dep):
        yield dep
        for sub in dep.dependencies:
            yield from walk(sub)

    def routes(rs):
        for r in rs:
            if hasattr(r, "original_router"):
                yield from routes(r.original_router.routes)
            elif isinstance(r, APIRoute):
                yield r

    found, late = [], []
    for route in routes(api.c.app.routes):
        for dep in walk(route.dependant):
            if dep.call is write_session:
                found.append(route.path)
                if dep.scope != "function":
                    late.append(route.path)
    assert found and late == []


def test_2_vote_after_close_is_refused(api):
    cid = api.conversation(n_statements=2)
    for i in range(10):
        assert api.c.post(f"/api/v1/conversations/{cid}/reopen", headers=api.auth).status_code == 200
        assert api.c.post(f"/api/v1/conversations/{cid}/close", headers=api.auth).status_code == 200
        assert api.vote(cid, i % 2, xid=f"late-{i}").status_code == 409


# -- 3. hidden results stay with their organisers -------------------------------------------------------

def test_3_other_organiser_cannot_read_hidden_results(api):
    cid = api.conversation(n_statements=3, show_results=False)
    for i in range(4):
        api.vote(cid, i % 3, xid=f"p{i}")
    other = {"Authorization": f"Bearer {api.other_organiser()}"}
    for path in (f"/api/v1/conversations/{cid}/analysis", f"/api/v1/conversations/{cid}/analysis/status",
                 f"/api/v1/conversations/{cid}/standing?xid=p1", f"/c/{cid}/results"):
        r = api.c.get(path, headers=other)
        assert r.status_code == 403, (path, r.status_code)
        assert api.c.get(path, headers=api.auth).status_code == 200, path
    admin = {"Authorization": f"Bearer {api.other_organiser(admin=True)}"}
    assert api.c.get(f"/api/v1/conversations/{cid}/analysis/status", headers=admin).status_code == 200


def test_3_ownerless_conversation_is_managed_by_admins_only(api):
    from voxpop.services import conversations as C
    from voxpop.store.db import get_database

    with get_database(api.db_url).write() as s:
        cid = C.create_conversation(s, topic="Nobody's conversation", owner_id=None).id
    r = api.c.patch(f"/api/v1/conversations/{cid}", json={"topic": "mine now"}, headers=api.auth)
    assert r.status_code == 403, r.text
    assert api.c.post(f"/api/v1/conversations/{cid}/close", headers=api.auth).status_code == 403
    admin = {"Authorization": f"Bearer {api.other_organiser(admin=True)}"}
    assert api.c.post(f"/api/v1/conversations/{cid}/close", headers=admin).status_code == 200


# -- 11. the fast vote path checks client_key like the route ---------------------------------------------

def test_11_fast_path_checks_client_key(api):
    cid = api.conversation(n_statements=2)
    assert api.c.app.fast_votes is not None
    assert api.vote(cid, 0, xid="fast-1").status_code == 200  # a known participant: the fast path answers
    r = api.vote(cid, 1, xid="fast-1", client_key="a\nb")
    assert r.status_code == 422 and "client_key" in r.json()["message"], r.text
    api.c.get(f"/api/v1/conversations/{cid}/me")  # an anonymous cookie
    api.vote(cid, 0)
    r = api.vote(cid, 1, client_key="tab\there")
    assert r.status_code == 422 and "client_key" in r.json()["message"], r.text


# -- 14. exports count commenters and name statement authors -------------------------------------------

def test_14_exports_name_authors_and_count_commenters(api):
    cid = api.conversation(n_statements=2)
    authors = []
    for who in ("author-a", "author-b"):
        r = api.c.post(f"/api/v1/conversations/{cid}/statements", json={"text": f"An idea from {who} here",
                                                                         "xid": who})
        assert r.status_code == 201, r.text
        authors.append(api.c.get(f"/api/v1/conversations/{cid}/me?xid={who}").json()["participant"])
    api.vote(cid, 0, xid="author-a")
    api.vote(cid, 1, xid="voter-only")
    get = lambda name: api.c.get(f"/api/v1/conversations/{cid}/exports/{name}", headers=api.auth).text  # noqa: E731
    summary = dict(csv.reader(io.StringIO(get("summary.csv"))))
    assert summary["commenters"] == "2", summary
    rows = list(csv.DictReader(io.StringIO(get("comments.csv"))))
    by_text = {r["comment-body"]: r["author-id"] for r in rows}
    assert by_text["An idea from author-a here"] == str(authors[0])
    assert by_text["An idea from author-b here"] == str(authors[1])
    assert by_text["Seed statement number 0"] == ""  # seeds have no participant author
    pv = {r["participant"]: r for r in csv.DictReader(io.StringIO(get("participants-votes.csv")))}
    assert pv[str(authors[0])]["n-comments"] == "1"
