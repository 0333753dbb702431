"""Tens of MB of transcripts through the real app (TestClient): the upload answers at once with a job, is
kept whole in the database, and the worker themes it; a bigger upload gets 413 saying what to do instead."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select
from tests.api.conftest import open_api
from tests.support.transcripts import transcript

from voxpop.services import listen_jobs as jobs
from voxpop.store.db import get_database
from voxpop.store.models_jobs import ListenJobChunk
from voxpop.worker import Worker


@pytest.fixture
def api(tmp_path):
    with open_api(f"sqlite:///{tmp_path}/voxpop.db", background="off") as a:
        yield a


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_twenty_mb_of_transcripts_become_a_job_that_completes(api):
    cid = api.conversation(n_statements=0)
    files = [("files", (f"hearing-{i}.txt", transcript(5 * 2**20, i), "text/plain")) for i in range(4)]
    total = sum(len(f[1][1]) for f in files)
    assert 20 * 2**20 <= total < jobs.MAX_UPLOAD_BYTES
    t0 = time.perf_counter()
    r = api.c.post(f"/api/v1/conversations/{cid}/listen", params={"model": "tfidf"}, files=files, headers=api.auth)
    answered_s = time.perf_counter() - t0
    assert r.status_code == 202, r.text
    job = r.json()["job"]
    assert job["status"] == "queued" and job["bytes"] == total and job["files"] == 4
    db = get_database(api.db_url)
    with db.read() as s:
        stored = s.scalar(select(func.sum(func.length(ListenJobChunk.data))).where(ListenJobChunk.job_id == job["id"]))
    assert stored == total
    w = Worker(db, poll_s=0.001)
    t1 = time.perf_counter()
    assert w.step_listen()
    themed_s = time.perf_counter() - t1
    done = api.c.get(r.json()["url"], headers=api.auth).json()
    assert done["status"] == "done" and done["themes"] >= 2, done
    section = api.c.get(f"/api/v1/conversations/{cid}/listen/themes", headers=api.auth).json()
    assert section["meta"]["counts"]["sources"] == 4 and section["meta"]["counts"]["speakers"] == 40
    assert {s["id"] for s in section["sources"]} == {f"hearing-{i}.txt" for i in range(4)}
    print(f"\n{total:,} bytes: upload answered in {answered_s:.1f} s, themed by the worker in {themed_s:.1f} s")


def test_an_upload_over_the_limit_gets_413_saying_what_to_do(api):
    cid = api.conversation(n_statements=0)
    big = b"Speaker 1: " + b"word " * ((jobs.MAX_UPLOAD_BYTES + 400_000) // 5)
    for path in (f"/api/v1/conversations/{cid}/listen", f"/organiser/c/{cid}/listen"):
        r = api.c.post(path, params={"model": "tfidf"}, files=[("files", ("big.txt", big, "text/plain"))],
                       headers=api.auth)
        assert r.status_code == 413, r.text
        message = r.json()["message"]
        assert f"limit of {jobs.MAX_UPLOAD_BYTES:,} bytes" in message
        assert "send fewer or smaller testimony files" in message and "voxpop listen" in message
    # within the body limit's slack for the form around the files, the upload itself still counts every byte
    just_over = b"Speaker 1: " + b"word " * ((jobs.MAX_UPLOAD_BYTES + 100_000) // 5)
    r = api.c.post(f"/api/v1/conversations/{cid}/listen", params={"model": "tfidf"},
                   files=[("files", ("big.txt", just_over, "text/plain"))], headers=api.auth)
    assert r.status_code == 413 and "limit for one upload of testimony" in r.json()["message"], r.text
    assert api.c.get(f"/api/v1/conversations/{cid}/listen/jobs", headers=api.auth).json()["jobs"] == []
