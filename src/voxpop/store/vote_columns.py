"""A conversation's current votes as four numpy columns, read in bulk without a Python object per vote.

PostgreSQL, two ways, both with the server packing the votes itself into large bytea blocks of fixed
records (string_agg of int8send/int2send) read by one `np.frombuffer` each (a binary `COPY ... TO STDOUT`
was tried first: libpq hands COPY data over one row at a time, a Python call per vote):
- a conversation that is most of the votes table (the national case) is read in slices of the table's
  pages (TID range scans, PostgreSQL 14+): no index, no server-side sort; each record carries its event id
  and the columns are put in event order on this side (one stable argsort, skipped when they already are).
  (bench/national.py prints the worker's load at national size; docs/deploy.md has the figures);
- otherwise (a conversation among many) through the index (conversation_id, event_id), one block per
  65,536 event ids, sorted by the server, sent through a server-side cursor.
SQLite: the cursor's fetchmany into the same preallocated columns, one batch at a time.

Rows come in `event_id` order (when the vote was cast). The index ix_votes_conv_event
(conversation_id, event_id) finds one conversation's votes among many and serves SQLite's ORDER BY.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

_COLUMNS = "participant_id, statement_id, vote, updated_ms"
_FETCH = 65_536  # SQLite: rows per fetchmany
_BLOCK = 65_536  # PostgreSQL: event ids per packed block (at most 1.7 MB of records)
# one packed vote, network byte order (int8send / int2send)
_RECORD = np.dtype([("participant", ">i8"), ("statement", ">i8"), ("vote", ">i2"), ("ts", ">i8")])
_PACK = "int8send(participant_id::int8) || int8send(statement_id::int8) || int2send(vote::int2) || int8send(updated_ms::int8)"
_WITH_EVENT = np.dtype(_RECORD.descr + [("event", ">i8")])
_SLICE_PAGES = 2048  # table pages (16 MiB) per slice: a block of about 1-2 MB of records
_SLICE_SHARE = 0.3  # read by slices of the table when the conversation holds at least this share of its rows


@dataclass
class VoteColumns:
    """participant / statement are database keys (participants.id, statements.id); ts is updated_ms."""

    participant: np.ndarray  # int64
    statement: np.ndarray  # int64
    vote: np.ndarray  # int8
    ts: np.ndarray  # int64

    def __len__(self) -> int:
        return len(self.vote)


class _Builder:
    """Preallocated columns, grown (doubled) only if more rows arrive than were counted."""

    def __init__(self, capacity: int) -> None:
        self.n = 0
        self.cols = {k: np.empty(max(capacity, 16), dtype=t) for k, t in
                     (("participant", np.int64), ("statement", np.int64), ("vote", np.int8), ("ts", np.int64))}

    def add(self, participant: np.ndarray, statement: np.ndarray, vote: np.ndarray, ts: np.ndarray) -> None:
        k = len(vote)
        if self.n + k > len(self.cols["vote"]):
            size = max(2 * len(self.cols["vote"]), self.n + k)
            for name, col in self.cols.items():
                grown = np.empty(size, dtype=col.dtype)
                grown[:self.n] = col[:self.n]
                self.cols[name] = grown
        end = self.n + k
        self.cols["participant"][self.n:end] = participant
        self.cols["statement"][self.n:end] = statement
        self.cols["vote"][self.n:end] = vote
        self.cols["ts"][self.n:end] = ts
        self.n = end

    def done(self, compact: bool = True) -> VoteColumns:
        """The columns; compact=False leaves them views of the (maybe larger) preallocated ones."""
        c = {k: v[:self.n].copy() if compact and len(v) > self.n else v[:self.n] for k, v in self.cols.items()}
        return VoteColumns(c["participant"], c["statement"], c["vote"], c["ts"])


def read_votes(s: Session, conversation_pk: str) -> VoteColumns:
    """The current votes of one conversation (its `conversations.id`), oldest cast first."""
    pg = s.get_bind().dialect.name == "postgresql"
    if pg:
        rows, share = _estimate(s, conversation_pk)
        if share >= _SLICE_SHARE:
            return _table_slices(s, conversation_pk, int(rows * 1.05) + 1024)
    capacity = s.execute(text("SELECT count(*) FROM votes WHERE conversation_id = :c"), {"c": conversation_pk}).scalar_one()
    out = _Builder(int(capacity))
    if pg:
        _packed_blocks(s, conversation_pk, out)
    else:
        _fetch_batches(s, conversation_pk, out)
    return out.done()


def _estimate(s: Session, conversation_pk: str) -> tuple[float, float]:
    """(the planner's estimate of the conversation's votes, their share of the table's rows); a share of 0 when
    the table was never analysed or the server is older than PostgreSQL 14 (no TID range scans)."""
    if int(s.execute(text("SHOW server_version_num")).scalar_one()) < 140000:
        return 0.0, 0.0
    table = float(s.execute(text("SELECT reltuples FROM pg_class WHERE oid = 'votes'::regclass")).scalar_one())
    if table <= 0:
        return 0.0, 0.0
    plan = s.execute(text("EXPLAIN (FORMAT JSON) SELECT 1 FROM votes WHERE conversation_id = :c"),
                     {"c": conversation_pk}).scalar_one()
    rows = float((plan[0] if isinstance(plan, list) else plan)["Plan"]["Plan Rows"])
    return rows, rows / table


def _table_slices(s: Session, conversation_pk: str, capacity: int) -> VoteColumns:
    """Every page of the votes table, a slice of _SLICE_PAGES at a time, in this transaction's snapshot (the
    last slice is open-ended: pages added since are read too); then the columns put in event order."""
    pages = int(s.execute(text("SELECT pg_relation_size('votes') / current_setting('block_size')::int")).scalar_one())
    s.execute(text("SET LOCAL jit = off"))  # hundreds of small queries: compiling each would cost more than it saves
    cur: Any = s.connection().connection.cursor()
    out = _Builder(capacity)
    events: list[np.ndarray] = []
    try:
        for start in range(0, pages + 1, _SLICE_PAGES):
            last = start + _SLICE_PAGES > pages
            cur.execute(f"SELECT string_agg({_PACK} || int8send(event_id), ''::bytea) FROM votes "
                        "WHERE ctid >= %s::tid" + ("" if last else " AND ctid < %s::tid") + " AND conversation_id = %s",
                        (f"({start},0)",) + (() if last else (f"({start + _SLICE_PAGES},0)",)) + (conversation_pk,),
                        binary=True)
            block = cur.fetchone()[0]
            if not block:
                continue
            if len(block) % _WITH_EVENT.itemsize:
                raise RuntimeError("PostgreSQL sent a slice of votes that is not whole records")
            rows = np.frombuffer(block, dtype=_WITH_EVENT)
            out.add(rows["participant"], rows["statement"], rows["vote"], rows["ts"])
            events.append(rows["event"].astype(np.int64))
    finally:
        cur.close()
    event = np.concatenate(events) if events else np.zeros(0, dtype=np.int64)
    del events
    if len(event) < 2 or bool(np.all(event[1:] > event[:-1])):
        return out.done()
    order = np.argsort(event, kind="stable")
    del event
    cols = out.done(compact=False)
    del out
    for name in ("participant", "statement", "vote", "ts"):  # one column at a time: one extra column in memory
        setattr(cols, name, getattr(cols, name)[order])
    return cols


def _fetch_batches(s: Session, conversation_pk: str, out: _Builder) -> None:
    cur = s.connection().connection.cursor()
    try:
        cur.execute(f"SELECT {_COLUMNS} FROM votes WHERE conversation_id = ? ORDER BY event_id", (conversation_pk,))
        while batch := cur.fetchmany(_FETCH):
            a = np.array(batch, dtype=np.int64)
            out.add(a[:, 0], a[:, 1], a[:, 2], a[:, 3])
    finally:
        cur.close()


def _packed_blocks(s: Session, conversation_pk: str, out: _Builder) -> None:
    """PostgreSQL packs the votes itself: one bytea of fixed 26-byte records per block of event ids, sent in
    binary through a server-side cursor (a few blocks in memory at a time) and read by np.frombuffer."""
    cur: Any = s.connection().connection.cursor(name="voxpop_vote_columns")  # psycopg server-side cursor
    try:
        cur.itersize = 4
        cur.execute(f"SELECT string_agg({_PACK}, ''::bytea ORDER BY event_id) "
                    f"FROM votes WHERE conversation_id = %s GROUP BY event_id / {_BLOCK} ORDER BY event_id / {_BLOCK}",
                    (conversation_pk,), binary=True)
        for (block,) in cur:
            if len(block) % _RECORD.itemsize:
                raise RuntimeError("PostgreSQL sent a block of votes that is not whole records")
            rows = np.frombuffer(block, dtype=_RECORD)
            out.add(rows["participant"], rows["statement"], rows["vote"], rows["ts"])
    finally:
        cur.close()


@dataclass
class VoteDelta:
    """What changed in a conversation's votes since an event id: the current votes cast after it (database
    keys, in event order, with their event ids and times) and the undos after it (cells whose vote was
    withdrawn; a later vote on the same cell is among the current votes)."""

    votes: VoteColumns
    event: np.ndarray  # int64, the event id of each of `votes`
    undo_participant: np.ndarray  # int64
    undo_statement: np.ndarray  # int64
    undo_event: np.ndarray  # int64
    undo_ts: np.ndarray  # int64

    @property
    def last_event(self) -> int:
        """The largest event id read (0 when nothing was)."""
        return int(max(self.event.max(initial=0), self.undo_event.max(initial=0)))

    def settled_event(self, cutoff_ms: int) -> int:
        """The largest event id read among events made at or before cutoff_ms (0 when none)."""
        votes = self.event[self.votes.ts <= cutoff_ms]
        undos = self.undo_event[self.undo_ts <= cutoff_ms]
        return int(max(votes.max(initial=0), undos.max(initial=0)))


def read_votes_since(s: Session, conversation_pk: str, after_event: int) -> VoteDelta:
    """The current votes with event_id > after_event and the undos with id > after_event, oldest first.
    Served by the indexes (conversation_id, event_id) of votes and (conversation_id, id) of vote_events, so
    the cost follows what changed, not the conversation's size. Read both in one transaction snapshot
    (REPEATABLE READ on PostgreSQL: `repeatable_read`) for a consistent pair."""
    rows = s.execute(text("SELECT participant_id, statement_id, vote, updated_ms, event_id FROM votes "
                          "WHERE conversation_id = :c AND event_id > :e ORDER BY event_id"),
                     {"c": conversation_pk, "e": after_event}).all()
    a = np.array(rows, dtype=np.int64).reshape(-1, 5)
    undos = s.execute(text("SELECT participant_id, statement_id, id, created_ms FROM vote_events "
                           "WHERE conversation_id = :c AND id > :e AND vote IS NULL ORDER BY id"),
                      {"c": conversation_pk, "e": after_event}).all()
    u = np.array(undos, dtype=np.int64).reshape(-1, 4)
    return VoteDelta(VoteColumns(a[:, 0].copy(), a[:, 1].copy(), a[:, 2].astype(np.int8), a[:, 3].copy()),
                     a[:, 4].copy(), u[:, 0].copy(), u[:, 1].copy(), u[:, 2].copy(), u[:, 3].copy())


def settled_event(s: Session, conversation_pk: str, cutoff_ms: int) -> int:
    """The largest event id of the conversation's current votes cast at or before cutoff_ms (0 if none): every
    vote transaction that took a smaller event id is long committed, so a later read of the votes after it
    misses nothing (a transaction still open can hold an event id below the largest one already visible).
    A backward scan of (conversation_id, event_id) that stops at the first vote old enough."""
    row = s.execute(text("SELECT event_id FROM votes WHERE conversation_id = :c AND updated_ms <= :t "
                         "ORDER BY event_id DESC LIMIT 1"), {"c": conversation_pk, "t": cutoff_ms}).first()
    return int(row[0]) if row else 0


def repeatable_read(s: Session) -> None:
    """Make the session's transaction one snapshot (PostgreSQL REPEATABLE READ; SQLite read transactions
    already are). Call before the transaction's first query."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
