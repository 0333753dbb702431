"""Votes: cast, change, undo; idempotent by client key; the history and the current vote in one txn.

Every function writes inside the caller's transaction and never commits: the caller acknowledges a vote
only after its commit returned (see voxpop.store.writer for the batched single-writer path).
Lock order inside one transaction is always: vote events, current votes (sorted by participant and
statement), then the conversation row — so concurrent writers on PostgreSQL cannot deadlock.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from voxpop.store.errors import Conflict, Invalid, NotFound, ServiceError
from voxpop.store.models import Conversation, Statement, Vote, VoteEvent, now_ms

VOTE_WORDS = {"agree": 1, "disagree": -1, "pass": 0, 1: 1, -1: -1, 0: 0}
VOTE_NAMES = {1: "agree", -1: "disagree", 0: "pass", None: None}
CLIENT_KEY_MAX = 64


@dataclass(frozen=True)
class VoteRequest:
    conversation_id: str
    participant_id: int
    statement: int  # the per-conversation statement number (tid)
    vote: int | None  # +1 agree, -1 disagree, 0 pass, None = undo
    client_key: str | None = None


def parse_vote(value: object) -> int:
    """+1/-1/0 from 'agree'/'disagree'/'pass' or 1/-1/0; Invalid otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | str) or value not in VOTE_WORDS:
        raise Invalid("vote must be 'agree', 'disagree' or 'pass' (or 1, -1, 0)")
    return VOTE_WORDS[value]


def check_client_key(key: object) -> str | None:
    if key is None:
        return None
    if not isinstance(key, str) or not 1 <= len(key) <= CLIENT_KEY_MAX or not key.isprintable():
        raise Invalid(f"client_key must be 1 to {CLIENT_KEY_MAX} printable characters (e.g. a UUID)")
    return key


def _upsert(s: Session):
    return postgresql.insert(Vote) if s.get_bind().dialect.name == "postgresql" else sqlite.insert(Vote)


class _Batch:
    """Per-transaction caches so a batch of votes reads each conversation and statement once."""

    def __init__(self, s: Session) -> None:
        self.s = s
        self.convs: dict[str, tuple[bool, str]] = {}
        self.stmts: dict[tuple[str, int], tuple[int, int]] = {}
        self.bumps: dict[str, int] = {}

    def conv(self, cid: str) -> tuple[bool, str]:
        if cid not in self.convs:
            row = self.s.execute(select(Conversation.is_open, Conversation.moderation)
                                 .where(Conversation.id == cid)).first()
            if row is None:
                raise NotFound(f"no conversation with id {cid!r}")
            self.convs[cid] = (bool(row[0]), row[1])
        return self.convs[cid]

    def stmt(self, cid: str, tid: int) -> tuple[int, int]:
        key = (cid, tid)
        if key not in self.stmts:
            row = self.s.execute(select(Statement.id, Statement.mod_status)
                                 .where(Statement.conversation_id == cid, Statement.tid == tid)).first()
            if row is None:
                raise NotFound(f"no statement {tid} in conversation {cid!r}")
            self.stmts[key] = (row[0], row[1])
        return self.stmts[key]

    def one(self, r: VoteRequest) -> dict:
        s = self.s
        if r.client_key is not None:
            prev = s.execute(select(VoteEvent.statement_id, VoteEvent.vote, VoteEvent.id, VoteEvent.conversation_id)
                             .where(VoteEvent.participant_id == r.participant_id,
                                    VoteEvent.client_key == r.client_key)).first()
            if prev is not None:
                sid, _ = self.stmt(r.conversation_id, r.statement)
                if prev[0] != sid or prev[1] != r.vote or prev[3] != r.conversation_id:
                    raise Conflict("this client_key was already used for a different vote; use a new key per vote")
                return self._result(r, r.vote, None, prev[2], replayed=True)
        is_open, moderation = self.conv(r.conversation_id)
        if not is_open:
            raise Conflict("this conversation is closed; it takes no more votes")
        sid, mod = self.stmt(r.conversation_id, r.statement)
        if mod == -1 or (moderation == "strict" and mod != 1):
            raise Conflict(f"statement {r.statement} is not open for voting (moderation)")
        current = s.execute(select(Vote.vote).where(Vote.participant_id == r.participant_id,
                                                    Vote.statement_id == sid)).scalar()
        if r.vote is None and current is None:
            return self._result(r, None, None, None, replayed=False)
        t = now_ms()
        eid = s.execute(VoteEvent.__table__.insert().values(
            conversation_id=r.conversation_id, participant_id=r.participant_id, statement_id=sid, vote=r.vote,
            client_key=r.client_key, created_ms=t).returning(VoteEvent.__table__.c.id)).scalar_one()
        if r.vote is None:
            s.execute(delete(Vote).where(Vote.participant_id == r.participant_id, Vote.statement_id == sid))
        else:
            ins = _upsert(s).values(participant_id=r.participant_id, statement_id=sid,
                                    conversation_id=r.conversation_id, vote=r.vote, event_id=eid, updated_ms=t)
            s.execute(ins.on_conflict_do_update(
                index_elements=["participant_id", "statement_id"],
                set_={"vote": ins.excluded.vote, "event_id": ins.excluded.event_id,
                      "updated_ms": ins.excluded.updated_ms}))
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
            self.s.execute(update(Conversation).where(Conversation.id == cid).values(
                vote_version=Conversation.vote_version + self.bumps[cid], last_change_ms=t,
                analysis_dirty_since=func.coalesce(Conversation.analysis_dirty_since, t)))
        self.bumps.clear()


def apply_votes(s: Session, requests: list[VoteRequest]) -> list[dict | ServiceError]:
    """Apply many votes in the caller's transaction; a rejected vote (ServiceError) writes nothing."""
    batch = _Batch(s)
    out: list[dict | ServiceError | None] = [None] * len(requests)
    # a stable order (participant, statement) so concurrent batches lock rows in the same order
    for i in sorted(range(len(requests)), key=lambda i: (requests[i].participant_id, requests[i].statement)):
        try:
            out[i] = batch.one(requests[i])
        except ServiceError as e:
            out[i] = e
    batch.finish()
    return out  # type: ignore[return-value]


def cast_vote(s: Session, conversation_id: str, participant_id: int, statement: int, vote: object, *,
              client_key: str | None = None) -> dict:
    """Record (or change) a vote; with a client_key a retry returns the first answer and counts once."""
    req = VoteRequest(conversation_id, participant_id, _tid(statement), parse_vote(vote),
                      check_client_key(client_key))
    res = apply_votes(s, [req])[0]
    if isinstance(res, ServiceError):
        raise res
    return res


def undo_vote(s: Session, conversation_id: str, participant_id: int, statement: int, *,
              client_key: str | None = None) -> dict:
    """Withdraw the participant's vote on a statement (it becomes unseen again)."""
    req = VoteRequest(conversation_id, participant_id, _tid(statement), None, check_client_key(client_key))
    res = apply_votes(s, [req])[0]
    if isinstance(res, ServiceError):
        raise res
    return res


def _tid(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**31:
        raise Invalid("statement must be a statement number (a whole number ≥ 0)")
    return value


def participant_votes(s: Session, participant_id: int) -> dict[int, int]:
    """tid -> current vote of one participant."""
    rows = s.execute(select(Statement.tid, Vote.vote).join(Statement, Statement.id == Vote.statement_id)
                     .where(Vote.participant_id == participant_id))
    return {tid: v for tid, v in rows}
