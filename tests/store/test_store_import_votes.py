"""services.votes.import_votes on SQLite and PostgreSQL: the same rows as cast_vote vote by vote (history,
latest vote wins, conversation marked changed), and all or nothing on a bad row."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from voxpop.errors import Conflict, Invalid, NotFound
from voxpop.services import conversations, moderation, statements, votes
from voxpop.services.participants import get_or_create_participant
from voxpop.store.models import Conversation, Statement, Vote, VoteEvent

ROWS = [(0, 0, "agree"), (0, 1, -1), (1, 0, "pass"), (2, 2, 1), (0, 0, "disagree"),  # p0 changes its mind
        (1, 1, "agree"), (2, 2, "agree"), (1, 0, "agree")]


@pytest.fixture(autouse=True)
def _clean_afterwards(db):
    """Leave no dirty conversations in the shared PostgreSQL database (the worker tests claim the oldest)."""
    yield
    with db.write() as s:
        s.execute(update(Conversation).where(Conversation.topic == "Import").values(analysis_dirty_since=None))


def _conversation(db, n_people=3, n_statements=3, **fields):
    with db.write() as s:
        conv = conversations.create_conversation(s, topic="Import", **fields)
        statements.add_statements(s, conv.id, [f"Imported statement {i}" for i in range(n_statements)])
        pks = [get_or_create_participant(s, conv.id, xid=f"p{i}").id for i in range(n_people)]
        return conv.id, pks


def _state(db, cid):
    """(current votes by (person index, tid), history as (person, tid, vote) in event order, vote_version,
    dirty)."""
    with db.read() as s:
        people = {pk: i for i, pk in enumerate(sorted(s.execute(
            select(Vote.participant_id).where(Vote.conversation_id == cid).distinct()).scalars()))}
        tid = dict(s.execute(select(Statement.id, Statement.tid).where(Statement.conversation_id == cid)).all())
        cur = {(p, tid[st]): v for p, st, v in s.execute(
            select(Vote.participant_id, Vote.statement_id, Vote.vote).where(Vote.conversation_id == cid))}
        hist = [(p, tid[st], v) for p, st, v in s.execute(
            select(VoteEvent.participant_id, VoteEvent.statement_id, VoteEvent.vote)
            .where(VoteEvent.conversation_id == cid).order_by(VoteEvent.id))]
        event_of = dict(s.execute(select(VoteEvent.id, VoteEvent.vote).where(VoteEvent.conversation_id == cid)).all())
        linked = all(event_of[e] == v for e, v in s.execute(
            select(Vote.event_id, Vote.vote).where(Vote.conversation_id == cid)))
        conv = s.get(Conversation, cid)
        return ({(people[p], t): v for (p, t), v in cur.items()}, [(people.get(p, p), t, v) for p, t, v in hist],
                conv.vote_version, conv.analysis_dirty_since is not None, linked)


def test_import_matches_cast_vote_one_by_one(db):
    one, pks1 = _conversation(db)
    with db.write() as s:
        for p, t, v in ROWS:
            votes.cast_vote(s, one, pks1[p], t, v)
    bulk, pks2 = _conversation(db)
    with db.write() as s:
        assert votes.import_votes(s, bulk, [(pks2[p], t, v) for p, t, v in ROWS]) == len(ROWS)
    a, b = _state(db, one), _state(db, bulk)
    assert a == b
    current, history, version, dirty, linked = b
    assert current[(0, 0)] == -1 and current[(1, 0)] == 1 and len(current) == 5  # the latest row wins
    assert len(history) == len(ROWS) and version == 1 + len(ROWS) and dirty and linked  # 1: the seeding


def test_import_replaces_votes_already_stored(db):
    cid, pks = _conversation(db)
    with db.write() as s:
        votes.cast_vote(s, cid, pks[0], 0, "agree")
    with db.write() as s:
        votes.import_votes(s, cid, [(pks[0], 0, "disagree", 1_000), (pks[1], 0, "pass", 2_000)])
    with db.read() as s:
        assert votes.participant_votes(s, pks[0]) == {0: -1}
        assert votes.last_vote(s, pks[0]) == 0 and votes.last_vote(s, pks[2]) is None
        assert s.get(Conversation, cid).vote_version == 1 + 3  # seeding, one cast, two imported
        times = s.execute(select(VoteEvent.created_ms).where(VoteEvent.conversation_id == cid)
                          .order_by(VoteEvent.id)).scalars().all()
        assert times[1:] == [1_000, 2_000]


@pytest.mark.parametrize("bad, error, says", [
    ((0, 7, "agree"), NotFound, "no statement 7"),
    ((0, 1, "maybe"), Invalid, "vote row 2: vote must be"),
    ((99_999_999, 1, "agree"), NotFound, "no participant"),
    ((0, 2, "agree"), Conflict, "statement 2 is not open"),
    ((0, -1, "agree"), Invalid, "statement must be a statement number"),
])
def test_a_bad_row_writes_nothing(db, bad, error, says):
    cid, pks = _conversation(db)
    with db.write() as s:
        moderation.moderate(s, cid, 2, "reject")
    with db.read() as s:
        before = s.get(Conversation, cid).vote_version
    pk, tid, v = bad
    with pytest.raises(error, match=says), db.write() as s:
        votes.import_votes(s, cid, [(pks[0], 0, "agree"), (pks[pk] if pk < len(pks) else pk, tid, v)])
    with db.read() as s:
        assert s.execute(select(VoteEvent.id).where(VoteEvent.conversation_id == cid)).first() is None
        assert s.get(Conversation, cid).vote_version == before


def test_closed_conversations_and_other_conversations_participants_are_refused(db):
    cid, pks = _conversation(db)
    other, other_pks = _conversation(db)
    with pytest.raises(NotFound, match="no participant"), db.write() as s:
        votes.import_votes(s, cid, [(other_pks[0], 0, "agree")])
    with db.write() as s:
        conversations.close_conversation(s, cid)
    with pytest.raises(Conflict, match="closed"), db.write() as s:
        votes.import_votes(s, cid, [(pks[0], 0, "agree")])
    with db.write() as s:
        assert votes.import_votes(s, other, []) == 0
