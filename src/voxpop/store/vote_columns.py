"""A conversation's current votes as four numpy columns, read in bulk without a Python object per vote.

PostgreSQL: `COPY (SELECT ...) TO STDOUT (FORMAT BINARY)`. Every column is cast to a fixed width and none is
NULL, so each row of the binary stream is 44 bytes and a chunk of whole rows is parsed by one
`np.frombuffer` with a big-endian structured dtype, then copied into preallocated columns (25 bytes per
vote). SQLite: the cursor's fetchmany into the same preallocated columns, one batch at a time.

Rows come in `event_id` order (when the vote was cast); the index ix_votes_conv_event
(conversation_id, event_id) serves that order without a sort.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

_COLUMNS = "participant_id, statement_id, vote, updated_ms"
_FETCH = 65_536
_BLOCK = 1 << 22  # bytes of COPY stream parsed at once
# one row of the binary COPY stream: field count, then (length, value) per column, network byte order
_ROW = np.dtype([("n", ">i2"), ("l0", ">i4"), ("participant", ">i8"), ("l1", ">i4"), ("statement", ">i8"),
                 ("l2", ">i4"), ("vote", ">i2"), ("l3", ">i4"), ("ts", ">i8")])
_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"


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

    def done(self) -> VoteColumns:
        c = {k: v[:self.n].copy() if len(v) > self.n else v for k, v in self.cols.items()}
        return VoteColumns(c["participant"], c["statement"], c["vote"], c["ts"])


def read_votes(s: Session, conversation_pk: str) -> VoteColumns:
    """The current votes of one conversation (its `conversations.id`), oldest cast first."""
    capacity = s.execute(text("SELECT count(*) FROM votes WHERE conversation_id = :c"), {"c": conversation_pk}).scalar_one()
    out = _Builder(int(capacity))
    if s.get_bind().dialect.name == "postgresql":
        _copy_binary(s, conversation_pk, out)
    else:
        _fetch_batches(s, conversation_pk, out)
    return out.done()


def _fetch_batches(s: Session, conversation_pk: str, out: _Builder) -> None:
    cur = s.connection().connection.cursor()
    try:
        cur.execute(f"SELECT {_COLUMNS} FROM votes WHERE conversation_id = ? ORDER BY event_id", (conversation_pk,))
        while batch := cur.fetchmany(_FETCH):
            a = np.array(batch, dtype=np.int64)
            out.add(a[:, 0], a[:, 1], a[:, 2], a[:, 3])
    finally:
        cur.close()


def _copy_binary(s: Session, conversation_pk: str, out: _Builder) -> None:
    query = ("COPY (SELECT participant_id::int8, statement_id::int8, vote::int2, updated_ms::int8 FROM votes "
             "WHERE conversation_id = {c} ORDER BY event_id) TO STDOUT (FORMAT BINARY)")
    cur = s.connection().connection.cursor()
    try:
        from psycopg import sql

        with cur.copy(sql.SQL(query).format(c=sql.Literal(conversation_pk))) as copy:
            # libpq hands the stream over one row at a time: gather rows into blocks, parse a block at once
            pending = bytearray()
            for row in copy:
                pending += row
                if len(pending) >= _BLOCK:
                    _parse_rows(pending, out)
        _parse_rows(pending, out)
        if bytes(pending) != b"\xff\xff":
            raise RuntimeError(f"the binary COPY of votes ended with {len(pending)} unparsed bytes")
    finally:
        cur.close()


def _parse_rows(pending: bytearray, out: _Builder) -> None:
    """Move every whole row at the start of `pending` into `out` (the header is skipped the first time)."""
    if pending[:1] == b"P":  # the header, which comes with the first row; a row starts with its field count, 4
        if pending[:11] != _SIGNATURE or len(pending) < 19:
            raise RuntimeError("PostgreSQL sent a COPY stream that is not in binary format")
        del pending[:19 + int.from_bytes(pending[15:19], "big")]
    whole = len(pending) // _ROW.itemsize  # the 2-byte trailer is shorter than a row: never parsed as one
    if not whole:
        return
    rows = np.frombuffer(bytes(pending[:whole * _ROW.itemsize]), dtype=_ROW)
    if (rows["n"] != 4).any():
        raise RuntimeError("unexpected row in the binary COPY of votes (its field count is not 4)")
    out.add(rows["participant"], rows["statement"], rows["vote"], rows["ts"])
    del pending[:whole * _ROW.itemsize]
