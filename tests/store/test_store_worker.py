"""Background analyses: claims are exclusive, a vote during an analysis keeps the conversation dirty."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select, update

from voxpop.services import analyses, conversations, statements, votes
from voxpop.services.participants import get_or_create_participant
from voxpop.store.models import Conversation
from voxpop.worker import Worker, claim_next


def _voted_conversation(db, people=12):
    with db.write() as s:
        conv = conversations.create_conversation(s, topic="Worker")
        statements.add_statements(s, conv.id, [f"Worker statement {i}" for i in range(6)])
        for p in range(people):
            pk = get_or_create_participant(s, conv.id, xid=f"w{p}").id
            for t in range(6):
                votes.cast_vote(s, conv.id, pk, t, 1 if (p % 2) == (t % 2) else -1)
        return conv.id


def _state(db, cid):
    with db.read() as s:
        return s.execute(select(Conversation.analysis_dirty_since, Conversation.analysis_claim,
                                Conversation.vote_version).where(Conversation.id == cid)).one()


def test_claims_are_exclusive(db):
    cid = _voted_conversation(db)
    with ThreadPoolExecutor(8) as ex:
        got = list(ex.map(lambda i: claim_next(db, f"w{i}", debounce_ms=0), range(8)))
    winners = [g for g in got if g is not None and g[0] == cid]
    assert len(winners) == 1
    assert claim_next(db, "late", debounce_ms=0) is None or claim_next(db, "late", debounce_ms=0)[0] != cid
    # an expired claim (a killed worker) is taken over
    with db.write() as s:
        s.execute(update(Conversation).where(Conversation.id == cid).values(analysis_claim_ms=1))
    assert claim_next(db, "rescuer", debounce_ms=0)[0] == cid


def test_worker_analyses_and_marks_clean(db):
    cid = _voted_conversation(db)
    w = Worker(db, debounce_ms=0)
    while w.step():
        pass
    dirty, claim, _ = _state(db, cid)
    assert dirty is None and claim is None
    with db.read() as s:
        res = analyses.get_analysis(s, cid)
    assert res["fresh"] and res["document"]["meta"]["counts"]["participants"] == 12
    with db.write() as s:
        votes.cast_vote(s, cid, get_or_create_participant(s, cid, xid="late").id, 0, "agree")
    assert _state(db, cid)[0] is not None
    with db.read() as s:
        assert analyses.get_analysis(s, cid)["fresh"] is False


def test_vote_during_analysis_keeps_it_dirty(db):
    cid = _voted_conversation(db)
    got = claim_next(db, "w", debounce_ms=0)
    while got is not None and got[0] != cid:
        got = claim_next(db, "w", debounce_ms=0)
    _, claim = got
    version = _state(db, cid)[2]
    with db.write() as s:  # a vote lands while the analysis runs
        votes.cast_vote(s, cid, get_or_create_participant(s, cid, xid="mid").id, 1, "pass")
    with db.read() as s:
        from voxpop.store.load import load_conversation

        doc = analyses.analyze_conversation(load_conversation(s, cid))
    clean = analyses.store_analysis(db, cid, doc, vote_version=version, claim=claim, duration_ms=1)
    assert clean is False
    dirty, claim_after, _ = _state(db, cid)
    assert dirty is not None and claim_after is None  # released, to be recomputed


def test_nan_in_a_document_is_stored_as_null(db):
    cid = _voted_conversation(db, people=3)
    doc = {"meta": {"status": "ok", "x": float("nan")}, "statements": [], "values": [1.5, float("inf")]}
    analyses.store_analysis(db, cid, doc, vote_version=0, claim=None, duration_ms=1)
    with db.read() as s:
        got = analyses.get_analysis(s, cid)["document"]
    assert got["meta"]["x"] is None and got["values"] == [1.5, None]


def test_process_mode_survives_a_killed_child(db):
    """serve's analysis child process is killed: the next analysis starts a new child."""
    import os
    import signal

    cid = _voted_conversation(db)
    w = Worker(db, mode="process", debounce_ms=0)
    try:
        while w.step():
            pass
        assert _state(db, cid)[0] is None
        for pid in list(w._pool._processes):
            os.kill(pid, signal.SIGKILL)
        with db.write() as s:
            votes.cast_vote(s, cid, get_or_create_participant(s, cid, xid="after-kill").id, 2, "agree")
        for _ in range(3):  # the broken pool fails once, then a new child does the work
            while w.step():
                pass
            if _state(db, cid)[0] is None:
                break
        assert _state(db, cid)[0] is None
    finally:
        w.stop()
