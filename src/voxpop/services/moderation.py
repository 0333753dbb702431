"""Moderation: the queue of pending statements and the decisions on them (accept, reject, meta)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from voxpop import i18n
from voxpop.errors import Invalid
from voxpop.services.conversations import get_conversation, mark_dirty
from voxpop.services.statements import get_statement
from voxpop.store.models import ModerationDecision, Statement

ACTIONS = ("accept", "reject", "meta", "unmeta", "pending")


def moderation_queue(s: Session, conversation_id: str) -> list[Statement]:
    """Statements waiting for a decision, oldest first."""
    conv = get_conversation(s, conversation_id)
    q = (select(Statement).where(Statement.conversation_id == conv.id, Statement.mod_status == 0)
         .order_by(Statement.tid))
    return list(s.scalars(q))


def moderate(s: Session, conversation_id: str, tid: int, action: str, *,
             organiser_id: int | None = None) -> Statement:
    """Apply a decision and record it. 'meta' marks a statement about the conversation itself (kept
    visible, left out of the opinion groups); 'pending' puts it back in the queue."""
    if action not in ACTIONS:
        raise Invalid(i18n.lazy_gettext("action must be one of %(actions)s", actions=', '.join(ACTIONS)))
    st = get_statement(s, conversation_id, tid)
    if action == "accept":
        st.mod_status = 1
    elif action == "reject":
        st.mod_status = -1
    elif action == "pending":
        st.mod_status = 0
    elif action == "meta":
        st.is_meta = True
        if st.mod_status == 0:
            st.mod_status = 1
    else:
        st.is_meta = False
    s.add(ModerationDecision(conversation_id=conversation_id, statement_id=st.id, organiser_id=organiser_id,
                             action=action))
    s.flush()
    mark_dirty(s, conversation_id)
    return st


def decisions(s: Session, conversation_id: str) -> list[ModerationDecision]:
    q = (select(ModerationDecision).where(ModerationDecision.conversation_id == conversation_id)
         .order_by(ModerationDecision.id))
    return list(s.scalars(q))
