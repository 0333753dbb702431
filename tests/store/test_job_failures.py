"""An analysis that fails is recorded with its message, retried after a growing wait, marked failed after
VOXPOP_JOB_RETRIES retries (not retried every second forever, not shown as "pending"), and tried again
once the conversation changes; a success clears it all."""

from __future__ import annotations

import time

from sqlalchemy import select, update

from voxpop.services import analyses, conversations, statements, votes
from voxpop.services.participants import get_or_create_participant
from voxpop.settings import load_settings
from voxpop.store.models import Conversation
from voxpop.worker import Worker, claim_next


def _voted_conversation(db, people=12):
    with db.write() as s:
        # the PostgreSQL database is shared by the whole test session: other tests' conversations may still wait
        # for an analysis, and the worker takes the oldest first; these tests are about this one
        s.execute(update(Conversation).where(Conversation.analysis_dirty_since.is_not(None))
                  .values(analysis_dirty_since=None))
        conv = conversations.create_conversation(s, topic="Failing")
        statements.add_statements(s, conv.id, [f"Failing statement {i}" for i in range(6)])
        for p in range(people):
            pk = get_or_create_participant(s, conv.id, xid=f"f{p}").id
            for t in range(6):
                votes.cast_vote(s, conv.id, pk, t, 1 if (p % 2) == (t % 2) else -1)
        return conv.id


def _fail(monkeypatch):
    def boom(conv, **kwargs):
        raise RuntimeError("the engine fell over on purpose")

    monkeypatch.setattr(analyses, "analyze_conversation", boom)


def _job(db, cid):
    with db.read() as s:
        return analyses.get_analysis(s, cid)


def _due_now(db, cid):
    with db.write() as s:  # as if the backoff wait were over
        s.execute(update(Conversation).where(Conversation.id == cid).values(analysis_retry_ms=1))


def test_a_failing_analysis_backs_off_then_is_marked_failed_with_its_message(db, monkeypatch):
    cid = _voted_conversation(db)
    _fail(monkeypatch)
    w = Worker(db, debounce_ms=0, poll_s=0.001, settings=load_settings(job_retries=2, job_backoff_s=30))
    assert w.step()
    res = _job(db, cid)
    assert res["status"] == "pending" and res["job"]["state"] == "retrying" and res["job"]["failures"] == 1
    assert "RuntimeError: the engine fell over on purpose" in res["job"]["error"]
    wait_s = (res["job"]["next_try_ms"] - time.time() * 1000) / 1000
    assert 25 < wait_s <= 30
    assert claim_next(db, "other", debounce_ms=0) is None  # not retried before the wait is over
    _due_now(db, cid)
    assert w.step()
    with db.read() as s:
        retry_ms = s.scalar(select(Conversation.analysis_retry_ms).where(Conversation.id == cid))
    assert 55 < (retry_ms - time.time() * 1000) / 1000 <= 60  # the wait doubles
    _due_now(db, cid)
    assert w.step()  # the third failure: two retries were allowed, so it gives up
    res = _job(db, cid)
    assert res["status"] == "failed" and res["job"]["state"] == "failed" and res["job"]["failures"] == 3
    assert "failed 3 times" in res["message"]
    _due_now(db, cid)
    assert claim_next(db, "other", debounce_ms=0) is None  # given up: nothing to do until something changes


def test_a_change_brings_one_more_try_and_a_success_clears_the_failure(db, monkeypatch):
    cid = _voted_conversation(db)
    _fail(monkeypatch)
    w = Worker(db, debounce_ms=0, poll_s=0.001, settings=load_settings(job_retries=0, job_backoff_s=0))
    assert w.step()
    assert _job(db, cid)["job"]["state"] == "failed"
    monkeypatch.undo()  # the bug is fixed
    with db.write() as s:
        votes.cast_vote(s, cid, get_or_create_participant(s, cid, xid="late").id, 0, "agree")
    assert w.step()
    res = _job(db, cid)
    assert res["status"] == "ok" and res["fresh"]
    assert res["job"] == {"state": "idle", "failures": 0, "error": None, "next_try_ms": None, "message": None}


def test_an_organiser_refresh_retries_at_once(db, monkeypatch):
    cid = _voted_conversation(db)
    _fail(monkeypatch)
    w = Worker(db, debounce_ms=0, poll_s=0.001, settings=load_settings(job_retries=5, job_backoff_s=3600))
    assert w.step()
    assert claim_next(db, "other", debounce_ms=0) is None
    with db.write() as s:
        analyses.request_analysis(s, cid)
    assert claim_next(db, "other", debounce_ms=0)[0] == cid
