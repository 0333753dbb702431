"""The vote writer: one thread per process that commits votes in small batches (group commit).

Requests queue up while a transaction commits; the next transaction takes all of them (up to
MAX_BATCH). Each caller's future resolves only after the COMMIT that holds its vote returned, so an
acknowledged vote is durable (see voxpop.store.db for what durable means on SQLite). If a batch fails
as a whole (a lost race on a unique key, a deadlock reported by PostgreSQL, a busy database), every
vote of it is retried alone, so one bad vote never sinks the others.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from concurrent.futures import Future
from dataclasses import replace
from typing import Any

import psycopg
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from voxpop.errors import Unavailable
from voxpop.services import votes_pg
from voxpop.services.votes import VoteRequest, apply_votes
from voxpop.settings import load_settings
from voxpop.store.db import Database

log = logging.getLogger("voxpop.writer")
MAX_BATCH = 256
RETRY = (IntegrityError, OperationalError, DBAPIError, psycopg.Error)  # a batch failing so is retried one by one


class _Async:
    __slots__ = ("loop", "fut")

    def __init__(self, loop: asyncio.AbstractEventLoop, fut: asyncio.Future) -> None:
        self.loop, self.fut = loop, fut


def _settle(pairs: list[tuple[asyncio.Future, object]]) -> None:
    for fut, res in pairs:
        if fut.done():
            continue
        if isinstance(res, BaseException):
            fut.set_exception(res)
        else:
            fut.set_result(res)


def _deliver(outcomes: list[tuple[Any, object]]) -> None:
    """Resolve thread futures at once and event-loop futures with one call_soon_threadsafe per loop."""
    by_loop: dict[asyncio.AbstractEventLoop, list] = {}
    for target, res in outcomes:
        if isinstance(target, _Async):
            by_loop.setdefault(target.loop, []).append((target.fut, res))
        elif isinstance(res, BaseException):
            target.set_exception(res)
        else:
            target.set_result(res)
    for loop, pairs in by_loop.items():
        try:
            loop.call_soon_threadsafe(_settle, pairs)
        except RuntimeError:  # the loop is closed: nobody is waiting any more
            pass


class VoteWriter:
    """threads: 1 on SQLite (one writer at a time anyway); 2 on PostgreSQL, where a batch is one round trip
    (one thread fills the next batch while the other waits; more threads make smaller batches, which cost
    PostgreSQL more per vote: bench/votes_national.py) and the row-lock order of apply_votes rules out
    deadlocks."""

    def __init__(self, db: Database, *, max_batch: int = MAX_BATCH, threads: int | None = None) -> None:
        self.db = db
        self.max_batch = max_batch
        self.n_threads = threads or load_settings().writer_threads or (1 if db.is_sqlite else 2)
        self._q: queue.SimpleQueue[tuple[VoteRequest, Future] | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._stopped = False
        self._local = threading.local()  # PostgreSQL: each writer thread's own autocommit connection

    def start(self) -> None:
        with self._lock:
            if not self._threads or not all(t.is_alive() for t in self._threads):
                self._stopped = False
                self._threads = [t for t in self._threads if t.is_alive()]
                while len(self._threads) < self.n_threads:
                    t = threading.Thread(target=self._run, name="voxpop-vote-writer", daemon=True)
                    t.start()
                    self._threads.append(t)

    def stop(self, timeout: float = 10.0) -> None:
        with self._lock:
            threads = list(self._threads)
            self._stopped = True
        for _ in threads:
            self._q.put(None)
        for t in threads:
            t.join(timeout)
        with self._lock:
            self._threads = []

    def submit(self, req: VoteRequest) -> Future:
        """A Future resolving to the vote's result dict (or raising its ServiceError) after commit."""
        fut: Future = Future()
        self._put(req, fut)
        return fut

    def submit_async(self, req: VoteRequest) -> asyncio.Future:
        """The same for the running event loop; results reach the loop once per batch (cheap wakeups)."""
        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        self._put(req, _Async(loop, fut))
        return fut

    def _put(self, req: VoteRequest, target) -> None:
        if self._stopped:
            _deliver([(target, Unavailable("the server is shutting down; send the vote again"))])
            return
        if len(self._threads) < self.n_threads:
            self.start()
        self._q.put((req, target))

    def _run(self) -> None:
        try:
            self._loop()
        finally:
            conn = getattr(self._local, "conn", None)
            if conn is not None:
                self._local.conn = None
                conn.close()

    def _loop(self) -> None:
        while True:
            item = self._q.get()
            if item is None:
                return
            batch = [item]
            while len(batch) < self.max_batch:
                try:
                    nxt = self._q.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    _deliver(self._write(batch))
                    return
                batch.append(nxt)
            _deliver(self._write(batch))

    def _write(self, batch: list[tuple[VoteRequest, Any]]) -> list[tuple[Any, object]]:
        """(target, result dict or exception) for every item of the batch."""
        try:
            results = self._commit([r for r, _ in batch])
        except RETRY as e:
            if len(batch) > 1:
                log.info("vote batch of %d failed (%s); retrying one by one", len(batch), type(e).__name__)
            return [self._write_one(one) for one in batch]
        except Exception as e:  # unexpected: never leave a caller waiting
            if _integrity(e):  # the raw cursor's own IntegrityError (e.g. a participant erased meanwhile)
                return [self._write_one(one) for one in batch]
            log.exception("vote batch failed")
            err = Unavailable(f"the vote could not be stored ({type(e).__name__}); send it again")
            return [(target, err) for _, target in batch]
        return [(target, res) for (_, target), res in zip(batch, results, strict=True)]

    def _write_one(self, item: tuple[VoteRequest, Any], attempts: int = 5) -> tuple[Any, object]:
        req, target = item
        for attempt in range(attempts):
            try:
                return target, self._commit([req])[0]
            except Exception as e:
                if not isinstance(e, RETRY) and not _integrity(e):
                    log.exception("vote failed")
                    return target, Unavailable(f"the vote could not be stored ({type(e).__name__}); send it again")
                if _integrity(e) and req.participant_id is not None and req.who is not None:
                    # the cached participant is gone (erased): find or create them again from `who`
                    req = replace(req, participant_id=None)
                if attempt == attempts - 1:
                    log.warning("vote failed after %d attempts: %s", attempts, e)
                    return target, Unavailable("the database is busy; send the vote again (same client_key)")
                time.sleep(0.01 * (attempt + 1))
        raise AssertionError("unreachable")

    def _commit(self, reqs: list[VoteRequest]) -> list:
        if not self.db.is_sqlite:  # PostgreSQL: a batch of distinct votes is one statement (one round trip)
            reqs = list(reqs)
            conn = self._connection()
            try:
                done = votes_pg.apply_autocommit(conn, reqs)
            except psycopg.Error:
                if conn.closed or conn.broken:
                    self._local.conn = None
                raise
            if done is not None:
                return done
        with self.db.write() as s:
            return apply_votes(s, reqs)

    def _connection(self) -> psycopg.Connection:
        """This thread's autocommit connection to PostgreSQL, (re)opened with the engine's own settings."""
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed or conn.broken:
            dialect = self.db.engine.dialect
            cargs, cparams = dialect.create_connect_args(self.db.engine.url)
            conn = dialect.connect(*cargs, **cparams)
            if not isinstance(conn, psycopg.Connection):
                raise RuntimeError(f"the vote writer needs psycopg 3 for PostgreSQL, not {type(conn).__name__}")
            conn.autocommit = True
            conn.prepare_threshold = 0  # the batch statement is prepared at once ...
            # ... and planned once: PostgreSQL would otherwise re-plan it for each batch (half its cost)
            conn.execute("SET plan_cache_mode = force_generic_plan")
            self._local.conn = conn
        return conn


def _integrity(e: BaseException) -> bool:
    """An integrity error, from SQLAlchemy or straight from the DBAPI (sqlite3, psycopg)."""
    return isinstance(e, IntegrityError) or any(c.__name__ == "IntegrityError" for c in type(e).__mro__)
