"""Votes: cast, change, undo; idempotent by client key; the history and the current vote in one txn.

Every function writes inside the caller's transaction and never commits: the caller acknowledges a vote
only after its commit returned (see voxpop.services.writer for the batched single-writer path).
Lock order inside one transaction is always: vote events, current votes (sorted by participant and
statement), then the conversation row — so concurrent writers on PostgreSQL cannot deadlock.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from voxpop import i18n
from voxpop.errors import Conflict, Invalid, NotFound, ServiceError
from voxpop.store.models import Statement, Vote, now_ms

VOTE_WORDS = {"agree": 1, "disagree": -1, "pass": 0, 1: 1, -1: -1, 0: 0}
VOTE_NAMES = {1: "agree", -1: "disagree", 0: "pass", None: None}
CLIENT_KEY_MAX = 64


@dataclass(frozen=True)
class VoteRequest:
    conversation_id: str
    participant_id: int | None  # None: resolve (or create) the participant from `who` in the same transaction
    statement: int  # the per-conversation statement number (tid)
    vote: int | None  # +1 agree, -1 disagree, 0 pass, None = undo
    client_key: str | None = None
    who: tuple[str, str] | None = None  # ("xid", external id) or ("anon", anonymous id)


NEW_PARTICIPANT = "_new_participant"  # set in a result whose vote created its participant; not sent to clients


def parse_vote(value: object) -> int:
    """+1/-1/0 from 'agree'/'disagree'/'pass' or 1/-1/0; Invalid otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | str) or value not in VOTE_WORDS:
        raise Invalid(i18n.lazy_gettext("vote must be 'agree', 'disagree' or 'pass' (or 1, -1, 0)"))
    return VOTE_WORDS[value]


def check_client_key(key: object) -> str | None:
    if key is None:
        return None
    if not isinstance(key, str) or not 1 <= len(key) <= CLIENT_KEY_MAX or not key.isprintable():
        raise Invalid(i18n.lazy_gettext("client_key must be 1 to %(client_key_max)s printable characters "
                                        "(e.g. a UUID)", client_key_max=CLIENT_KEY_MAX))
    return key


def no_conversation(cid: str) -> NotFound:
    return NotFound(i18n.lazy_gettext("there is no conversation %(cid)s here: check the link or the id "
                                      "(it may be mistyped, or the conversation was removed)", cid=repr(cid)))


def no_statement(cid: str, tid: int) -> NotFound:
    return NotFound(i18n.lazy_gettext("no statement %(n)s in conversation %(cid)s", n=tid, cid=repr(cid)))


def closed() -> Conflict:
    return Conflict(i18n.lazy_gettext("this conversation is closed; it takes no more votes"))


def moderated(tid: int) -> Conflict:
    return Conflict(i18n.lazy_gettext("statement %(n)s is not open for voting (moderation)", n=tid))


def key_reused() -> Conflict:
    return Conflict("this client_key was already used for a different vote; use a new key per vote")


_INSERT_EVENT = ("INSERT INTO vote_events (conversation_id, participant_id, statement_id, vote, client_key, "
                 "created_ms) VALUES (?, ?, ?, ?, ?, ?)")
_ON_CONFLICT = ("ON CONFLICT (participant_id, statement_id) DO UPDATE SET vote = excluded.vote, "
                "event_id = excluded.event_id, updated_ms = excluded.updated_ms")


class _Batch:
    """One transaction's votes. The hot statements go through the DBAPI cursor of the session's own
    connection (same transaction), which costs a fraction of the ORM/Core overhead per vote; each
    conversation and statement is read once per batch."""

    def __init__(self, s: Session) -> None:
        self.s = s
        self.pg = s.get_bind().dialect.name == "postgresql"
        self.cur = s.connection().connection.cursor()
        self.convs: dict[str, tuple[bool, str]] = {}
        self.stmts: dict[tuple[str, int], tuple[int, int]] = {}
        self.bumps: dict[str, int] = {}
        self.created: set[int] = set()  # participants this batch created (new identities)

    def q(self, sql: str, params: tuple):
        self.cur.execute(sql.replace("?", "%s") if self.pg else sql, params)
        return self.cur

    def conv(self, cid: str) -> tuple[bool, str]:
        if cid not in self.convs:
            row = self.q("SELECT is_open, moderation FROM conversations WHERE id = ?", (cid,)).fetchone()
            if row is None:
                raise no_conversation(cid)
            self.convs[cid] = (bool(row[0]), row[1])
        return self.convs[cid]

    def stmt(self, cid: str, tid: int) -> tuple[int, int]:
        key = (cid, tid)
        if key not in self.stmts:
            row = self.q("SELECT id, mod_status FROM statements WHERE conversation_id = ? AND tid = ?",
                         (cid, tid)).fetchone()
            if row is None:
                raise no_statement(cid, tid)
            self.stmts[key] = (row[0], row[1])
        return self.stmts[key]

    def participant(self, cid: str, who: tuple[str, str]) -> int:
        """The participant's id, created if new (INSERT .. ON CONFLICT DO NOTHING, then read)."""
        kind, ident = who
        col = {"xid": "xid", "anon": "anon_id"}[kind]
        sql = f"SELECT id FROM participants WHERE conversation_id = ? AND {col} = ?"
        row = self.q(sql, (cid, ident)).fetchone()
        if row is not None:
            return row[0]
        is_open, _ = self.conv(cid)  # NotFound before a foreign-key error
        if not is_open:
            raise closed()
        row = self.q(f"INSERT INTO participants (conversation_id, {col}, created_ms) VALUES (?, ?, ?) "
                     f"ON CONFLICT (conversation_id, {col}) DO NOTHING RETURNING id", (cid, ident, now_ms())).fetchone()
        if row is None:
            row = self.q(sql, (cid, ident)).fetchone()
        else:
            self.created.add(row[0])
        return row[0]

    def one(self, r: VoteRequest) -> dict:
        sid, mod = self.stmt(r.conversation_id, r.statement)
        # the client key's earlier vote (a retry) and the current vote, in one round trip
        row = self.q("SELECT e.statement_id, e.vote, e.id, e.conversation_id, v.vote FROM (SELECT 1 AS one) d "
                     "LEFT JOIN vote_events e ON e.participant_id = ? AND e.client_key = ? "
                     "LEFT JOIN votes v ON v.participant_id = ? AND v.statement_id = ?",
                     (r.participant_id, r.client_key, r.participant_id, sid)).fetchone()
        if r.client_key is not None and row[2] is not None:
            if row[0] != sid or row[1] != r.vote or row[3] != r.conversation_id:
                raise key_reused()
            return self._result(r, r.vote, None, row[2], replayed=True)
        current = row[4]
        is_open, moderation = self.conv(r.conversation_id)
        if not is_open:
            raise closed()
        if mod == -1 or (moderation == "strict" and mod != 1):
            raise moderated(r.statement)
        if r.vote is None and current is None:
            return self._result(r, None, None, None, replayed=False)
        t = now_ms()
        event = (r.conversation_id, r.participant_id, sid, r.vote, r.client_key, t)
        if r.vote is not None and self.pg:  # history and current vote in one statement
            eid = self.q(f"WITH e AS ({_INSERT_EVENT} RETURNING id) INSERT INTO votes (participant_id, statement_id, "
                         "conversation_id, vote, event_id, updated_ms) SELECT ?, ?, ?, ?, e.id, ? FROM e "
                         f"{_ON_CONFLICT} RETURNING event_id",
                         (*event, r.participant_id, sid, r.conversation_id, r.vote, t)).fetchone()[0]
        else:
            eid = self.q(_INSERT_EVENT + " RETURNING id", event).fetchone()[0]
            if r.vote is None:
                self.q("DELETE FROM votes WHERE participant_id = ? AND statement_id = ?", (r.participant_id, sid))
            else:
                self.q("INSERT INTO votes (participant_id, statement_id, conversation_id, vote, event_id, updated_ms) "
                       f"VALUES (?, ?, ?, ?, ?, ?) {_ON_CONFLICT}",
                       (r.participant_id, sid, r.conversation_id, r.vote, eid, t))
        self.bumps[r.conversation_id] = self.bumps.get(r.conversation_id, 0) + 1
        return self._result(r, r.vote, current, eid, replayed=False)

    @staticmethod
    def _result(r: VoteRequest, vote: int | None, previous: int | None, eid: int | None, *, replayed: bool) -> dict:
        return {"conversation": r.conversation_id, "participant": r.participant_id, "statement": r.statement,
                "vote": VOTE_NAMES[vote], "previous": VOTE_NAMES[previous], "event_id": eid,
                "replayed": replayed}

    def finish(self) -> None:
        t = now_ms()
        for cid in sorted(self.bumps):
            self.q("UPDATE conversations SET vote_version = vote_version + ?, last_change_ms = ?, "
                   "analysis_dirty_since = COALESCE(analysis_dirty_since, ?) WHERE id = ?",
                   (self.bumps[cid], t, t, cid))
        self.bumps.clear()
        self.cur.close()


def distinct(reqs: list[VoteRequest]) -> bool:
    """Votes (no undo) each on its own (participant, statement) and with its own client key: one
    statement can take them (a second vote on the same statement in one batch goes one by one, in order)."""
    pairs = {(r.participant_id, r.statement) for r in reqs}
    keys = [(r.participant_id, r.client_key) for r in reqs if r.client_key is not None]
    return all(r.vote is not None for r in reqs) and len(pairs) == len(reqs) and len(set(keys)) == len(keys)


def apply_votes(s: Session, requests: list[VoteRequest]) -> list[dict | ServiceError]:
    """Apply many votes in the caller's transaction; a rejected vote (ServiceError) writes nothing."""
    batch = _Batch(s)
    out: list[dict | ServiceError | None] = [None] * len(requests)
    requests = list(requests)
    if batch.pg:  # participants in two round trips at most (voxpop.services.votes_pg)
        from voxpop.services import votes_pg

        batch.created = votes_pg.resolve_participants(batch.cur, requests, out)
    # participants first, in a stable order, then votes by (participant, statement): concurrent batches
    # take row locks in the same order and so cannot deadlock
    for i in sorted((i for i, r in enumerate(requests) if r.participant_id is None and out[i] is None),
                    key=lambda i: (requests[i].conversation_id, requests[i].who)):
        r = requests[i]
        try:
            if r.who is None:
                raise Invalid(i18n.lazy_gettext("a vote needs a participant"))
            requests[i] = replace(r, participant_id=batch.participant(r.conversation_id, r.who))
        except ServiceError as e:
            out[i] = e
    todo = sorted((i for i in range(len(requests)) if out[i] is None),
                  key=lambda i: (requests[i].participant_id, requests[i].statement))
    if batch.pg and todo and distinct([requests[i] for i in todo]):
        from voxpop.services import votes_pg

        # one statement per conversation: read, check, write the history, the current votes, the version
        for cid in sorted({requests[i].conversation_id for i in todo}):
            for i, res in votes_pg.write_distinct(batch.cur, cid, [(i, requests[i]) for i in todo
                                                                   if requests[i].conversation_id == cid]).items():
                out[i] = res
        todo = []
    for i in todo:
        try:
            out[i] = batch.one(requests[i])
        except ServiceError as e:
            out[i] = e
    batch.finish()
    for i, r in enumerate(requests):  # the caller charges new identities to the address's limit
        if isinstance(out[i], dict) and r.participant_id in batch.created:
            out[i][NEW_PARTICIPANT] = True  # type: ignore[index]
    return out  # type: ignore[return-value]


def cast_vote(s: Session, conversation_id: str, participant_id: int, statement: int, vote: object, *,
              client_key: str | None = None) -> dict:
    """Record (or change) a vote; with a client_key a retry returns the first answer and counts once."""
    return _apply_one(s, VoteRequest(conversation_id, participant_id, _tid(statement), parse_vote(vote),
                                     check_client_key(client_key)))


def undo_vote(s: Session, conversation_id: str, participant_id: int, statement: int, *,
              client_key: str | None = None) -> dict:
    """Withdraw the participant's vote on a statement (it becomes unseen again)."""
    return _apply_one(s, VoteRequest(conversation_id, participant_id, _tid(statement), None,
                                     check_client_key(client_key)))


def _apply_one(s: Session, req: VoteRequest) -> dict:
    res = apply_votes(s, [req])[0]
    if isinstance(res, ServiceError):
        raise res
    return res


def import_votes(s: Session, conversation_id: str, rows) -> int:
    """Store many votes at once in the caller's transaction: rows of (participant id, statement number,
    vote[, created_ms]) with vote as for cast_vote. Same rows and rules as cast_vote — a vote event each
    (the history), the current vote replaced (the latest row of a participant on a statement wins, also
    over a vote already stored), the conversation marked changed — with one executemany per table instead
    of a round trip per vote. All or nothing: a bad row raises (Invalid, NotFound, Conflict, naming the
    row) before anything is written. No client keys (imports are not retried vote by vote).
    Returns the number of votes stored."""
    from sqlalchemy import Table, insert, text

    from voxpop.services.conversations import get_conversation, mark_dirty
    from voxpop.store.models import Participant, VoteEvent

    conv = get_conversation(s, conversation_id)
    if not conv.is_open:
        raise Conflict(i18n.lazy_gettext("this conversation is closed; it takes no more votes"))
    stmts = {tid: (sid, mod) for tid, sid, mod in s.execute(
        select(Statement.tid, Statement.id, Statement.mod_status).where(Statement.conversation_id == conversation_id))}
    people = set(s.execute(select(Participant.id).where(Participant.conversation_id == conversation_id)).scalars())
    t = now_ms()
    events = []
    for k, row in enumerate(rows, start=1):
        if len(row) not in (3, 4):
            raise Invalid(i18n.lazy_gettext("vote row %(k)s: give (participant id, statement number, vote[, "
                                            "created_ms])", k=k))
        try:
            tid, vote = _tid(row[1]), parse_vote(row[2])
        except Invalid as e:
            raise Invalid(i18n.lazy_gettext("vote row %(k)s: %(problem)s", k=k, problem=e.message)) from None
        pk = row[0]
        if pk not in people:
            raise NotFound(i18n.lazy_gettext("vote row %(k)s: no participant %(pk)s in conversation "
                                             "%(conversation_id)s", k=k, pk=repr(pk), conversation_id=repr(conversation_id)))
        if tid not in stmts:
            raise NotFound(i18n.lazy_gettext("vote row %(k)s: no statement %(tid)s in conversation "
                                             "%(conversation_id)s", k=k, tid=tid, conversation_id=repr(conversation_id)))
        sid, mod = stmts[tid]
        if mod == -1 or (conv.moderation == "strict" and mod != 1):
            raise Conflict(i18n.lazy_gettext("vote row %(k)s: statement %(tid)s is not open for voting "
                                             "(moderation)", k=k, tid=tid))
        events.append({"conversation_id": conversation_id, "participant_id": pk, "statement_id": sid,
                       "vote": vote, "client_key": None, "created_ms": int(row[3]) if len(row) == 4 else t})
    if not events:
        return 0
    table = cast(Table, VoteEvent.__table__)  # Core, not the ORM's bulk path: a third of the time
    ids = s.connection().execute(insert(table).returning(table.c.id, sort_by_parameter_order=True),
                                 events).scalars().all()
    latest = {}
    for eid, ev in zip(ids, events, strict=True):
        latest[(ev["participant_id"], ev["statement_id"])] = {**ev, "event_id": eid}
    current = [latest[key] for key in sorted(latest)]  # lock order: by participant, then statement
    s.execute(text("INSERT INTO votes (participant_id, statement_id, conversation_id, vote, event_id, updated_ms) "
                   "VALUES (:participant_id, :statement_id, :conversation_id, :vote, :event_id, :created_ms) "
                   + _ON_CONFLICT), current)
    mark_dirty(s, conversation_id, len(events))
    return len(events)


def _tid(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**31:
        raise Invalid(i18n.lazy_gettext("statement must be a statement number (a whole number ≥ 0)"))
    return value


def last_vote(s: Session, participant_id: int) -> int | None:
    """The statement number (tid) of the participant's most recent current vote, or None."""
    q = (select(Statement.tid).join(Vote, Vote.statement_id == Statement.id)
         .where(Vote.participant_id == participant_id).order_by(Vote.event_id.desc()).limit(1))
    return s.execute(q).scalar()


def participant_votes(s: Session, participant_id: int) -> dict[int, int]:
    """tid -> current vote of one participant."""
    rows = s.execute(select(Statement.tid, Vote.vote).join(Statement, Statement.id == Vote.statement_id)
                     .where(Vote.participant_id == participant_id))
    return {tid: v for tid, v in rows}
