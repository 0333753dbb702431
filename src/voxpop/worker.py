"""Background analyses: claim a dirty conversation, analyse it, store the document, mark it clean.

Any number of workers (and `serve` processes running their own background loop) may share one
database. A worker claims a conversation with one conditional UPDATE (claim-by-update: only one
UPDATE can flip an unclaimed or expired claim, on SQLite and PostgreSQL alike), so two workers never
analyse the same conversation at once; a claim expires after LEASE_MS so a killed worker's claim is
taken over. Debounce: a conversation is analysed once no change arrived for DEBOUNCE_MS, or once it
has waited MAX_WAIT_MS during a continuous stream of votes. The worker (and serve's analysis child) keeps
each analysed conversation's votes in memory, so the next analysis reads only the votes cast since
(voxpop.services.snapshots; VOXPOP_ANALYSIS_SNAPSHOT_MB). An analysis that raises is recorded
(services.analyses.record_failure): its message is kept and shown, it is tried again after
VOXPOP_JOB_BACKOFF_S doubling each time, and after VOXPOP_JOB_RETRIES retries it is marked failed until the
conversation changes.

Listening jobs (services.listen_jobs: testimony uploaded through the web) go through the same worker, on a
loop of their own so a long listening job never holds up analyses: claimed by update like analyses, their
claim renewed while they run (a killed worker's job is taken over after VOXPOP_JOB_LEASE_S), failures
retried with the same VOXPOP_JOB_RETRIES / VOXPOP_JOB_BACKOFF_S rule (services.jobs).
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from sqlalchemy import and_, or_, select, update

from voxpop.services import listen_jobs
from voxpop.services.analyses import record_failure, run_analysis
from voxpop.settings import Settings, load_settings
from voxpop.store.db import Database, get_database, rowcount
from voxpop.store.models import Conversation, now_ms

log = logging.getLogger("voxpop.worker")
DEBOUNCE_MS = 250
MAX_WAIT_MS = 1500
LEASE_MS = 120_000
POLL_S = 0.1
CHILD_NICE = 5


def claim_next(db: Database, worker_id: str, *, debounce_ms: int = DEBOUNCE_MS, max_wait_ms: int = MAX_WAIT_MS,
               lease_ms: int = LEASE_MS) -> tuple[str, str] | None:
    """(conversation id, claim token) of a dirty conversation now owned by this worker, or None."""
    t = now_ms()
    free = and_(or_(Conversation.analysis_claim.is_(None), Conversation.analysis_claim_ms < t - lease_ms),
                or_(Conversation.analysis_retry_ms.is_(None), Conversation.analysis_retry_ms <= t))
    with db.read() as s:
        cands = s.scalars(select(Conversation.id).where(
            Conversation.analysis_dirty_since.is_not(None), free,
            or_(Conversation.last_change_ms.is_(None), Conversation.last_change_ms <= t - debounce_ms,
                Conversation.analysis_dirty_since <= t - max_wait_ms),
        ).order_by(Conversation.analysis_dirty_since).limit(5)).all()
    for cid in cands:
        claim = f"{worker_id}:{secrets.token_hex(4)}"
        with db.write() as s:
            won = rowcount(s.execute(update(Conversation).where(Conversation.id == cid, free,
                                                       Conversation.analysis_dirty_since.is_not(None))
                            .values(analysis_claim=claim, analysis_claim_ms=now_ms())))
        if won:
            return cid, claim
    return None


def release(db: Database, cid: str, claim: str) -> None:
    with db.write() as s:
        s.execute(update(Conversation).where(Conversation.id == cid, Conversation.analysis_claim == claim)
                  .values(analysis_claim=None, analysis_claim_ms=None))


def _child_init() -> None:
    """The analysis child of `serve` yields the CPU to the server: votes first, analyses in the gaps."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    try:
        os.nice(CHILD_NICE)
    except OSError:
        pass


def _child_run(url: str, cid: str, claim: str) -> None:
    """Runs in a child process (serve's background mode 'process')."""
    run_analysis(get_database(url, migrate=False), cid, claim=claim, incremental=True)


def _child_listen(url: str, job_id: str, claim: str, lease_s: float) -> None:
    """Runs a listening job in a child process (serve's background mode 'process')."""
    listen_jobs.run_job(get_database(url, migrate=False), job_id, claim, lease_s=lease_s)


class Worker:
    """A polling loop; mode 'inline' analyses in this thread, 'process' in one child process."""

    def __init__(self, db: Database, *, mode: str = "inline", poll_s: float = POLL_S,
                 debounce_ms: int = DEBOUNCE_MS, max_wait_ms: int = MAX_WAIT_MS,
                 settings: Settings | None = None) -> None:
        if mode not in ("inline", "process"):
            raise ValueError("mode must be 'inline' or 'process'")
        self.db, self.mode, self.poll_s = db, mode, poll_s
        self.settings = settings or load_settings()
        self.debounce_ms, self.max_wait_ms = debounce_ms, max_wait_ms
        self.id = f"{os.getpid()}-{secrets.token_hex(3)}"
        self.stop_event = threading.Event()
        self._pool: ProcessPoolExecutor | None = None
        self._thread: threading.Thread | None = None
        self.analysed = 0
        self._listen_pool: ProcessPoolExecutor | None = None
        self._listen_thread: threading.Thread | None = None
        self.listened = 0

    def step(self) -> bool:
        """Analyse at most one conversation; True if one was analysed."""
        got = claim_next(self.db, self.id, debounce_ms=self.debounce_ms, max_wait_ms=self.max_wait_ms)
        if got is None:
            return False
        cid, claim = got
        try:
            if self.mode == "process":
                if self._pool is None:
                    import multiprocessing

                    self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                                     initializer=_child_init)
                self._pool.submit(_child_run, self.db.url, cid, claim).result()
            else:
                run_analysis(self.db, cid, claim=claim, incremental=True)
            self.analysed += 1
        except Exception as e:
            log.exception("analysis of conversation %s failed", cid)
            if isinstance(e, BrokenProcessPool):  # the child died (e.g. killed), not the analysis's fault:
                self._pool = None  # a new child tries again at once
                release(self.db, cid, claim)
            else:
                try:  # counted, with its message; retried after a growing wait, given up after job_retries
                    record_failure(self.db, cid, e, claim=claim, retries=self.settings.job_retries,
                                   backoff_s=self.settings.job_backoff_s)
                except Exception:
                    log.exception("could not record the failure of %s; releasing it", cid)
                    release(self.db, cid, claim)
            self.stop_event.wait(min(1.0, self.poll_s * 10))
        return True

    def step_listen(self) -> bool:
        """Run at most one listening job; True if one was claimed (whatever became of it)."""
        st = self.settings
        got = listen_jobs.claim_job(self.db, self.id, lease_s=st.job_lease_s, retries=st.job_retries)
        if got is None:
            return False
        job_id, claim = got
        try:
            if self.mode == "process":
                if self._listen_pool is None:
                    import multiprocessing

                    self._listen_pool = ProcessPoolExecutor(
                        max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_child_init)
                self._listen_pool.submit(_child_listen, self.db.url, job_id, claim, st.job_lease_s).result()
            else:
                listen_jobs.run_job(self.db, job_id, claim, lease_s=st.job_lease_s)
            self.listened += 1
        except listen_jobs.JobLost:
            log.warning("listening job %s was taken over by another worker", job_id)
        except Exception as e:
            error: BaseException | str = e
            if isinstance(e, BrokenProcessPool):  # the child died (killed, out of memory): counted, tried again
                self._listen_pool = None
                error = listen_jobs.INTERRUPTED
            elif not isinstance(e, listen_jobs.InputError):
                log.exception("listening job %s failed", job_id)
            try:
                listen_jobs.record_failure(self.db, job_id, error, claim=claim, retries=st.job_retries,
                                           backoff_s=st.job_backoff_s, final=isinstance(e, listen_jobs.InputError))
            except Exception:
                log.exception("could not record the failure of listening job %s", job_id)
        return True

    def _listen_loop(self) -> None:
        while not self.stop_event.is_set():
            try:
                did = self.step_listen()
            except Exception:
                log.exception("listening step failed (database unreachable?); retrying")
                did = False
                self.stop_event.wait(1.0)
            if not did:
                self.stop_event.wait(max(self.poll_s, 0.5))

    def _start_listen_loop(self) -> None:
        if self._listen_thread is None or not self._listen_thread.is_alive():
            self._listen_thread = threading.Thread(target=self._listen_loop, name="voxpop-listen", daemon=True)
            self._listen_thread.start()

    retention_every_s = 300.0  # how often retention settings are enforced (voxpop.services.privacy)
    _last_retention = float("-inf")

    def enforce_retention(self) -> None:
        """Forget identities whose retention ran out (each conversation's forget_identities_days), and
        drop expired organiser sessions; at most every retention_every_s."""
        if time.monotonic() - self._last_retention < self.retention_every_s:
            return
        self._last_retention = time.monotonic()
        from voxpop.services.privacy import sweep_retention

        for cid, n in sweep_retention(self.db).items():
            log.info("retention: forgot %d identities in conversation %s", n, cid)

    def run(self, *, once: bool = False) -> None:
        if not once:
            self._start_listen_loop()
        while not self.stop_event.is_set():
            try:
                self.enforce_retention()
                did = self.step()
                if once:
                    did = self.step_listen() or did
            except Exception:
                log.exception("worker step failed (database unreachable?); retrying")
                did = False
                self.stop_event.wait(1.0)
            if once and not did:
                return
            if not did:
                self.stop_event.wait(self.poll_s)

    def start_thread(self) -> None:
        self._thread = threading.Thread(target=self.run, name="voxpop-analysis", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self.stop_event.set()
        if self._thread is not None:
            self._thread.join(timeout)
        if self._listen_thread is not None:
            self._listen_thread.join(min(timeout, 1.0))  # a job mid-way is taken over after its lease
        for pool in (self._pool, self._listen_pool):
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)


def run_worker(database_url: str | None = None, *, once: bool = False) -> None:
    """`voxpop worker`: analyse dirty conversations until interrupted."""
    settings = load_settings()
    db = get_database(database_url or settings.database_url)
    w = Worker(db, settings=settings)
    log.info("voxpop worker %s on %s", w.id, db.url.split("@")[-1])
    try:
        w.run(once=once)
    except KeyboardInterrupt:
        pass
