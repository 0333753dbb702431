"""Many votes in one transaction (the writer's batch): on PostgreSQL one multi-row write; same answers and
the same rows as one vote at a time, on both databases."""

from __future__ import annotations

from sqlalchemy import select

from voxpop.errors import Conflict, NotFound
from voxpop.services import conversations, moderation, statements, votes
from voxpop.services.participants import get_or_create_participant
from voxpop.services.votes import VoteRequest, apply_votes
from voxpop.store.models import Vote, VoteEvent


def test_a_batch_answers_like_single_votes(db, monkeypatch):
    used = []
    many = votes._Batch.many
    monkeypatch.setattr(votes._Batch, "many", lambda self, items: used.append(len(items)) or many(self, items))
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
    with db.write() as s:
        out = apply_votes(s, reqs)
    assert used == ([] if db.is_sqlite else [8])  # PostgreSQL: one multi-row write for the batch
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
