"""Data protection: what is held about a participant, erasing it, and forgetting identities on schedule.

- participant_data: everything stored about one participant of one conversation (their copy to keep).
- erase_participant: deletes the participant, every vote and vote history row, and the statements they
  wrote (with the votes others cast on them); the conversation is marked for a new analysis, which the
  caller runs so that the results and exports no longer count them.
- forget_identities: per-conversation retention (`forget_identities_days`): that many days after a
  conversation closed, the anonymous cookie ids and host-site xids are deleted, so no browser or host
  account leads to the votes any more; the votes stay in the results, unlinked. The worker calls
  sweep_retention every few minutes.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, cast, delete, func, or_, select, update
from sqlalchemy.orm import Session

from voxpop.services.conversations import get_conversation, mark_dirty
from voxpop.services.participants import get_participant
from voxpop.services.votes import VOTE_NAMES
from voxpop.store.db import rowcount
from voxpop.store.models import (
    Conversation,
    ModerationDecision,
    Participant,
    Statement,
    Vote,
    VoteEvent,
    now_ms,
)

DAY_MS = 24 * 3600 * 1000

STATUS = {1: "accepted", 0: "pending", -1: "rejected"}


def retention_dict(conv: Conversation) -> dict:
    days = conv.forget_identities_days
    due = conv.closed_ms + days * DAY_MS if days is not None and conv.closed_ms is not None else None
    return {"forget_identities_days": days, "forget_identities_at_ms": due}


def participant_data(s: Session, conversation_id: str, participant_id: int) -> dict:
    """Everything stored about this participant here, as one JSON-ready document."""
    conv = get_conversation(s, conversation_id)
    p = get_participant(s, conversation_id, participant_id)
    tid_of = dict(s.execute(select(Statement.id, Statement.tid).where(Statement.conversation_id == conv.id)).all())
    words = dict(s.execute(select(Statement.tid, Statement.text).where(Statement.conversation_id == conv.id)).all())
    current = s.execute(select(Vote.statement_id, Vote.vote, Vote.updated_ms)
                        .where(Vote.participant_id == p.id).order_by(Vote.event_id)).all()
    history = s.execute(select(VoteEvent.statement_id, VoteEvent.vote, VoteEvent.created_ms, VoteEvent.client_key)
                        .where(VoteEvent.participant_id == p.id).order_by(VoteEvent.id)).all()
    written = s.scalars(select(Statement).where(Statement.author_participant_id == p.id)
                        .order_by(Statement.tid)).all()
    return {
        "conversation": {"id": conv.id, "topic": conv.topic},
        "participant": {"id": p.id, "identified_by": "xid" if p.xid is not None else
                        ("cookie" if p.anon_id is not None else "forgotten"),
                        "xid": p.xid, "created_ms": p.created_ms, "place": p.place_id, "strata": p.strata},
        "votes": [{"statement": tid_of[sid], "text": words.get(tid_of[sid], ""), "vote": VOTE_NAMES[v],
                   "updated_ms": t} for sid, v, t in current],
        "vote_history": [{"statement": tid_of[sid], "vote": VOTE_NAMES[v] if v is not None else "undone",
                          "created_ms": t, "client_key": key} for sid, v, t, key in history],
        "statements": [{"id": st.tid, "text": st.text, "status": STATUS[st.mod_status],
                        "created_ms": st.created_ms} for st in written],
        "retention": retention_dict(conv),
        "not_stored": "no name, e-mail or IP address; the anonymous cookie holds only a random id",
    }


def erase_participant(s: Session, conversation_id: str, participant_id: int) -> dict:
    """Delete the participant and everything of theirs; returns what was deleted (counts)."""
    conv = get_conversation(s, conversation_id)
    p = get_participant(s, conversation_id, participant_id)
    own = list(s.scalars(select(Statement.id).where(Statement.author_participant_id == p.id)))
    n_votes = s.scalar(select(func.count()).select_from(Vote).where(Vote.participant_id == p.id)) or 0
    if own:
        s.execute(delete(Vote).where(Vote.statement_id.in_(own)))
        s.execute(delete(VoteEvent).where(VoteEvent.statement_id.in_(own)))
        s.execute(delete(ModerationDecision).where(ModerationDecision.statement_id.in_(own)))
        s.execute(delete(Statement).where(Statement.id.in_(own)))
    s.execute(delete(Vote).where(Vote.participant_id == p.id))
    s.execute(delete(VoteEvent).where(VoteEvent.participant_id == p.id))
    s.execute(delete(Participant).where(Participant.id == p.id))
    # a worker's kept snapshot of the votes still holds theirs: it must reload (voxpop.services.snapshots)
    s.execute(update(Conversation).where(Conversation.id == conv.id)
              .values(votes_removed=Conversation.votes_removed + 1))
    mark_dirty(s, conv.id)
    return {"participant": participant_id, "votes": int(n_votes), "statements": len(own)}


def forget_identities(s: Session, conversation_id: str) -> int:
    """Delete every cookie id and xid of the conversation (the votes stay, unlinked); returns how many."""
    return rowcount(s.execute(update(Participant).where(
        Participant.conversation_id == conversation_id,
        or_(Participant.anon_id.is_not(None), Participant.xid.is_not(None)))
        .values(anon_id=None, xid=None)))


def due_for_forgetting(s: Session, now: int | None = None) -> list[str]:
    """Closed conversations whose retention period for identities has run out."""
    t = now_ms() if now is None else now
    return list(s.scalars(select(Conversation.id).where(
        Conversation.is_open.is_(False), Conversation.closed_ms.is_not(None),
        Conversation.forget_identities_days.is_not(None),
        Conversation.closed_ms + cast(Conversation.forget_identities_days, BigInteger) * DAY_MS <= t)))


def sweep_retention(db, now: int | None = None) -> dict[str, int]:
    """Enforce every conversation's retention setting; {conversation id: identities forgotten}."""
    from voxpop.services import accounts

    done: dict[str, int] = {}
    with db.write() as s:
        for cid in due_for_forgetting(s, now):
            n = forget_identities(s, cid)
            if n:
                done[cid] = n
        accounts.purge_expired_sessions(s)
    return done


def notice(conv: Conversation) -> dict:
    """The privacy notice of a conversation as data (the page /c/{cid}/privacy says it in words)."""
    days = conv.forget_identities_days
    return {
        "conversation": {"id": conv.id, "topic": conv.topic, "is_open": conv.is_open, "closed_ms": conv.closed_ms},
        "stored": [
            {"what": "a random participant id in a cookie (voxpop_anon), or the id your host site passed (xid)",
             "why": "to count your votes once and let you change or undo them"},
            {"what": "your votes, when you cast or changed them, and the history of changes",
             "why": "to find opinion groups and common ground (the results)"},
            {"what": "statements you wrote", "why": "so others can vote on them (after moderation)"},
            {"what": "the place you chose, if you chose one", "why": "to weight results fairly by place"},
        ],
        "not_stored": ["your name or e-mail address", "your IP address (rate limits keep a keyed hash in "
                       "memory only, for minutes)"],
        "retention": retention_dict(conv) | {
            "rule": (f"identities are forgotten {days} days after the conversation closes; the votes stay "
                     "in the results, unlinked") if days is not None else
                    "identities are kept while the organisers keep the conversation"},
        "rights": {"download": f"/api/v1/conversations/{conv.id}/me/data?download=true",
                   "erase": f"DELETE /api/v1/conversations/{conv.id}/me",
                   "page": f"/c/{conv.id}/my-data"},
    }
