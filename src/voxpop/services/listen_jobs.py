"""Listening as a background job: keep an upload of testimony, let the worker theme it, show how far it got.

The web request only checks the files at the boundary (type, size, UTF-8, a CSV's header) while streaming
them into the database in chunks (store.models_jobs), and answers with the job. The worker (voxpop.worker)
claims a queued job, writes the files to a temporary folder, runs voxpop.listen.run.listen with a progress
callback that records the stage and how far the whole job is, and stores the themes as the conversation's
newest Artifact(kind="listen_themes"), exactly as a listening run in the request used to.

Failures: testimony that cannot be read (voxpop.listen.io.TestimonyError: a duplicate id on line 40, a
testimony over the length limit, ...) fails the job at once, since trying again cannot help: the message
says what to fix. Any other failure (the embedding model, the database, a worker killed mid-job) is tried
again after VOXPOP_JOB_BACKOFF_S, doubling, and after VOXPOP_JOB_RETRIES retries the job is failed for good
(services.jobs, the same rule as analyses). A themes section that does not follow its type
(voxpop.analysis.schema_themes) is never stored: the job fails at once with the paths that are wrong.

A job failed for good keeps its files for FAILED_KEEP_MS (7 days; unreadable testimony excepted, dropped at
once) so the organiser can try it again (retry_job: "Try again" on the job's page, POST .../retry in the API).
"""

from __future__ import annotations

import codecs
import csv
import logging
import re
import secrets
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from voxpop import i18n
from voxpop.analysis.schema import themes_problems
from voxpop.errors import Conflict, Invalid, NotFound, TooLarge
from voxpop.i18n import lazy_gettext
from voxpop.listen.io import (
    BAD_UTF16,
    BOM_BYTES,
    CSV_SUFFIXES,
    MAX_FILE_BYTES,
    TEXT_SUFFIXES,
    bad_utf16,
    csv_delimiter,
    encoding_of,
    in_reader_language,
)
from voxpop.listen.io import TEMPLATES as io_messages
from voxpop.services.jobs import error_message, gives_up, retry_at_ms
from voxpop.store.db import Database, rowcount
from voxpop.store.models import Artifact, now_ms
from voxpop.store.models_jobs import ListenJob, ListenJobChunk

log = logging.getLogger("voxpop.listen.jobs")
THEMES_KIND = "listen_themes"
MODELS = ("auto", "minilm", "tfidf")
MAX_FILES = 50
MAX_UPLOAD_BYTES = MAX_FILE_BYTES  # all files of one upload together (web.limits.UPLOADS)
CHUNK_BYTES = 1 << 20  # the upload is stored and read back in pieces of this size
PROGRESS_EVERY_S = 0.5  # the fastest the worker writes progress
STALE_UPLOAD_MS = 3_600_000  # an upload whose web process died half-way is dropped after an hour
FAILED_KEEP_MS = 7 * 86_400_000  # a job that failed for good keeps its files this long, to be tried again
# each stage's share of the whole job (stage -> (start, end)): embedding is most of the time
STAGES = {"read": (0.0, 0.05), "split": (0.05, 0.2), "embed": (0.2, 0.85), "themes": (0.85, 1.0)}
INTERRUPTED = ("interrupted: the worker running this job stopped before it finished (it was stopped, killed "
               "or ran out of memory); it is tried again")


class InputError(Exception):
    """The testimony itself cannot be themed; the job fails at once with this message (no retries)."""

    keep_files = False  # trying the same files again cannot help: they are dropped with the failure


class BadThemes(InputError):
    """The themes the run made do not follow their type (voxpop.analysis.schema_themes): a fault in voxpop, not
    in the testimony. The job fails at once and nothing is stored; the files are kept (for FAILED_KEEP_MS) so
    the organiser can try again once voxpop is fixed."""

    keep_files = True


class JobLost(Exception):
    """This worker's claim on the job was taken over (its lease ran out): stop, the other worker carries on."""


@dataclass
class Upload:
    name: str  # as the browser sent it
    stream: BinaryIO  # read in CHUNK_BYTES pieces; never read whole


def safe_name(name: str, i: int) -> str:
    """The file's own name without folders or odd characters (kept for the messages and the themes' sources)."""
    base = re.sub(r"[^\w.\-]+", "_", Path(name or "").name)[:100].lstrip(".")
    return base or f"upload-{i + 1}"


_BLANK = " \t\r\n\ufeff"


class _Checker:
    """Checks one file while it streams past: UTF-8 (or UTF-16 / UTF-32 after its byte-order mark) all through,
    no NUL, not empty, a CSV's header and at least one line under it (the messages are listen.io's, so the upload
    is refused as the worker would refuse it)."""

    def __init__(self, name: str) -> None:
        self.name, self.is_csv = name, Path(name).suffix.lower() in CSV_SUFFIXES
        self.decoder: codecs.IncrementalDecoder | None = None  # chosen once the first bytes show a BOM or not
        self.encoding = "utf-8"
        self.pending = b""  # the first bytes, until there are enough to see a BOM
        self.bytes = self.lines = 0
        self.head = ""  # the decoded text up to the first line break (a CSV's header)
        self.header_done = not self.is_csv
        self.nonblank = False
        self.rows = False  # a CSV has something under its header

    def _start(self, data: bytes, final: bool) -> bytes | None:
        """The bytes to decode once the encoding is known (None: wait for more)."""
        self.pending += data
        if len(self.pending) < BOM_BYTES and not final:
            return None
        data, self.pending = self.pending, b""
        self.encoding, skip = encoding_of(data)
        self.decoder = codecs.getincrementaldecoder(self.encoding)()
        if self.encoding != "utf-8":  # a UTF-16/32 BOM is not text (UTF-8's stays, as blank, for the messages)
            self.bytes += skip
            data = data[skip:]
        return data

    def feed(self, data: bytes, final: bool = False) -> None:
        if self.decoder is None:
            started = self._start(data, final)
            if started is None:
                return
            data = started
        assert self.decoder is not None
        undecoded = self.decoder.getstate()[0] + data  # what the decoder reads: the bytes it kept back, then these
        try:
            text = self.decoder.decode(data, final)
        except UnicodeDecodeError as exc:
            at = self.bytes + len(data) - len(undecoded) + exc.start
            if self.encoding != "utf-8":
                line = self.lines + undecoded[:exc.start].decode(self.encoding, errors="replace").count("\n") + 1
                raise Invalid(lazy_gettext(io_messages[BAD_UTF16], **bad_utf16(
                    self.name, self.encoding, at, line).params)) from None
            line = self.lines + undecoded.count(b"\n", 0, exc.start) + 1
            raise Invalid(lazy_gettext("%(path)s: not valid UTF-8 (bad byte %(byte)s at byte %(at)s, line %(line)s); "
                                       "re-save the file as UTF-8 and upload it again", path=self.name,
                                       byte=f"0x{undecoded[exc.start]:02x}", at=f"{at:,}",
                                       line=f"{line:,}")) from None
        self.bytes += len(data)
        self.lines += text.count("\n")
        if "\x00" in text:
            raise Invalid(lazy_gettext(io_messages[3], path=self.name))
        blank = not text.strip(_BLANK)
        self.nonblank = self.nonblank or not blank
        if self.header_done:
            self.rows = self.rows or not blank
            return
        self.head += text
        # a file of nothing but blank lines so far is not judged by its header: it may be empty (finish says so)
        if self.nonblank and ("\n" in self.head or final) or len(self.head) > 65_536:
            self.header_done = True
            header, _, rest = self.head.partition("\n")
            self._check_header(header)
            self.rows = bool(rest.strip(_BLANK))

    def _check_header(self, line: str) -> None:
        line = line.lstrip("\ufeff")
        cols = [c.strip() for c in next(csv.reader([line], delimiter=csv_delimiter(line)), [])]
        missing = [c for c in ("id", "text") if c not in cols]
        if missing:
            raise Invalid(lazy_gettext(io_messages[6], path=self.name, missing=", ".join(missing), found=cols[:20]))

    def finish(self) -> None:
        self.feed(b"", final=True)
        if not self.nonblank:
            raise Invalid(lazy_gettext(io_messages[0], path=self.name))
        if self.is_csv and not self.rows:
            raise Invalid(lazy_gettext(io_messages[12], path=self.name))


def too_large_message(n_bytes: int | None = None) -> str:
    size = f"{n_bytes:,} bytes is" if n_bytes else "the upload is"
    return (f"{size} over the {MAX_UPLOAD_BYTES:,}-byte ({MAX_UPLOAD_BYTES // 2**20} MB) limit for one upload of "
            "testimony; send fewer or smaller files (remove what is not testimony, such as timestamps or "
            "notes), or theme bigger collections on the command line with `voxpop listen`, which takes files of "
            f"up to {MAX_FILE_BYTES // 2**20} MB each")


def create_job(db: Database, cid: str, uploads: list[Upload], *, model: str = "auto", max_statement_length: int = 280,
               organiser_id: int | None = None) -> str:
    """Store the files of one upload (checked as they stream past, in CHUNK_BYTES pieces) as a queued job;
    returns its id. Raises Invalid / TooLarge, and then nothing is kept."""
    if model not in MODELS:
        raise Invalid(i18n.lazy_gettext("unknown model %(model)s; choose one of %(models)s", model=repr(model), models=', '.join(MODELS)))
    uploads = [u for u in uploads if u.name]
    if not uploads or len(uploads) > MAX_FILES:
        raise Invalid(lazy_gettext("send 1 to %(n)s testimony files in the multipart field 'files'", n=MAX_FILES))
    names: list[str] = []
    for i, u in enumerate(uploads):
        name = safe_name(u.name, i)
        if Path(name).suffix.lower() not in TEXT_SUFFIXES | CSV_SUFFIXES:
            raise Invalid(lazy_gettext("%(path)s: unsupported file type %(suffix)s; send .csv, .txt or .md files "
                                       "(docs/listening.md)", path=name, suffix=repr(Path(name).suffix or "(none)")))
        while name in names:  # two files of the same name stay two files
            name = f"{len(names) + 1}-{name}"
        names.append(name)
    job_id = secrets.token_urlsafe(12)
    t = now_ms()
    with db.write() as s:
        s.add(ListenJob(id=job_id, conversation_id=cid, organiser_id=organiser_id, model=model,
                        max_statement_length=max_statement_length, n_files=len(uploads), state="uploading",
                        progress=0.0, failures=0, created_ms=t, updated_ms=t))
    total = 0
    try:
        for file_no, (u, name) in enumerate(zip(uploads, names, strict=True)):
            check, seq = _Checker(name), 0
            while data := u.stream.read(CHUNK_BYTES):
                total += len(data)
                if total > MAX_UPLOAD_BYTES:
                    raise TooLarge(too_large_message())
                check.feed(data)
                with db.write() as s:  # one short transaction per piece: votes on SQLite never wait long
                    s.add(ListenJobChunk(job_id=job_id, file_no=file_no, seq=seq, name=name, data=data))
                seq += 1
            check.finish()
        with db.write() as s:
            s.execute(update(ListenJob).where(ListenJob.id == job_id).values(
                state="queued", n_bytes=total, created_ms=now_ms(), updated_ms=now_ms()))
    except BaseException:
        with db.write() as s:
            s.execute(delete(ListenJob).where(ListenJob.id == job_id))
        raise
    return job_id


# --- reading jobs --------------------------------------------------------------------------------------


def get_job(s: Session, cid: str, job_id: str) -> ListenJob:
    job = s.get(ListenJob, job_id)
    if job is None or job.conversation_id != cid or job.state == "uploading":
        raise NotFound(i18n.lazy_gettext("no such listening job in this conversation"))
    return job


def latest_jobs(s: Session, cid: str, limit: int = 10) -> list[ListenJob]:
    return list(s.scalars(select(ListenJob).where(ListenJob.conversation_id == cid, ListenJob.state != "uploading")
                          .order_by(ListenJob.created_ms.desc(), ListenJob.id).limit(limit)))


def status_of(job: ListenJob) -> str:
    """queued | running | retrying (queued again after a failure) | done | failed."""
    if job.state == "queued" and job.failures:
        return "retrying"
    return job.state


def job_view(job: ListenJob) -> dict:
    """The job as the API shows it (docs/listening.md "Jobs"); a testimony error in the reader's language."""
    status = status_of(job)
    n = job.failures
    error = in_reader_language(job.error) if job.error else job.error
    times = f"{n} time{'s' if n != 1 else ''}"
    message = {
        "queued": "waiting for a worker to start it",
        "running": f"working: {job.stage or 'starting'}",
        "retrying": f"failed ({times}); it is tried again after a short wait",
        "done": f"done: {job.n_themes} theme{'s' if job.n_themes != 1 else ''} found",
        "failed": (f"failed: {error}" if error else "failed"),
    }[status]
    return {"id": job.id, "status": status, "stage": job.stage if status == "running" else None,
            "progress": round(1.0 if status == "done" else float(job.progress or 0.0), 4),
            "message": message, "error": error if n else None, "failures": n,
            "next_try_ms": job.retry_ms if status == "retrying" else None,
            "model": job.model, "files": job.n_files, "bytes": job.n_bytes, "themes": job.n_themes,
            "created_ms": job.created_ms, "started_ms": job.started_ms, "updated_ms": job.updated_ms,
            "finished_ms": job.finished_ms}


def job_view_in(s: Session, job: ListenJob) -> dict:
    """job_view plus can_retry: a failed job whose files are still kept can be tried again (retry_job)."""
    view = job_view(job)
    view["can_retry"] = view["status"] == "failed" and has_files(s, job.id)
    return view


# --- the worker's side ---------------------------------------------------------------------------------


def claim_job(db: Database, worker_id: str, *, lease_s: float, retries: int) -> tuple[str, str] | None:
    """(job id, claim token) of the oldest job that is due, now owned by this worker, or None.

    A job still "running" under a claim older than the lease lost its worker (killed, crashed): taking it
    over counts as a failure (INTERRUPTED), so a job that kills every worker that runs it is failed for good."""
    t = now_ms()
    lease_ms = int(lease_s * 1000)
    free = (or_(ListenJob.claim.is_(None), ListenJob.claim_ms < t - lease_ms),
            or_(ListenJob.retry_ms.is_(None), ListenJob.retry_ms <= t),
            ListenJob.state.in_(("queued", "running")))
    with db.read() as s:
        cands = s.execute(select(ListenJob.id, ListenJob.claim, ListenJob.claim_ms, ListenJob.failures)
                          .where(*free).order_by(ListenJob.created_ms).limit(5)).all()
    for job_id, old_claim, old_ms, failures in cands:
        mine = f"{worker_id}:{secrets.token_hex(4)}"
        same = ListenJob.claim.is_(None) if old_claim is None else (ListenJob.claim == old_claim) & (
            ListenJob.claim_ms == old_ms)
        values: dict = {"claim": mine, "claim_ms": now_ms(), "state": "running", "updated_ms": now_ms(),
                        "started_ms": func.coalesce(ListenJob.started_ms, now_ms())}
        if old_claim is not None:  # its worker died: one more failure
            failures += 1
            values.update(failures=failures, error=INTERRUPTED)
            if gives_up(failures, retries):
                values.update(state="failed", claim=None, claim_ms=None, finished_ms=now_ms(),
                              error=INTERRUPTED.replace("; it is tried again", "; it was tried "
                                                        f"{failures} times and is not tried again"))
        with db.write() as s:
            won = rowcount(s.execute(update(ListenJob).where(ListenJob.id == job_id, same, *free).values(**values)))
        if won and values["state"] == "running":
            if old_claim is not None:
                log.warning("listening job %s: its worker stopped; taken over (%d failures)", job_id, failures)
            return job_id, mine
        if won:
            log.warning("listening job %s: its worker stopped %d times; failed for good", job_id, failures)
    _drop_stale_uploads(db)
    return None


def _drop_stale_uploads(db: Database) -> None:
    with db.write() as s:
        s.execute(delete(ListenJob).where(ListenJob.state == "uploading",
                                          ListenJob.updated_ms < now_ms() - STALE_UPLOAD_MS))
        old_failed = select(ListenJob.id).where(ListenJob.state == "failed",
                                                ListenJob.updated_ms < now_ms() - FAILED_KEEP_MS)
        s.execute(delete(ListenJobChunk).where(ListenJobChunk.job_id.in_(old_failed)))


def has_files(s: Session, job_id: str) -> bool:
    """Whether the job's upload is still kept (a failed job keeps it for FAILED_KEEP_MS, see retry_job)."""
    return s.scalar(select(ListenJobChunk.id).where(ListenJobChunk.job_id == job_id).limit(1)) is not None


def retry_job(s: Session, cid: str, job_id: str) -> ListenJob:
    """Queue a failed job again on its kept upload, as if new (failures and error cleared). Raises NotFound,
    or Conflict when the job has not failed or its files are no longer kept (then the organiser uploads
    them again)."""
    job = get_job(s, cid, job_id)
    if job.state != "failed":
        raise Conflict(i18n.lazy_gettext("only a failed listening job can be tried again; this one is %(job)s", job=status_of(job)))
    if not has_files(s, job_id):
        raise Conflict(i18n.lazy_gettext("the files of this job are no longer kept (testimony that cannot be "
                                         "read is dropped at once, and any failed job's files after 7 days); "
                                         "upload them again"))
    t = now_ms()
    claimed = rowcount(s.execute(update(ListenJob).where(ListenJob.id == job_id, ListenJob.state == "failed").values(
        state="queued", failures=0, error=None, retry_ms=None, claim=None, claim_ms=None, stage=None,
        progress=0.0, started_ms=None, finished_ms=None, updated_ms=t)))
    if not claimed:  # someone else tried it again first
        raise Conflict(i18n.lazy_gettext("this listening job was just tried again by someone else"))
    s.refresh(job)
    log.info("listening job %s: queued again by an organiser", job_id)
    return job


def renew(db: Database, job_id: str, claim: str, **values) -> bool:
    """Keep the claim alive (and set `values`, e.g. stage and progress); False when it was taken over."""
    with db.write() as s:
        return bool(rowcount(s.execute(update(ListenJob).where(ListenJob.id == job_id, ListenJob.claim == claim)
                                       .values(claim_ms=now_ms(), updated_ms=now_ms(), **values))))


def release(db: Database, job_id: str, claim: str) -> None:
    """Give the job back untouched (e.g. the worker is shutting down): another worker starts it again."""
    with db.write() as s:
        s.execute(update(ListenJob).where(ListenJob.id == job_id, ListenJob.claim == claim)
                  .values(claim=None, claim_ms=None, state="queued", stage=None, progress=0.0))


def record_failure(db: Database, job_id: str, error: BaseException | str, *, claim: str, retries: int,
                   backoff_s: float, final: bool = False) -> bool:
    """A failed try: keep its message; try again after the backoff, or (final, or too many) fail for good.
    True when the job is now failed for good."""
    message = str(error) if isinstance(error, InputError) else error_message(error)
    with db.write() as s:
        job = s.get(ListenJob, job_id)
        if job is None or job.claim != claim:
            return False
        job.failures = n = (job.failures or 0) + 1
        give_up = final or gives_up(n, retries)
        job.error = message
        job.claim = job.claim_ms = None
        job.stage, job.updated_ms = None, now_ms()
        if give_up:  # kept FAILED_KEEP_MS to be tried again (retry_job), unless that cannot help; testimony
            # is people's words: not kept longer than needed
            job.state, job.finished_ms, job.retry_ms = "failed", now_ms(), None
            if isinstance(error, InputError) and not error.keep_files:
                s.execute(delete(ListenJobChunk).where(ListenJobChunk.job_id == job_id))
        else:
            job.state, job.progress, job.retry_ms = "queued", 0.0, retry_at_ms(n, backoff_s)
    log.warning("listening job %s failed (%d%s): %s", job_id, n, "; not tried again" if give_up else "", message)
    return give_up


def _write_files(db: Database, job_id: str, folder: Path) -> list[Path]:
    """The upload's files, piece by piece from the database into `folder`."""
    with db.read() as s:
        rows = s.execute(select(ListenJobChunk.id, ListenJobChunk.file_no, ListenJobChunk.name)
                         .where(ListenJobChunk.job_id == job_id)
                         .order_by(ListenJobChunk.file_no, ListenJobChunk.seq)).all()
    paths: dict[int, Path] = {}
    for chunk_id, file_no, name in rows:
        path = paths.setdefault(file_no, folder / name)
        with db.read() as s:
            data = s.scalar(select(ListenJobChunk.data).where(ListenJobChunk.id == chunk_id))
        with open(path, "ab") as fh:
            fh.write(data or b"")
    if not paths:
        raise RuntimeError("the job's files are missing from the database")
    return [paths[k] for k in sorted(paths)]


class _Progress:
    """listen()'s progress callback: the stage and the share of the whole job, written at most every
    PROGRESS_EVERY_S (and at each new stage); raises JobLost when another worker took the job over."""

    def __init__(self, db: Database, job_id: str, claim: str) -> None:
        self.db, self.job_id, self.claim = db, job_id, claim
        self.stage: str | None = None
        self.last = 0.0
        self.lost = threading.Event()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.lost.is_set():
            raise JobLost(self.job_id)
        lo, hi = STAGES.get(stage, (0.0, 1.0))
        share = lo + (hi - lo) * (min(done, total) / total if total else 0.0)
        if stage == self.stage and time.monotonic() - self.last < PROGRESS_EVERY_S:
            return
        self.stage, self.last = stage, time.monotonic()
        if not renew(self.db, self.job_id, self.claim, stage=stage[:16], progress=round(share, 4)):
            self.lost.set()
            raise JobLost(self.job_id)


def _heartbeat(db: Database, job_id: str, claim: str, every_s: float, stop: threading.Event,
               lost: threading.Event) -> None:
    while not stop.wait(every_s):
        try:
            if not renew(db, job_id, claim):
                lost.set()
                return
        except Exception:  # the database is away for a moment: the lease has room for a few misses
            log.exception("listening job %s: could not renew the claim", job_id)


Listen = Callable[..., dict]


def _listen(paths: list[Path], **kwargs) -> dict:
    from voxpop.listen.run import listen

    return listen(paths, **kwargs)


def run_job(db: Database, job_id: str, claim: str, *, lease_s: float = 60.0, threads: int | None = None,
            listen: Listen | None = None) -> dict:
    """Theme one claimed job and store the result; returns the themes section. Raises InputError for testimony
    that cannot be themed, JobLost when the claim was taken over, anything else for failures worth retrying."""
    from voxpop.listen.embed import EmbeddingError
    from voxpop.listen.io import TestimonyError

    with db.read() as s:
        job = s.get(ListenJob, job_id)
        if job is None or job.claim != claim:
            raise JobLost(job_id)
        model, max_len = job.model, job.max_statement_length
    progress = _Progress(db, job_id, claim)
    stop = threading.Event()
    beat = threading.Thread(target=_heartbeat, args=(db, job_id, claim, lease_s / 4, stop, progress.lost),
                            name=f"listen-job-{job_id}", daemon=True)
    beat.start()
    try:
        with tempfile.TemporaryDirectory(prefix="voxpop-listen-") as d:
            progress("read", 0, 1)
            paths = _write_files(db, job_id, Path(d))
            progress("read", 1, 1)
            try:
                section = (listen or _listen)(paths, model=model, progress=progress, max_statement_length=max_len,
                                              threads=threads)
            except TestimonyError as exc:
                raise InputError(str(exc).replace(d + "/", "")) from None
            except EmbeddingError as exc:
                raise RuntimeError(str(exc).replace(d + "/", "")) from None
    finally:
        stop.set()
        beat.join(5)
    if progress.lost.is_set():
        raise JobLost(job_id)
    for src in section.get("sources") or []:
        src["path"] = src["id"]  # never the server's temporary folder
    found = themes_problems(section)
    if found:  # never stored: every reader of the themes trusts their type
        raise BadThemes("the themes made from this testimony do not follow their type, so they were not kept (a "
                        "fault in voxpop, not in the testimony; please report it with this message): "
                        + "; ".join(found))
    finish(db, job_id, claim, section)
    return section


def finish(db: Database, job_id: str, claim: str, section: dict) -> bool:
    """Store the themes as the conversation's newest, mark the job done and drop its files (the themes keep
    the testimony); nothing happens when the claim was taken over. True when stored."""
    with db.write() as s:
        job = s.get(ListenJob, job_id)
        if job is None or job.claim != claim:
            return False
        art = Artifact(conversation_id=job.conversation_id, kind=THEMES_KIND, payload=section)
        s.add(art)
        s.flush()
        job.state, job.stage, job.progress, job.claim, job.claim_ms = "done", None, 1.0, None, None
        job.artifact_id, job.n_themes = art.id, len(section.get("themes") or [])
        job.finished_ms = job.updated_ms = now_ms()
        job.retry_ms = None
        s.execute(delete(ListenJobChunk).where(ListenJobChunk.job_id == job_id))
    log.info("listening job %s: %d themes", job_id, len(section.get("themes") or []))
    return True
