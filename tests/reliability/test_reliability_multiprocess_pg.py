"""Two `voxpop serve` and two `voxpop worker` processes share one PostgreSQL: they migrate the same
fresh database at once, take votes concurrently through both servers, lose none, and the workers keep
the analysis fresh."""

from __future__ import annotations

import threading
import time

import httpx
import pytest
from reliability_helpers import Proc, Server
from sqlalchemy import func, select
from tests.support import pgtemp

from voxpop.services import accounts
from voxpop.store.db import Database
from voxpop.store.models import Vote, VoteEvent

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def test_two_servers_two_workers(pg_admin_url, tmp_path):
    url = pgtemp.create_database(pg_admin_url, prefix="voxpop_multi")
    servers = [Server(url, tmp_path / f"serve{i}.log", "--analysis", "off", "--no-rate-limit-per-address")
               for i in range(2)]  # both start on an empty database: migrations must not collide
    workers = [Proc(["worker"], url, tmp_path / f"worker{i}.log") for i in range(2)]
    try:
        for s in servers:
            s.wait_ready()
        db = Database(url)
        with db.write() as s:
            org = accounts.create_organiser(s, "multi", "a long enough password")
            token = accounts.create_api_token(s, org.id)[0]
        auth = {"Authorization": f"Bearer {token}"}
        a, b = servers
        r = httpx.post(a.base + "/api/v1/conversations", json={"topic": "Two of each"}, headers=auth)
        cid = r.json()["id"]
        r = httpx.post(b.base + f"/api/v1/conversations/{cid}/statements",
                       json={"texts": [f"Shared statement {i}" for i in range(10)]}, headers=auth)
        assert r.status_code == 201, r.text
        errors: list[str] = []
        n_ok = [0]
        lock = threading.Lock()

        def voter(k: int) -> None:
            with httpx.Client(timeout=10) as c:
                for t in range(10):
                    srv = servers[(k + t) % 2]  # the same participant alternates between servers
                    vote = "agree" if (k % 2) == (t % 2) else "disagree"
                    r = c.post(f"{srv.base}/api/v1/conversations/{cid}/votes",
                               json={"statement": t, "vote": vote, "xid": f"m{k}", "client_key": f"{k}-{t}"})
                    # and a retry through the other server: counted once
                    r2 = c.post(f"{servers[(k + t + 1) % 2].base}/api/v1/conversations/{cid}/votes",
                                json={"statement": t, "vote": vote, "xid": f"m{k}", "client_key": f"{k}-{t}"})
                    with lock:
                        if r.status_code != 200 or r2.status_code != 200 or not r2.json()["replayed"]:
                            errors.append(f"{r.status_code} {r.text[:100]} / {r2.status_code} {r2.text[:100]}")
                        else:
                            n_ok[0] += 1

        threads = [threading.Thread(target=voter, args=(k,)) for k in range(30)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert not errors, errors[:3]
        assert n_ok[0] == 300
        with db.read() as s:
            assert s.scalar(select(func.count()).select_from(Vote).where(Vote.conversation_id == cid)) == 300
            assert s.scalar(select(func.count()).select_from(VoteEvent).where(VoteEvent.conversation_id == cid)) == 300
        deadline = time.time() + 60
        status = {}
        while time.time() < deadline:
            status = httpx.get(f"{a.base}/api/v1/conversations/{cid}/analysis/status").json()
            if status.get("fresh") and status.get("computed_ms"):
                break
            time.sleep(0.2)
        assert status.get("fresh") and status["status"] == "ok", status
        doc = httpx.get(f"{b.base}/api/v1/conversations/{cid}/analysis").json()
        assert doc["meta"]["counts"]["participants"] == 30 and doc["meta"]["counts"]["votes"] == 300
        assert all(w.p.poll() is None for w in workers), "a worker died"
        db.dispose()
    finally:
        for p in [*servers, *workers]:
            p.kill(sig=2)
    logs = "".join((tmp_path / f"{n}.log").read_text() for n in ("serve0", "serve1", "worker0", "worker1"))
    assert "Traceback" not in logs, logs[-3000:]
