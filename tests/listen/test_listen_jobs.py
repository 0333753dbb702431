"""Listening as a background job, on SQLite and PostgreSQL: an upload is kept in the database, the worker
themes it and records its stage and progress; testimony that cannot be read fails the job at once with a
message naming the file and line; other failures are retried after a growing wait and then failed for good;
a job whose worker died is taken over; the upload streams into the database in pieces."""

from __future__ import annotations

import codecs
import io
import time
import tracemalloc

import pytest
from sqlalchemy import func, select, update

from voxpop.errors import Invalid, TooLarge
from voxpop.services import conversations
from voxpop.services import listen_jobs as jobs
from voxpop.settings import load_settings
from voxpop.store.models_jobs import ListenJob, ListenJobChunk
from voxpop.store.queries import latest_artifact
from voxpop.worker import Worker

TOPICS = ["The buses to the villages stopped running after six in the evening.",
          "Rents in the town centre have doubled and young families are moving away.",
          "The library is the only warm place for some older people in winter.",
          "The last bus leaves at half past five and I cannot get to my evening shift.",
          "I pay more than half my wages in rent for a damp flat with mould on the walls.",
          "Please keep the library open on Saturdays for families who work all week."]


def _testimony_csv(n: int = 60) -> bytes:
    rows = ["id,text,place"]
    for i in range(n):
        rows.append(f'{i},"{TOPICS[i % len(TOPICS)]} Said by person {i}.",{("North", "South")[i % 2]}')
    return ("\n".join(rows) + "\n").encode()


def _conversation(db) -> str:
    with db.write() as s:
        # PostgreSQL is shared by the test session: only this test's jobs may wait
        s.execute(update(ListenJob).where(ListenJob.state.in_(("queued", "running"))).values(state="failed"))
        return conversations.create_conversation(s, topic="Listening jobs").id


def _job(db, cid, job_id) -> dict:
    with db.read() as s:
        return jobs.job_view(jobs.get_job(s, cid, job_id))


def _due_now(db, job_id):
    with db.write() as s:  # as if the backoff wait were over
        s.execute(update(ListenJob).where(ListenJob.id == job_id).values(retry_ms=1))


def _new(db, cid, data: bytes, name="testimony.csv") -> str:
    return jobs.create_job(db, cid, [jobs.Upload(name, io.BytesIO(data))], model="tfidf")


def test_a_job_runs_in_the_worker_with_its_progress_and_stores_the_themes(db):
    cid = _conversation(db)
    job_id = _new(db, cid, _testimony_csv(600))
    assert _job(db, cid, job_id)["status"] == "queued"
    seen: list[tuple[str, str | None, float]] = []

    def watching(paths, **kwargs):  # the real listen(); after each progress call, read what the API shows
        record = kwargs["progress"]

        def progress(stage, done, total):
            record(stage, done, total)
            job = _job(db, cid, job_id)
            seen.append((job["status"], job["stage"], job["progress"]))

        return jobs._listen(paths, **{**kwargs, "progress": progress})

    got = jobs.claim_job(db, "w1", lease_s=60, retries=3)
    assert got is not None and got[0] == job_id
    assert jobs.claim_job(db, "w2", lease_s=60, retries=3) is None  # claimed once
    jobs.run_job(db, job_id, got[1], listen=watching)
    stages = [st for status, st, _ in seen]
    assert all(status == "running" for status, _, _ in seen)
    assert {"split", "embed", "themes"} <= set(stages)
    assert stages.index("split") < stages.index("embed") < stages.index("themes")
    fractions = [p for _, _, p in seen]
    assert fractions == sorted(fractions) and 0 < fractions[-1] < 1
    done = _job(db, cid, job_id)
    assert done["status"] == "done" and done["progress"] == 1 and done["themes"] >= 2 and done["failures"] == 0
    with db.read() as s:
        section = latest_artifact(s, cid, jobs.THEMES_KIND)
        chunks = s.scalar(select(func.count()).select_from(ListenJobChunk).where(ListenJobChunk.job_id == job_id))
    assert section["meta"]["counts"]["testimonies"] == 600 and len(section["themes"]) == done["themes"]
    assert section["sources"][0]["path"] == "testimony.csv"  # never the worker's temporary folder
    assert chunks == 0  # the upload is dropped once themed: the themes keep the testimony


def test_an_excel_unicode_text_upload_is_themed_by_the_worker(db):
    """Excel's "Unicode Text": UTF-16 LE with a BOM, tab-separated, saved as .txt."""
    cid = _conversation(db)
    text = _testimony_csv(60).decode().replace(',"', "\t").replace('",', "\t").replace("id,text,place", "id\ttext\tplace")
    job_id = _new(db, cid, codecs.BOM_UTF16_LE + text.replace("\n", "\r\n").encode("utf-16-le"), "unicode.txt")
    got = jobs.claim_job(db, "w1", lease_s=60, retries=3)
    assert got is not None and got[0] == job_id
    jobs.run_job(db, job_id, got[1])
    done = _job(db, cid, job_id)
    assert done["status"] == "done" and done["themes"] >= 2, done
    with db.read() as s:
        section = latest_artifact(s, cid, jobs.THEMES_KIND)
    assert section["meta"]["counts"]["testimonies"] == 60


def test_testimony_that_cannot_be_read_fails_the_job_at_once_with_what_to_fix(db):
    cid = _conversation(db)
    bad = _testimony_csv(20) + b'7,"The same id again.",North\n'  # passes the upload's checks, not the reader's
    job_id = _new(db, cid, bad, "voices.csv")
    w = Worker(db, poll_s=0.001, settings=load_settings(job_retries=3, job_backoff_s=30))
    assert w.step_listen()
    job = _job(db, cid, job_id)
    assert job["status"] == "failed" and job["failures"] == 1 and job["next_try_ms"] is None
    assert "voices.csv: line 22: id '7' already used on line 9" in job["error"], job
    assert "/tmp" not in job["error"] and job["message"].startswith("failed: voices.csv")
    _due_now(db, job_id)
    assert not w.step_listen()  # input errors are not retried: the same file would fail the same way
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(ListenJobChunk).where(ListenJobChunk.job_id == job_id)) == 0


def test_other_failures_back_off_then_fail_for_good(db, monkeypatch):
    cid = _conversation(db)
    job_id = _new(db, cid, _testimony_csv())

    def boom(paths, **kwargs):
        raise RuntimeError("the embedding model is not there")

    monkeypatch.setattr(jobs, "_listen", boom)
    w = Worker(db, poll_s=0.001, settings=load_settings(job_retries=2, job_backoff_s=30))
    assert w.step_listen()
    job = _job(db, cid, job_id)
    assert job["status"] == "retrying" and job["failures"] == 1
    assert job["error"] == "RuntimeError: the embedding model is not there"
    assert 25 < (job["next_try_ms"] - time.time() * 1000) / 1000 <= 30
    assert jobs.claim_job(db, "other", lease_s=60, retries=2) is None  # not before the wait is over
    _due_now(db, job_id)
    assert w.step_listen()
    job = _job(db, cid, job_id)
    assert job["status"] == "retrying" and 55 < (job["next_try_ms"] - time.time() * 1000) / 1000 <= 60  # doubled
    _due_now(db, job_id)
    assert w.step_listen()  # the third failure: two retries were allowed
    job = _job(db, cid, job_id)
    assert job["status"] == "failed" and job["failures"] == 3 and job["next_try_ms"] is None
    assert "the embedding model is not there" in job["message"]
    _due_now(db, job_id)
    assert not w.step_listen()


def test_a_job_whose_worker_died_is_taken_over_and_counted(db):
    cid = _conversation(db)
    job_id = _new(db, cid, _testimony_csv())
    got = jobs.claim_job(db, "dead", lease_s=60, retries=1)
    assert got is not None
    assert jobs.renew(db, job_id, got[1], stage="split", progress=0.1)
    assert jobs.claim_job(db, "alive", lease_s=60, retries=1) is None  # its lease is still running
    with db.write() as s:  # the dead worker stopped renewing its claim two minutes ago
        s.execute(update(ListenJob).where(ListenJob.id == job_id).values(claim_ms=ListenJob.claim_ms - 120_000))
    again = jobs.claim_job(db, "alive", lease_s=60, retries=1)
    assert again is not None and again[0] == job_id
    assert not jobs.renew(db, job_id, got[1])  # the dead worker's claim is gone
    job = _job(db, cid, job_id)
    assert job["status"] == "running" and job["failures"] == 1 and job["error"].startswith("interrupted")
    with db.write() as s:  # it dies again: one retry was allowed, so the job is failed for good
        s.execute(update(ListenJob).where(ListenJob.id == job_id).values(claim_ms=ListenJob.claim_ms - 120_000))
    assert jobs.claim_job(db, "third", lease_s=60, retries=1) is None
    job = _job(db, cid, job_id)
    assert job["status"] == "failed" and job["failures"] == 2 and "not tried again" in job["error"]


def test_the_upload_is_checked_as_it_streams_and_nothing_is_kept_when_refused(db):
    cid = _conversation(db)
    with db.read() as s:
        before = s.scalar(select(func.count()).select_from(ListenJob))
    cases = [("a.csv", b"name,words\nx,y\n", "a.csv: line 1: missing column(s) id, text"),
             ("b.txt", b"caf\xe9 au lait\n", "b.txt: not valid UTF-8 (bad byte 0xe9 at byte 3, line 1)"),
             ("c.txt", b" \n\n", "c.txt: the file is empty"),
             # a 0-byte or blank CSV is empty (it was "missing column(s) id, text ... found []")
             ("e.csv", b"", "e.csv: the file is empty"),
             ("f.csv", b"\xef\xbb\xbf \r\n\r\n", "f.csv: the file is empty"),
             # a header and nothing under it was accepted, then failed in the worker
             ("g.csv", b"id,text,place\n", "g.csv: no rows under the header"),
             ("h.csv", b"\xef\xbb\xbfid,text\r\n\r\n  \r\n", "h.csv: no rows under the header"),
             ("i.csv", b"id,text", "i.csv: no rows under the header"),
             ("j.csv", b"\n\nid,text\n1,x\n", "j.csv: line 1: missing column(s) id, text"),
             ("d.pdf", b"%PDF-1.4", "d.pdf: unsupported file type '.pdf'")]
    for name, data, message in cases:
        with pytest.raises(Invalid, match="^" + message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
            _new(db, cid, data, name)
    checked = jobs._Checker("k.csv")  # a header and its first row in separate pieces
    for piece in (b"id,te", b"xt\n", b"\n", b"1,A later bus\n"):
        checked.feed(piece)
    checked.finish()
    assert checked.rows
    # UTF-16 (Excel's "CSV UTF-16" and tab-separated "Unicode Text") passes as it streams, whatever the pieces:
    # the BOM split, a character split between pieces, a surrogate pair split; a broken one is refused
    for bom, enc in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        for sep in (",", "\t"):
            data = bom + f"id{sep}text\r\n1{sep}Bws hwyr \U0001F68C\r\n".encode(enc)
            for size in (1, 2, 3, 5, len(data)):
                checked = jobs._Checker("u.csv")
                for i in range(0, len(data), size):
                    checked.feed(data[i:i + size])
                checked.finish()
                assert checked.rows and checked.encoding == enc
            with pytest.raises(Invalid, match=r"^u\.csv: no rows under the header"):
                _new(db, cid, bom + f"id{sep}text\r\n".encode(enc), "u.csv")
        with pytest.raises(Invalid, match=r"^u\.csv: line 1: missing column\(s\) text"):
            _new(db, cid, bom + "id\twords\n1\tx\n".encode(enc), "u.csv")
        with pytest.raises(Invalid, match=r"^u\.csv: not valid UTF-16 .E \(a broken character at byte 24, line 2\)"):
            _new(db, cid, bom + "id,text\n1,x".encode(enc) + b"\xdc\xdc" + "y\n".encode(enc), "u.csv")
    # UTF-32 with a BOM, as some tools write it: LE's BOM starts with UTF-16 LE's, so its first 2 bytes alone must
    # not decide; pieces of any size, a character split between pieces; a broken one is refused where it breaks
    for bom, enc in ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be")):
        data = bom + "id\ttext\r\n1\tBws hwyr \U0001F68C\r\n".encode(enc)
        for size in (1, 2, 3, 5, 7, len(data)):
            checked = jobs._Checker("u.txt")
            for i in range(0, len(data), size):
                checked.feed(data[i:i + size])
            checked.finish()
            assert checked.nonblank and checked.encoding == enc
        with pytest.raises(Invalid, match=r"^u\.csv: no rows under the header"):
            _new(db, cid, bom + "id,text\r\n".encode(enc), "u.csv")
        with pytest.raises(Invalid, match=r"^u\.csv: not valid UTF-32 .E \(a broken character at byte 44, line 2\)"):
            _new(db, cid, bom + "id,text\n1,".encode(enc) + b"\x00\xdc\x00\x00"[::1 if enc.endswith("be") else -1]
                 + "y\n".encode(enc), "u.csv")
        with pytest.raises(Invalid, match=r"^u\.csv: not valid UTF-32 .E \(a broken character at byte 44, line 2\)"):
            _new(db, cid, bom + "id,text\n1,".encode(enc) + b"x\x00", "u.csv")  # cut off
    with pytest.raises(Invalid, match="send 1 to 50 testimony files"):
        jobs.create_job(db, cid, [], model="tfidf")
    with pytest.raises(Invalid, match="unknown model"):
        jobs.create_job(db, cid, [jobs.Upload("a.csv", io.BytesIO(_testimony_csv()))], model="bert")
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(ListenJob)) == before  # nothing half-stored


class _Generated(io.RawIOBase):
    """`size` bytes of transcript text made on the fly: a file that is never in memory as a whole."""

    BLOCK = "".join(f"Speaker {i % 7}: {TOPICS[i % len(TOPICS)]}\n" for i in range(700)).encode()

    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:
        n = min(len(buf), self.left, len(self.BLOCK))
        buf[:n] = self.BLOCK[:n]
        self.left -= n
        return n


def test_a_big_upload_streams_into_the_database_in_pieces(db):
    cid = _conversation(db)
    size = 24 * 2**20
    tracemalloc.start()
    try:
        job_id = jobs.create_job(db, cid, [jobs.Upload("hearing.txt", io.BufferedReader(_Generated(size), 2**16))],
                                 model="tfidf")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 12 * 2**20, f"{peak:,} bytes held at once for a {size:,}-byte upload"  # a few pieces, not copies
    with db.read() as s:
        n, total = s.execute(select(func.count(), func.sum(func.length(ListenJobChunk.data)))
                             .where(ListenJobChunk.job_id == job_id)).one()
    assert n == size // jobs.CHUNK_BYTES and total == size
    assert _job(db, cid, job_id)["bytes"] == size
    with pytest.raises(TooLarge, match="limit for one upload of testimony; send fewer or smaller files"):
        jobs.create_job(db, cid, [jobs.Upload("big.txt", io.BufferedReader(_Generated(jobs.MAX_UPLOAD_BYTES + 1)))])


def test_in_a_child_process_a_killed_child_is_counted_and_the_job_finishes(db):
    """serve's background mode 'process': the job runs in a child; killing the child mid-job is an interrupted
    try (recorded, retried at once by a new child), not a lost job."""
    import os
    import signal
    import threading

    cid = _conversation(db)
    job_id = _new(db, cid, _testimony_csv(4000))
    w = Worker(db, mode="process", poll_s=0.001, settings=load_settings(job_retries=3, job_backoff_s=0))
    try:
        ran = threading.Thread(target=w.step_listen)
        ran.start()
        deadline = time.time() + 180
        while time.time() < deadline and not (_job(db, cid, job_id)["progress"] >= 0.05 and w._listen_pool):
            time.sleep(0.05)
        assert _job(db, cid, job_id)["status"] == "running"
        for pid in list(w._listen_pool._processes):  # type: ignore[union-attr]
            os.kill(pid, signal.SIGKILL)
        ran.join(60)
        job = _job(db, cid, job_id)
        assert job["status"] == "retrying" and job["failures"] == 1 and job["error"].startswith("interrupted: the worker")
        _due_now(db, job_id)
        # a new child takes it (in CI the takeover once came later than the first try: allow the claim's lease)
        deadline = time.time() + 90
        while not w.step_listen():
            assert time.time() < deadline, _job(db, cid, job_id)
            time.sleep(0.5)
        job = _job(db, cid, job_id)
        assert job["status"] == "done" and job["themes"] >= 2, job
    finally:
        w.stop()
