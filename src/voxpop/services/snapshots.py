"""Kept analyses: the worker's snapshot of a conversation's vote matrix, refreshed by the votes cast since.

A worker that analysed a conversation keeps, in its own memory, the vote matrix (one entry per participant
and statement that has a current vote: 9 bytes each), which database keys its rows and columns are, the
engine's state (sticky in-conversation membership, clusters with ids, the k smoother:
voxpop.engine.warm.EngineState) and the event id up to which it has read. The next analysis of that
conversation reads only what changed after that event id (voxpop.store.vote_columns.read_votes_since: the
current votes cast since and the undos since), applies it to the matrix (the latest vote wins; new
participants and statements grow it; a participant whose every vote was undone leaves it) and updates the
engine from the previous state, as Pol.is updates a live conversation. The matrix is then exactly the one a
full load of the same votes gives (rows are participants in key order, columns statements in number order),
so every count and statistic is the same; the groups are the warm start's (Pol.is's semantics).

Nothing here is shared between processes: web processes keep nothing, and a worker that has no snapshot
(first analysis, restarted, evicted) loads everything. A snapshot is dropped and everything is loaded again
when votes were removed other than by undo (a participant erased: conversations.votes_removed), or a
statement it knows is gone. Moderation needs nothing: which statements count is read at every refresh.
Memory: at most VOXPOP_ANALYSIS_SNAPSHOT_MB for all kept snapshots of the process (least recently used
dropped first; 0 keeps none).

Event ids are taken when a vote's transaction starts writing, so a transaction can commit after another
that took a larger id. A refresh therefore reads again from the largest event id that is at least SETTLE_MS
old (re-applying a current vote is harmless), so such a late vote is not missed.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from voxpop.conversation import Conversation as ConversationData
from voxpop.engine.matrix import VoteMatrix
from voxpop.engine.warm import Clustering, EngineState
from voxpop.store.db import Database
from voxpop.store.load import conversation_of, load_conversation_keys, participant_places, statement_rows
from voxpop.store.models import Conversation, now_ms
from voxpop.store.queries import get_conversation
from voxpop.store.vote_columns import VoteDelta, read_votes_since, repeatable_read, settled_event

SETTLE_MS = 60_000  # a vote transaction still open after this long is not expected


@dataclass
class Snapshot:
    """One conversation's current votes as a matrix, with what identifies its rows and columns."""

    conversation_pk: str
    votes_removed: int  # conversations.votes_removed when read: a change means votes vanished
    participants: np.ndarray  # int64, participants.id of each row, ascending
    statements: np.ndarray  # int64, statements.id of each column, in statement-number order
    rows: np.ndarray  # int32 } the cells, sorted by (row, column)
    cols: np.ndarray  # int32 }
    vals: np.ndarray  # int8  }
    after_event: int  # every vote event up to this id is in the matrix
    state: EngineState | None = None  # the engine state of the analysis of this matrix
    refreshes: int = 0  # refreshes since the full load

    def matrix(self) -> VoteMatrix:
        return VoteMatrix(rows=self.rows, cols=self.cols, vals=self.vals, n_rows=len(self.participants),
                          n_cols=len(self.statements))

    @property
    def nbytes(self) -> int:
        arrays = [self.participants, self.statements, self.rows, self.cols, self.vals]
        if self.state is not None:
            st = self.state
            arrays += [st.in_conv, st.base.ids, st.base.members, st.base.member_of]
            arrays += [a for c in st.groups.values() for a in (c.ids, c.members, c.member_of)]
        return int(sum(a.nbytes for a in arrays))


class SnapshotCache:
    """Snapshots by (database, conversation), least recently used dropped first beyond `budget_bytes`."""

    def __init__(self, budget_bytes: int) -> None:
        self.budget = budget_bytes
        self._items: OrderedDict[tuple[str, str], Snapshot] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: tuple[str, str]) -> Snapshot | None:
        """Remove and return the snapshot (a refresh owns it until `put` back)."""
        with self._lock:
            return self._items.pop(key, None)

    def put(self, key: tuple[str, str], snap: Snapshot) -> None:
        with self._lock:
            self._items.pop(key, None)
            if snap.nbytes > self.budget:
                return
            self._items[key] = snap
            while sum(s.nbytes for s in self._items.values()) > self.budget:
                self._items.popitem(last=False)

    def keys(self) -> list[tuple[str, str]]:
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_cache: SnapshotCache | None = None


def cache() -> SnapshotCache:
    """This process's snapshots (budget: VOXPOP_ANALYSIS_SNAPSHOT_MB)."""
    global _cache
    if _cache is None:
        from voxpop.settings import load_settings

        _cache = SnapshotCache(load_settings().analysis_snapshot_mb * 2**20)
    return _cache


@dataclass
class Prepared:
    """What an analysis of a kept (or freshly loaded) conversation needs, and how to keep its result."""

    conv: ConversationData
    matrix: VoteMatrix
    version: int  # conversations.vote_version the votes reflect
    snapshot: Snapshot
    full: bool  # everything was loaded (no usable snapshot)
    delta_votes: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def analyze_kwargs(self) -> dict[str, Any]:
        """matrix / history for voxpop.analysis.run.analysis_of; keep the result's state with `kept`."""
        return {"matrix": self.matrix, "history": None if self.full else self.snapshot.state}

    def kept(self, state: EngineState | None) -> Snapshot | None:
        """The snapshot to keep after an analysis that left `state` (None: nothing worth keeping)."""
        return None if state is None else replace(self.snapshot, state=state)


def warm_state(done: Any) -> EngineState | None:
    """What the next analysis starts from, from an analysis (voxpop.analysis.run.Analysis): the engine
    state, with the PCA axes and the bridging fit as warm starts of those fits."""
    state = done.state
    if state is None:
        return None
    groups, fit = done.results.get("groups"), done.results.get("bridging")
    comps = getattr(groups, "pca_comps", None)
    bridging = None if fit is None else (fit.statement_intercept, fit.statement_factor, fit.mu)
    return replace(state, pca_comps=comps, bridging=bridging)


def prepare(db: Database, conversation_id: str, snap: Snapshot | None) -> Prepared:
    """Read what changed since `snap` (everything when it is None or stale) in one transaction snapshot."""
    cutoff = now_ms() - SETTLE_MS
    with db.read() as s:
        repeatable_read(s)
        row = s.execute(select(Conversation.vote_version, Conversation.votes_removed)
                        .where(Conversation.id == conversation_id)).one()
        version, removed = int(row[0]), int(row[1])
        got = _refresh(s, conversation_id, snap, cutoff) if snap is not None and snap.votes_removed == removed \
            else None
        if got is None:
            conv, keys, stmt_keys = load_conversation_keys(s, conversation_id)
            after = settled_event(s, get_conversation(s, conversation_id).id, cutoff)
            from voxpop.analysis.run import vote_matrix

            m = vote_matrix(conv)
            fresh = Snapshot(get_conversation(s, conversation_id).id, removed, keys, stmt_keys, m.rows, m.cols,
                             m.vals, after)
            return Prepared(conv, m, version, fresh, full=True, delta_votes=conv.n_votes)
        conv, m, fresh, n = got
        return Prepared(conv, m, version, fresh, full=False, delta_votes=n)


def _refresh(s: Session, conversation_id: str, snap: Snapshot,
             cutoff: int) -> tuple[ConversationData, VoteMatrix, Snapshot, int] | None:
    """The snapshot brought up to date, or None when it cannot be (then everything is loaded)."""
    conv = get_conversation(s, conversation_id)
    if conv.id != snap.conversation_pk:
        return None
    stmts = statement_rows(s, conv)
    stmt_keys = np.array([r[0] for r in stmts], dtype=np.int64)
    if len(stmt_keys) < len(snap.statements) or not np.array_equal(stmt_keys[:len(snap.statements)], snap.statements):
        return None  # a statement it knows is gone (its author was erased) or renumbered
    delta = read_votes_since(s, conv.id, snap.after_event)
    applied = apply_delta(snap, delta, stmt_keys)
    if applied is None:
        return None
    fresh = replace(applied, after_event=max(snap.after_event, delta.settled_event(cutoff)),
                    refreshes=snap.refreshes + 1)
    places, strata = participant_places(s, conv.id)
    m = fresh.matrix()
    data = conversation_of(conv, stmts, participant_ids=[str(k) for k in fresh.participants.tolist()],
                           participant=m.rows, statement=m.cols, vote=m.vals, timestamp=None, places=places,
                           strata=strata)
    return data, m, fresh, len(delta.votes) + len(delta.undo_event)


def apply_delta(snap: Snapshot, delta: VoteDelta, statements: np.ndarray) -> Snapshot | None:
    """The snapshot with the delta applied (statements: statements.id of every column now, the snapshot's
    first); None if the delta names a statement that is not among them."""
    n_cols = len(statements)
    order = np.argsort(statements, kind="stable")
    sorted_stmts = statements[order]

    def col_of(keys: np.ndarray) -> np.ndarray | None:
        pos = np.minimum(np.searchsorted(sorted_stmts, keys), max(n_cols - 1, 0))
        if n_cols == 0 or not np.array_equal(sorted_stmts[pos], keys):
            return None if len(keys) else np.zeros(0, dtype=np.int64)
        return order[pos].astype(np.int64)

    dp, dv = delta.votes.participant, delta.votes.vote
    dc = col_of(delta.votes.statement)
    uc = col_of(delta.undo_statement)
    if dc is None or uc is None:
        return None
    keys = np.union1d(snap.participants, dp)
    rows = snap.rows
    row_map: np.ndarray | None = None
    if len(keys) != len(snap.participants):  # new participants: rows stay in key order
        row_map = np.searchsorted(keys, snap.participants)
        if not np.array_equal(row_map, np.arange(len(snap.participants))):
            rows = row_map[rows].astype(np.int32)
    width = max(n_cols, 1)
    dk = np.searchsorted(keys, dp) * width + dc
    # undone cells that hold a vote now and get no new one
    up = delta.undo_participant
    upos = np.minimum(np.searchsorted(keys, up), max(len(keys) - 1, 0))
    known = (keys[upos] == up) if len(keys) else np.zeros(len(up), dtype=bool)
    uk = np.setdiff1d(upos[known] * width + uc[known], dk)
    gone, gone_found = _locate(rows, snap.cols, width, uk)
    gone = gone[gone_found]
    # votes on cells that have one: replaced in place; on new cells: inserted in order
    at, hit = _locate(rows, snap.cols, width, dk)
    vals = snap.vals.copy() if hit.any() else snap.vals
    vals[at[hit]] = dv[hit]
    new = np.argsort(dk[~hit], kind="stable")
    new_k, new_v = dk[~hit][new], dv[~hit][new]
    ins, _ = _locate(rows, snap.cols, width, new_k)
    gone.sort()
    touched = np.unique(rows[gone])  # rows that lose a cell
    new_r = (new_k // width).astype(np.int32)
    new_c = (new_k % width).astype(np.int32)
    cols = snap.cols
    if len(gone):
        ins = ins - np.searchsorted(gone, ins)  # positions once the gone cells are removed
        rows, cols, vals = np.delete(rows, gone), np.delete(cols, gone), np.delete(vals, gone)
    if len(ins):
        rows, cols, vals = np.insert(rows, ins, new_r), np.insert(cols, ins, new_c), np.insert(vals, ins, new_v)
    state = snap.state
    if len(gone):  # participants left with no vote leave the matrix, as in a full load
        left = touched[np.searchsorted(rows, touched, "right") == np.searchsorted(rows, touched, "left")]
        if len(left):
            keep = np.ones(len(keys), dtype=bool)
            keep[left] = False
            compact = np.cumsum(keep) - 1
            compact[~keep] = -1
            rows = compact[rows].astype(np.int32)
            keys = keys[keep]
            base_map = row_map if row_map is not None else np.arange(len(snap.participants))
            row_map = compact[base_map]
    if state is not None and row_map is not None:
        state = _remap_state(state, row_map, len(keys))
    return replace(snap, participants=keys, statements=statements, rows=rows, cols=cols, vals=vals, state=state)


def _locate(rows: np.ndarray, cols: np.ndarray, width: int, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each cell key (row * width + column) is, or would be inserted, in the cells sorted by (row,
    column), and whether that cell is there: the same as a search in the keys of every cell, but only the
    rows the keys name are looked at (no 64-bit key of every vote)."""
    keys = np.asarray(keys, dtype=np.int64)
    if len(keys) == 0 or len(rows) == 0:
        return np.zeros(len(keys), dtype=np.int64), np.zeros(len(keys), dtype=bool)
    r = keys // width
    named, which = np.unique(r, return_inverse=True)
    lo = np.searchsorted(rows, named, "left")
    hi = np.searchsorted(rows, named, "right")
    size = hi - lo
    start = np.cumsum(size) - size  # where each named row's cells begin in the gathered ones
    idx = np.repeat(lo - start, size) + np.arange(int(size.sum()), dtype=np.int64)
    gathered = rows[idx].astype(np.int64) * width + cols[idx]  # sorted: rows ascending, columns within
    pos = lo[which] + (np.searchsorted(gathered, keys) - start[which])
    inside = pos < hi[which]
    found = np.zeros(len(keys), dtype=bool)
    found[inside] = cols[pos[inside]] == keys[inside] % width
    return pos, found


def _remap_state(state: EngineState, row_map: np.ndarray, n_rows: int) -> EngineState:
    """The engine state with old row i moved to row_map[i] (-1: the row is gone)."""
    in_conv = np.zeros(n_rows, dtype=bool)
    n = min(len(state.in_conv), len(row_map))
    old = np.flatnonzero(state.in_conv[:n])
    moved = row_map[old]
    in_conv[moved[moved >= 0]] = True
    b = state.base
    members = row_map[np.minimum(b.members, len(row_map) - 1)] if len(row_map) else b.members
    ok = (b.members < len(row_map)) & (members >= 0)
    base = Clustering(b.ids, members[ok].astype(np.int64), b.member_of[ok])
    return replace(state, in_conv=in_conv, base=base)
