"""A listening job survives its worker: SIGKILL `voxpop worker` in the middle of a job, start another, and the
job is taken over once the killed worker's lease runs out and finishes (counted as one interrupted try)."""

from __future__ import annotations

import io
import time

import pytest
from reliability_helpers import Proc
from sqlalchemy import update

from voxpop.services import conversations
from voxpop.services import listen_jobs as jobs
from voxpop.store.db import Database
from voxpop.store.models_jobs import ListenJob

pytestmark = pytest.mark.slow
TOPICS = ["The buses to the villages stopped running after six in the evening",
          "Rents in the town centre have doubled and young families are moving away",
          "The library is the only warm place for some older people in winter",
          "The last bus leaves at half past five and I cannot get to my evening shift"]


def _csv(n: int) -> bytes:
    rows = ["id,text,place"] + [f'{i},"{TOPICS[i % 4]}, said person {i}. We talked about it on day {i % 31}.",'
                                f'{("North", "South")[i % 2]}' for i in range(n)]
    return ("\n".join(rows) + "\n").encode()


def _view(db: Database, cid: str, job_id: str) -> dict:
    with db.read() as s:
        return jobs.job_view(jobs.get_job(s, cid, job_id))


def _wait(db, cid, job_id, until, timeout_s: float, procs) -> dict:
    deadline, job = time.time() + timeout_s, {}
    while time.time() < deadline:
        job = _view(db, cid, job_id)
        if until(job):
            return job
        for p in procs:
            assert p.p.poll() is None, f"the worker exited with {p.p.returncode}"
        time.sleep(0.05)
    raise AssertionError(f"gave up waiting; the job is {job}")


def test_a_worker_killed_mid_job_is_replaced_and_the_job_finishes(db_url, tmp_path, monkeypatch):
    db = Database(db_url)
    db.upgrade()
    with db.write() as s:  # PostgreSQL is shared by the test session: only this job may wait
        s.execute(update(ListenJob).where(ListenJob.state.in_(("queued", "running"))).values(state="failed"))
        cid = conversations.create_conversation(s, topic="Kill a listening job").id
    job_id = jobs.create_job(db, cid, [jobs.Upload("hearing.csv", io.BytesIO(_csv(6000)))], model="tfidf")
    monkeypatch.setenv("VOXPOP_JOB_LEASE_S", "3")  # renewed every 0.75 s; taken over 3 s after the last renewal
    first = Proc(["worker"], db_url, tmp_path / "worker1.log")
    try:
        job = _wait(db, cid, job_id, lambda j: j["status"] == "running" and j["progress"] >= 0.05, 180, [first])
        assert job["stage"] in ("split", "embed", "themes")  # it is mid-way: the progress is there to see
    finally:
        first.kill()  # SIGKILL
    killed_at = _view(db, cid, job_id)
    assert killed_at["status"] == "running" and killed_at["failures"] == 0  # nobody knows yet
    second = Proc(["worker"], db_url, tmp_path / "worker2.log")
    try:
        done = _wait(db, cid, job_id, lambda j: j["status"] in ("done", "failed"), 280, [second])
    finally:
        second.kill()
    assert done["status"] == "done", done
    assert done["failures"] == 1 and done["error"].startswith("interrupted"), done
    assert done["themes"] >= 2
    db.dispose()


def test_the_server_themes_in_its_child_process_and_a_killed_server_s_job_is_finished_after_restart(
        db_url, tmp_path, monkeypatch):
    """`voxpop serve` (background mode 'process'): an upload over HTTP answers 202 at once, the server's child
    process themes it while the API shows its progress; SIGKILL the whole server mid-job, start it again, and
    the job is taken over and finishes."""
    import httpx
    from reliability_helpers import Server

    from voxpop.services import accounts

    db = Database(db_url)
    db.upgrade()
    with db.write() as s:
        s.execute(update(ListenJob).where(ListenJob.state.in_(("queued", "running"))).values(state="failed"))
        org = accounts.create_organiser(s, f"kill{time.time_ns() % 10**9}", "a long enough password")
        token = accounts.create_api_token(s, org.id, "kill test")[0]
        cid = conversations.create_conversation(s, topic="Kill the server", owner_id=org.id).id
    auth = {"Authorization": f"Bearer {token}"}
    monkeypatch.setenv("VOXPOP_JOB_LEASE_S", "3")
    server = Server(db_url, tmp_path / "serve1.log", "--analysis", "process")
    try:
        server.wait_ready()
        t0 = time.perf_counter()
        r = httpx.post(f"{server.base}/api/v1/conversations/{cid}/listen", params={"model": "tfidf"}, headers=auth,
                       files=[("files", ("hearing.csv", _csv(6000), "text/csv"))], timeout=60)
        assert r.status_code == 202, r.text
        assert time.perf_counter() - t0 < 30  # answered without theming
        url = f"{server.base}{r.json()['url']}"
        deadline, job = time.time() + 180, {}
        while time.time() < deadline:
            job = httpx.get(url, headers=auth, timeout=10).json()
            if job["status"] == "running" and job["progress"] >= 0.05:
                break
            time.sleep(0.05)
        assert job["status"] == "running" and job["stage"] in ("split", "embed", "themes"), job
    finally:
        server.kill()  # SIGKILL to the server and its child
    restarted = Server(db_url, tmp_path / "serve2.log", "--analysis", "process")
    try:
        restarted.wait_ready()
        url = url.replace(server.base, restarted.base)
        deadline = time.time() + 280
        while time.time() < deadline:
            job = httpx.get(url, headers=auth, timeout=10).json()
            if job["status"] in ("done", "failed"):
                break
            time.sleep(0.2)
        assert job["status"] == "done" and job["failures"] == 1 and job["themes"] >= 2, job
        themes = httpx.get(f"{restarted.base}/api/v1/conversations/{cid}/listen/themes", headers=auth, timeout=30)
        assert themes.status_code == 200 and themes.json()["meta"]["counts"]["testimonies"] == 6000
    finally:
        restarted.kill()
    db.dispose()
