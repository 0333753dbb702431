"""Many concurrent voters on SQLite and PostgreSQL: nothing lost, nothing counted twice, no deadlock."""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from voxpop.services import conversations, statements, votes
from voxpop.services.writer import VoteWriter
from voxpop.store.models import Participant, Vote, VoteEvent


def _conversation(db, n=12):
    with db.write() as s:
        conv = conversations.create_conversation(s, topic="Concurrency")
        statements.add_statements(s, conv.id, [f"Concurrent statement {i}" for i in range(n)])
        return conv.id


def test_writer_threads_lose_nothing(db):
    """40 threads, each a participant voting on every statement (with some retried requests and some
    changed votes) through the batched writer; the DB holds exactly the final votes and the history."""
    cid = _conversation(db)
    writer = VoteWriter(db)
    writer.start()
    expected: dict[tuple[str, int], int] = {}
    lock = threading.Lock()
    n_events = [0]

    def voter(k: int) -> None:
        rng = random.Random(k)
        who = ("xid", f"voter-{k}")
        for t in rng.sample(range(12), 12):
            v = rng.choice([1, -1, 0])
            req = votes.VoteRequest(cid, None, t, v, f"{k}-{t}", who=who)
            first = writer.submit(req).result(timeout=60)
            again = writer.submit(req).result(timeout=60)  # a retried request
            assert again["replayed"] and again["event_id"] == first["event_id"]
            if rng.random() < 0.3:  # change of mind
                v = -v if v else 1
                writer.submit(votes.VoteRequest(cid, None, t, v, f"{k}-{t}-b", who=who)).result(timeout=60)
                with lock:
                    n_events[0] += 1
            with lock:
                expected[(f"voter-{k}", t)] = v
                n_events[0] += 1

    with ThreadPoolExecutor(40) as ex:
        list(ex.map(voter, range(40)))
    writer.stop()
    with db.read() as s:
        rows = s.execute(select(Participant.xid, Vote.statement_id, Vote.vote)
                         .join(Participant, Participant.id == Vote.participant_id)
                         .where(Vote.conversation_id == cid)).all()
        tid_of = {st.id: st.tid for st in statements.list_statements(s, cid)}
        n_ev = s.scalar(select(func.count()).select_from(VoteEvent).where(VoteEvent.conversation_id == cid))
        n_part = s.scalar(select(func.count()).select_from(Participant).where(Participant.conversation_id == cid))
    got = {(x, tid_of[sid]): v for x, sid, v in rows}
    assert got == expected
    assert n_ev == n_events[0]
    assert n_part == 40


def test_direct_sessions_and_writer_together(db):
    """Plain sessions (cast_vote, as the pages may use) race with the writer on the same rows."""
    cid = _conversation(db, 6)
    writer = VoteWriter(db)
    writer.start()
    with db.write() as s:
        from voxpop.services.participants import get_or_create_participant

        pks = [get_or_create_participant(s, cid, xid=f"p{i}").id for i in range(10)]

    def direct(i: int) -> None:
        for t in range(6):
            with db.write() as s:
                votes.cast_vote(s, cid, pks[i], t, "agree", client_key=f"d{i}-{t}")

    def via_writer(i: int) -> None:
        for t in range(6):
            writer.submit(votes.VoteRequest(cid, pks[i], t, -1, f"w{i}-{t}")).result(timeout=60)

    with ThreadPoolExecutor(20) as ex:
        futs = [ex.submit(direct, i) for i in range(10)] + [ex.submit(via_writer, i) for i in range(10)]
        for f in futs:
            f.result(timeout=120)
    writer.stop()
    with db.read() as s:
        n_cur = s.scalar(select(func.count()).select_from(Vote).where(Vote.conversation_id == cid))
        n_ev = s.scalar(select(func.count()).select_from(VoteEvent).where(VoteEvent.conversation_id == cid))
    assert n_cur == 60 and n_ev == 120


def test_hot_rows_no_deadlock(db):
    """20 threads hammer the same 5 participants and 6 statements in random orders (several writer
    threads on PostgreSQL): every vote is answered, none is lost or counted twice."""
    cid = _conversation(db, 6)
    writer = VoteWriter(db)
    writer.start()
    acked: list[tuple[str, int, int]] = []
    lock = threading.Lock()

    def hammer(k: int) -> None:
        rng = random.Random(100 + k)
        for n in range(30):
            x, t, v = f"hot-{rng.randrange(5)}", rng.randrange(6), rng.choice([1, -1, 0])
            res = writer.submit(votes.VoteRequest(cid, None, t, v, f"h{k}-{n}", who=("xid", x))).result(timeout=60)
            assert not res["replayed"]
            with lock:
                acked.append((x, t, v))

    with ThreadPoolExecutor(20) as ex:
        list(ex.map(hammer, range(20)))
    writer.stop()
    with db.read() as s:
        n_ev = s.scalar(select(func.count()).select_from(VoteEvent).where(VoteEvent.conversation_id == cid))
        rows = s.execute(select(Participant.xid, Vote.statement_id, Vote.vote)
                         .join(Participant, Participant.id == Vote.participant_id)
                         .where(Vote.conversation_id == cid)).all()
        tid_of = {st.id: st.tid for st in statements.list_statements(s, cid)}
    assert n_ev == len(acked) == 600
    possible: dict[tuple[str, int], set[int]] = {}
    for x, t, v in acked:
        possible.setdefault((x, t), set()).add(v)
    current = {(x, tid_of[sid]): v for x, sid, v in rows}
    assert set(current) == set(possible)
    assert all(current[k] in possible[k] for k in current)
