"""A listening job's themes are checked against their type before they are stored, and a failed job can be
tried again on its kept files ("Try again" on the job's page, POST .../retry in the API), on SQLite and
PostgreSQL."""

from __future__ import annotations

import io
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from tests.api.conftest import PASSWORD, make_organiser

from voxpop.analysis.schema import DocumentError, themes_problems, validate_themes
from voxpop.errors import Conflict
from voxpop.services import conversations
from voxpop.services import listen_jobs as jobs
from voxpop.settings import load_settings
from voxpop.store.models import Artifact
from voxpop.store.models_jobs import ListenJob, ListenJobChunk
from voxpop.worker import Worker

TOPICS = ["The buses to the villages stopped running after six in the evening.",
          "Rents in the town centre have doubled and young families are moving away.",
          "The library is the only warm place for some older people in winter.",
          "The last bus leaves at half past five and I cannot get to my evening shift.",
          "I pay more than half my wages in rent for a damp flat with mould on the walls.",
          "Please keep the library open on Saturdays for families who work all week."]


def _csv(n: int = 30) -> bytes:
    rows = ["id,text,place"] + [f'{i},"{TOPICS[i % len(TOPICS)]} Said by person {i}.",North' for i in range(n)]
    return ("\n".join(rows) + "\n").encode()


def _quiet(db) -> None:
    with db.write() as s:  # PostgreSQL is shared by the test session: only this test's jobs may wait
        s.execute(update(ListenJob).where(ListenJob.state.in_(("queued", "running"))).values(state="failed"))


def _conversation(db) -> str:
    _quiet(db)
    with db.write() as s:
        return conversations.create_conversation(s, topic="Trying again").id


def _view(db, cid, job_id) -> dict:
    with db.read() as s:
        return jobs.job_view_in(s, jobs.get_job(s, cid, job_id))


def _n(db, model, job_or_cid, column) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(model).where(column == job_or_cid))


def _worker(db, retries: int = 0) -> Worker:
    return Worker(db, poll_s=0.001, settings=load_settings(job_retries=retries, job_backoff_s=30))


_REAL_LISTEN = jobs._listen


def _broken(paths, **kwargs):  # the real themes, then two faults a bug could make
    section = _REAL_LISTEN(paths, **kwargs)
    section["themes"][0]["label"] = 7
    del section["meta"]["counts"]
    return section


def test_a_themes_section_that_breaks_its_type_is_named_and_never_stored(db, monkeypatch):
    cid = _conversation(db)
    job_id = jobs.create_job(db, cid, [jobs.Upload("voices.csv", io.BytesIO(_csv()))], model="tfidf")
    monkeypatch.setattr(jobs, "_listen", _broken)
    assert _worker(db, retries=3).step_listen()
    job = _view(db, cid, job_id)
    assert job["status"] == "failed" and job["failures"] == 1 and job["next_try_ms"] is None  # at once
    assert "themes.meta.counts: missing" in job["error"], job["error"]
    assert "themes.themes[0].label: Input should be a valid string, got int" in job["error"]
    assert "not in the testimony" in job["error"]
    assert _n(db, Artifact, cid, Artifact.conversation_id) == 0  # nothing stored
    assert job["can_retry"]  # a fault in voxpop: the files are kept to try again once it is fixed
    monkeypatch.undo()
    with db.write() as s:
        assert jobs.retry_job(s, cid, job_id).state == "queued"
    assert _worker(db).step_listen()
    assert _view(db, cid, job_id)["status"] == "done"
    with db.read() as s:
        stored = s.scalar(select(Artifact.payload).where(Artifact.conversation_id == cid))
    assert themes_problems(stored) == [] and stored["themes"]


def test_validate_themes_names_every_path():
    with pytest.raises(DocumentError) as e:
        validate_themes({"schema": "voxpop.themes", "schema_version": 2})
    assert "themes.meta: missing" in str(e.value) and "themes.other: missing" in str(e.value)


def test_a_failed_job_is_tried_again_on_its_kept_files(db, monkeypatch):
    cid = _conversation(db)
    job_id = jobs.create_job(db, cid, [jobs.Upload("voices.csv", io.BytesIO(_csv()))], model="tfidf")
    with db.write() as s:
        with pytest.raises(Conflict, match="only a failed listening job can be tried again; this one is queued"):
            jobs.retry_job(s, cid, job_id)

    def boom(paths, **kwargs):
        raise RuntimeError("the embedding model is not there")

    monkeypatch.setattr(jobs, "_listen", boom)
    assert _worker(db, retries=0).step_listen()
    job = _view(db, cid, job_id)
    assert job["status"] == "failed" and job["can_retry"] and "not there" in job["error"]
    assert _n(db, ListenJobChunk, job_id, ListenJobChunk.job_id) > 0
    monkeypatch.undo()
    with db.write() as s:
        jobs.retry_job(s, cid, job_id)
    job = _view(db, cid, job_id)
    assert job["status"] == "queued" and job["failures"] == 0 and job["error"] is None and not job["can_retry"]
    assert _worker(db).step_listen()
    job = _view(db, cid, job_id)
    assert job["status"] == "done" and job["themes"] >= 1
    assert _n(db, ListenJobChunk, job_id, ListenJobChunk.job_id) == 0  # done: the files are dropped
    with db.write() as s:
        with pytest.raises(Conflict, match="this one is done"):
            jobs.retry_job(s, cid, job_id)


def test_files_that_cannot_be_read_are_not_kept_and_old_failures_lose_theirs(db, monkeypatch):
    cid = _conversation(db)
    bad = jobs.create_job(db, cid, [jobs.Upload("v.csv", io.BytesIO(_csv() + b'3,"Again.",North\n'))],
                          model="tfidf")
    assert _worker(db).step_listen()
    job = _view(db, cid, bad)
    assert job["status"] == "failed" and not job["can_retry"]
    with db.write() as s:
        with pytest.raises(Conflict, match="no longer kept"):
            jobs.retry_job(s, cid, bad)
    old = jobs.create_job(db, cid, [jobs.Upload("v.csv", io.BytesIO(_csv()))], model="tfidf")
    monkeypatch.setattr(jobs, "_listen", lambda paths, **kw: (_ for _ in ()).throw(RuntimeError("down")))
    assert _worker(db).step_listen()
    assert _view(db, cid, old)["can_retry"]
    with db.write() as s:  # failed eight days ago
        s.execute(update(ListenJob).where(ListenJob.id == old).values(
            updated_ms=ListenJob.updated_ms - jobs.FAILED_KEEP_MS - 86_400_000))
    assert jobs.claim_job(db, "w", lease_s=60, retries=0) is None  # the worker's tidy-up drops them
    assert not _view(db, cid, old)["can_retry"]


def _app(db_url):
    from voxpop.web.app import create_app

    app = create_app(db_url, background="off")
    name, token = make_organiser(db_url)
    return app, name, {"Authorization": f"Bearer {token}"}


def _failed_job(db, cid: str, monkeypatch) -> str:
    job_id = jobs.create_job(db, cid, [jobs.Upload("voices.csv", io.BytesIO(_csv()))], model="tfidf")
    monkeypatch.setattr(jobs, "_listen", lambda paths, **kw: (_ for _ in ()).throw(RuntimeError("model away")))
    assert _worker(db).step_listen()
    monkeypatch.undo()
    return job_id


def test_try_again_in_the_api(db_url, db, monkeypatch):
    app, _, auth = _app(db_url)
    with TestClient(app) as c:
        _quiet(db)
        cid = c.post("/api/v1/conversations", json={"topic": "Retry"}, headers=auth).json()["id"]
        job_id = _failed_job(db, cid, monkeypatch)
        url = f"/api/v1/conversations/{cid}/listen/jobs/{job_id}"
        got = c.get(url, headers=auth).json()
        assert got["status"] == "failed" and got["can_retry"] is True
        assert c.post(f"{url}/retry").status_code in (401, 403)
        assert c.post(f"/api/v1/conversations/{cid}/listen/jobs/nope/retry", headers=auth).status_code == 404
        r = c.post(f"{url}/retry", headers=auth)
        assert r.status_code == 202, r.text
        assert r.json()["job"]["status"] == "queued" and r.headers["location"] == url
        r = c.post(f"{url}/retry", headers=auth)  # queued: nothing to try again
        assert r.status_code == 409 and r.json()["error"] == "conflict" and "queued" in r.json()["message"]
        assert _worker(db).step_listen()
        assert c.get(url, headers=auth).json()["status"] == "done"
        ops = c.get("/openapi.json").json()["paths"]["/api/v1/conversations/{cid}/listen/jobs/{job_id}/retry"]
        assert {"202", "404", "409"} <= set(ops["post"]["responses"])


def test_try_again_on_the_job_page(db_url, db, monkeypatch):
    app, name, auth = _app(db_url)
    with TestClient(app) as c:
        _quiet(db)
        cid = c.post("/api/v1/conversations", json={"topic": "Retry"}, headers=auth).json()["id"]
        page = c.get("/organiser/sign-in").text
        token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page).group(1)
        r = c.post("/organiser/sign-in", data={"csrf_token": token, "username": name, "password": PASSWORD,
                                                "next": "/organiser"}, follow_redirects=False)
        assert r.status_code == 303
        job_id = _failed_job(db, cid, monkeypatch)
        job_page = f"/organiser/c/{cid}/listen/jobs/{job_id}"
        page = c.get(job_page).text
        form = re.search(r'<form class="job-retry" method="post" action="([^"]+)">(.*?)</form>', page, re.S)
        assert form and form.group(1) == f"{job_page}/retry", page  # shown, not hidden: it failed with files
        assert '<button type="submit"' in form.group(2) and "Try again" in form.group(2)
        assert "upload them again on the listening page" not in page.split('class="job-again"')[1][:20]
        token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', form.group(2)).group(1)
        assert c.post(f"{job_page}/retry", data={}, follow_redirects=False).status_code == 403  # no CSRF token
        assert _view(db, cid, job_id)["status"] == "failed"
        r = c.post(f"{job_page}/retry", data={"csrf_token": token}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == job_page
        page = c.get(job_page).text
        assert "Waiting for the worker to start." in page
        assert re.search(r'<form class="job-retry"[^>]* hidden>', page)  # not failed now: no button
        r = c.post(f"{job_page}/retry", data={"csrf_token": token}, follow_redirects=False)
        assert r.status_code == 409 and "only a failed listening job" in r.text
        cy = c.get(job_page + "?lang=cy").text
        assert "Rhowch gynnig arall" in cy
