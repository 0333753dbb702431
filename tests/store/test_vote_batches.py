"""Many votes in one transaction (the writer's batch): on PostgreSQL one multi-row write; same answers and
the same rows as one vote at a time, on both databases."""

from __future__ import annotations

from sqlalchemy import select

from voxpop.errors import Conflict, NotFound
from voxpop.services import conversations, moderation, statements, votes, votes_pg
from voxpop.services.participants import get_or_create_participant
from voxpop.services.votes import VoteRequest, apply_votes
from voxpop.store.models import Vote, VoteEvent


def test_a_batch_answers_like_single_votes(db, monkeypatch):
    used = []
    many = votes_pg.write_distinct
    monkeypatch.setattr(votes_pg, "write_distinct", lambda cur, cid, items: used.append(len(items)) or many(cur, cid, items))
    with db.write() as s:
        cid = conversations.create_conversation(s, topic="Batches").id
        statements.add_statements(s, cid, [f"Batch statement {i}" for i in range(4)])
        pks = [get_or_create_participant(s, cid, xid=f"b{i}").id for i in range(3)]
        votes.cast_vote(s, cid, pks[0], 0, "agree", client_key="k-old")
        votes.cast_vote(s, cid, pks[1], 1, "disagree")
        moderation.moderate(s, cid, 3, "reject")
    reqs = [VoteRequest(cid, pks[0], 0, -1, "k0"),  # a change with a new key
            VoteRequest(cid, pks[1], 1, 1, "k1"),  # a change: previous disagree
            VoteRequest(cid, pks[2], 2, 0, "k2"),
            VoteRequest(cid, pks[2], 0, -1, None),
            VoteRequest(cid, pks[0], 1, 1, "k-old"),  # the key again for another vote: refused
            VoteRequest(cid, pks[1], 3, 1, "k3"),  # rejected statement
            VoteRequest(cid, pks[1], 9, 1, "k4"),  # no such statement
            VoteRequest(cid, None, 2, 1, "k5", who=("xid", "newcomer"))]
    used.clear()
    with db.write() as s:
        out = apply_votes(s, reqs)
    assert used == ([] if db.is_sqlite else [8])  # PostgreSQL: one statement for the whole batch
    assert out[0]["replayed"] is False and out[0]["previous"] == "agree" and out[0]["vote"] == "disagree"
    assert out[1]["previous"] == "disagree" and out[1]["vote"] == "agree"
    assert out[2]["vote"] == "pass" and out[3]["vote"] == "disagree" and out[3]["previous"] is None
    assert isinstance(out[4], Conflict) and isinstance(out[5], Conflict) and isinstance(out[6], NotFound)
    assert out[7]["vote"] == "agree" and out[7]["participant"] not in pks
    written = [o for o in out if isinstance(o, dict) and not o["replayed"]]
    assert len({o["event_id"] for o in written}) == 5
    with db.read() as s:
        current = {(r.participant_id, r.statement_id): (r.vote, r.event_id) for r in s.scalars(
            select(Vote).where(Vote.conversation_id == cid))}
        events = s.scalars(select(VoteEvent).where(VoteEvent.conversation_id == cid)).all()
    assert len(current) == 2 + 3 and len(events) == 2 + 5  # changes replace current votes
    assert {e.client_key for e in events} >= {"k-old", "k0", "k1", "k2", "k5"}
    by_event = {e.id: e for e in events}
    for o in written:  # each answer's event is the current vote it reports
        e = by_event[o["event_id"]]
        assert current[(e.participant_id, e.statement_id)] == (e.vote, e.id)
    with db.write() as s:  # the same batch again: every vote with a key is a replay now
        again = apply_votes(s, [reqs[0], reqs[1], reqs[2], reqs[7]])
    assert [a["replayed"] for a in again] == [True, True, True, True]
    assert [a["event_id"] for a in again] == [out[i]["event_id"] for i in (0, 1, 2, 7)]


def test_two_votes_on_one_statement_in_a_batch_keep_their_order(db):
    with db.write() as s:
        cid = conversations.create_conversation(s, topic="Order").id
        statements.add_statements(s, cid, ["Only statement here"])
        pk = get_or_create_participant(s, cid, xid="o").id
        out = apply_votes(s, [VoteRequest(cid, pk, 0, 1, "a"), VoteRequest(cid, pk, 0, -1, "b")])
    assert out[1]["previous"] == "agree"
    with db.read() as s:
        assert s.scalars(select(Vote.vote).where(Vote.participant_id == pk)).one() == -1


def test_the_writer_stores_a_batch_in_one_statement_with_the_same_answers(db, monkeypatch):
    """PostgreSQL: the writer's own autocommit connection, one statement for a batch of distinct votes
    (participants found or created first); a batch with an undo takes the general path. Same answers."""
    from voxpop.services.writer import VoteWriter

    calls = []
    many = votes_pg.write_distinct
    monkeypatch.setattr(votes_pg, "write_distinct", lambda cur, cid, items: calls.append(len(items)) or many(cur, cid, items))
    with db.write() as s:
        cid = conversations.create_conversation(s, topic="Writer batches").id
        statements.add_statements(s, cid, [f"Writer statement {i}" for i in range(3)])
        shut = conversations.create_conversation(s, topic="Closed one").id
        statements.add_statements(s, shut, ["Closed statement"])
        pk = get_or_create_participant(s, cid, xid="known").id
    with db.write() as s:
        conversations.close_conversation(s, shut)
    from voxpop.store.models import Conversation, Participant

    with db.read() as s:
        v0 = s.scalar(select(Conversation.vote_version).where(Conversation.id == cid))
    writer = VoteWriter(db, threads=1)
    reqs = [VoteRequest(cid, pk, 0, 1, "w0"),
            VoteRequest(cid, None, 1, -1, "w1", who=("xid", "fresh")),
            VoteRequest(cid, None, 2, 0, "w2", who=("xid", "fresh")),  # the same newcomer twice: one participant
            VoteRequest(cid, None, 1, 1, "w3", who=("xid", "known")),
            VoteRequest(shut, None, 0, 1, "w4", who=("xid", "late")),  # closed: refused, nobody created
            VoteRequest(cid, pk, 7, 1, "w5")]  # no such statement
    try:
        out = [res for _, res in writer._write([(r, None) for r in reqs])]
        assert calls == ([] if db.is_sqlite else [5])  # PostgreSQL: one statement (the closed one never got there)
        assert out[0]["vote"] == "agree" and out[1]["participant"] == out[2]["participant"] != pk
        assert out[1].get(votes.NEW_PARTICIPANT) and out[2].get(votes.NEW_PARTICIPANT)
        assert out[3]["participant"] == pk and not out[3].get(votes.NEW_PARTICIPANT)
        assert isinstance(out[4], Conflict) and isinstance(out[5], NotFound)
        again = [res for _, res in writer._write([(r, None) for r in reqs[:4]])]
        assert [a["replayed"] for a in again] == [True] * 4
        undo = [res for _, res in writer._write([(VoteRequest(cid, pk, 0, None, "w6"), None),
                                                 (VoteRequest(cid, pk, 1, 1, "w7"), None)])]
        assert undo[0]["vote"] is None and undo[0]["previous"] == "agree" and undo[1]["previous"] == "agree"
    finally:
        writer.stop()
    with db.read() as s:
        assert s.scalar(select(Conversation.vote_version).where(Conversation.id == cid)) == v0 + 4 + 2  # every vote written, the undo too
        assert s.scalars(select(Participant.xid).where(Participant.conversation_id == shut)).all() == []
        assert len(s.scalars(select(Vote.statement_id).where(Vote.participant_id == pk)).all()) == 1
