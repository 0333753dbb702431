"""An acknowledged vote is never lost: SIGKILL the server in the middle of a stream of votes, restart it,
and find every vote it had answered 200 to."""

from __future__ import annotations

import threading
import time

import httpx
import pytest
from reliability_helpers import Server
from sqlalchemy import select

from voxpop.services import conversations, statements
from voxpop.store.db import Database
from voxpop.store.models import Participant, Statement, Vote, VoteEvent

pytestmark = pytest.mark.slow
N_STATEMENTS = 30


def _setup(url: str) -> str:
    db = Database(url)
    db.upgrade()
    with db.write() as s:
        conv = conversations.create_conversation(s, topic="Kill test")
        statements.add_statements(s, conv.id, [f"Kill test statement {i}" for i in range(N_STATEMENTS)])
        cid = conv.id
    db.dispose()
    return cid


def test_sigkill_loses_no_acknowledged_vote(db_url, tmp_path):
    cid = _setup(db_url)
    server = Server(db_url, tmp_path / "serve1.log", "--analysis", "off", "--no-rate-limit-per-address")
    acked: dict[tuple[str, int], tuple[int, str]] = {}
    lock = threading.Lock()
    stop = threading.Event()
    sent = [0]
    try:
        server.wait_ready()

        def stream(k: int) -> None:
            with httpx.Client(base_url=server.base, timeout=5) as c:
                for n in range(10_000):
                    if stop.is_set():
                        return
                    xid, tid = f"k{k}-{n // N_STATEMENTS}", n % N_STATEMENTS
                    vote, key = (1, -1, 0)[(k + n) % 3], f"{k}-{n}"
                    try:
                        r = c.post(f"/api/v1/conversations/{cid}/votes",
                                   json={"statement": tid, "vote": vote, "xid": xid, "client_key": key})
                    except httpx.HTTPError:
                        return  # the server died under us: this vote was never acknowledged
                    with lock:
                        sent[0] += 1
                    if r.status_code == 200:
                        with lock:
                            acked[(xid, tid)] = (vote, key)

        threads = [threading.Thread(target=stream, args=(k,)) for k in range(8)]
        for t in threads:
            t.start()
        deadline = time.time() + 30
        while len(acked) < 400 and time.time() < deadline:
            time.sleep(0.02)
        server.kill()  # SIGKILL, mid-stream
        stop.set()
        for t in threads:
            t.join(10)
    finally:
        server.kill()
    assert len(acked) >= 400, "the stream was too slow to test anything"
    restarted = Server(db_url, tmp_path / "serve2.log", "--analysis", "process")  # serve's default mode
    try:
        restarted.wait_ready()
        db = Database(db_url)
        with db.read() as s:
            rows = s.execute(select(Participant.xid, Statement.tid, Vote.vote, VoteEvent.client_key)
                             .join(Participant, Participant.id == Vote.participant_id)
                             .join(Statement, Statement.id == Vote.statement_id)
                             .join(VoteEvent, VoteEvent.id == Vote.event_id)
                             .where(Vote.conversation_id == cid)).all()
        db.dispose()
        stored = {(x, t): (v, k) for x, t, v, k in rows}
        missing = [k for k in acked if stored.get(k) != acked[k]]
        assert not missing, f"{len(missing)} acknowledged votes lost of {len(acked)}: {missing[:5]}"
        # the restarted server serves them
        xid = next(iter(acked))[0]
        me = httpx.get(f"{restarted.base}/api/v1/conversations/{cid}/me", params={"xid": xid}).json()
        assert all(me["votes"][str(t)] for (x, t) in acked if x == xid)
        # and its background analysis (in a child process) catches up with every vote
        deadline, st = time.time() + 90, {}
        while time.time() < deadline and not (st.get("fresh") and st.get("status") == "ok"):
            time.sleep(0.2)
            st = httpx.get(f"{restarted.base}/api/v1/conversations/{cid}/analysis/status").json()
        assert st.get("fresh") and st["status"] == "ok", st
    finally:
        restarted.kill()
