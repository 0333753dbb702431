"""Conversations: create, edit, close, reopen, read."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from voxpop import i18n
from voxpop.errors import Forbidden, Invalid
from voxpop.services.text import clean_text
from voxpop.store.models import STATEMENT_LEN_RANGE, TOPIC_MAX, Conversation, Organiser, now_ms
from voxpop.store.queries import get_conversation, new_conversation_id

DESCRIPTION_MAX = 5000
WHO_MAY_ADD = ("participants", "organisers")
MODERATION = ("post", "strict")
EDITABLE = ("topic", "description", "who_may_add", "moderation", "statement_max_len", "show_results",
            "forget_identities_days")
RETENTION_MAX_DAYS = 3650


def _validate(fields: dict) -> dict:
    out: dict = {}
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise Invalid(i18n.lazy_gettext("unknown conversation field(s): %(unknown)s; allowed: %(editable)s", unknown=', '.join(sorted(unknown)), editable=', '.join(EDITABLE)))
    if "topic" in fields:
        out["topic"] = clean_text(fields["topic"], field="topic", max_len=TOPIC_MAX, multiline=False)
    if "description" in fields:
        desc = fields["description"] if fields["description"] is not None else ""
        out["description"] = clean_text(desc, field="description", max_len=DESCRIPTION_MAX, min_len=0)
    if "who_may_add" in fields:
        if fields["who_may_add"] not in WHO_MAY_ADD:
            raise Invalid(i18n.lazy_gettext("who may add statements (who_may_add) must be 'participants' "
                                            "(everyone) or 'organisers' (only you)"))
        out["who_may_add"] = fields["who_may_add"]
    if "moderation" in fields:
        if fields["moderation"] not in MODERATION:
            raise Invalid(i18n.lazy_gettext("moderation must be 'post' (new statements are shown until you "
                                            "reject them) or 'strict' (shown once you accept them)"))
        out["moderation"] = fields["moderation"]
    if "statement_max_len" in fields:
        n = fields["statement_max_len"]
        lo, hi = STATEMENT_LEN_RANGE
        if isinstance(n, bool) or not isinstance(n, int) or not lo <= n <= hi:
            raise Invalid(i18n.lazy_gettext("the longest statement (statement_max_len) must be from %(lo)s "
                                            "to %(hi)s characters; change the number and save again", lo=lo, hi=hi))
        out["statement_max_len"] = n
    if "show_results" in fields:
        if not isinstance(fields["show_results"], bool):
            raise Invalid(i18n.lazy_gettext("whether participants see the results (show_results) must be "
                                            "true or false"))
        out["show_results"] = fields["show_results"]
    if "forget_identities_days" in fields:
        n = fields["forget_identities_days"]
        if n is not None and (isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= RETENTION_MAX_DAYS):
            raise Invalid(i18n.lazy_gettext("forget_identities_days must be a whole number of days from 0 to "
                                            "%(retention_max_days)s, or null to keep identities while the "
                                            "conversation is kept", retention_max_days=RETENTION_MAX_DAYS))
        out["forget_identities_days"] = n
    return out


def create_conversation(
    s: Session,
    *,
    topic: str,
    description: str = "",
    owner_id: int | None = None,
    who_may_add: str = "participants",
    moderation: str = "post",
    statement_max_len: int = 280,
    show_results: bool = True,
    forget_identities_days: int | None = None,
) -> Conversation:
    """A new open conversation with an unguessable id. Raises Invalid with what to fix."""
    fields = _validate(dict(topic=topic, description=description, who_may_add=who_may_add,
                            moderation=moderation, statement_max_len=statement_max_len,
                            show_results=show_results, forget_identities_days=forget_identities_days))
    conv = Conversation(id=new_conversation_id(), owner_id=owner_id, **fields)
    s.add(conv)
    s.flush()
    return conv


def list_conversations(s: Session, *, owner_id: int | None = None, limit: int = 200) -> list[Conversation]:
    q = select(Conversation).order_by(Conversation.created_ms.desc()).limit(limit)
    if owner_id is not None:
        q = q.where(Conversation.owner_id == owner_id)
    return list(s.scalars(q))


def can_manage(conv: Conversation, organiser: Organiser | None) -> bool:
    """True for the conversation's owner and for admins. A conversation without an owner (its owner's
    account was deleted) is managed by admins only, never by whoever signs in first."""
    if organiser is None:
        return False
    return organiser.is_admin or (conv.owner_id is not None and conv.owner_id == organiser.id)


def check_can_manage(conv: Conversation, organiser: Organiser | None) -> None:
    """Forbidden unless the organiser owns the conversation (or is an admin)."""
    if organiser is None:
        raise Forbidden(i18n.lazy_gettext("only organisers can manage conversations; sign in or send an API "
                                          "token"))
    if can_manage(conv, organiser):
        return
    if conv.owner_id is None:
        raise Forbidden(i18n.lazy_gettext("this conversation has no owner; only an admin can manage it"))
    raise Forbidden(i18n.lazy_gettext("this conversation belongs to another organiser"))


def update_conversation(s: Session, conversation_id: str, **fields) -> Conversation:
    """Edit any of EDITABLE fields; unknown or invalid fields raise Invalid and change nothing."""
    conv = get_conversation(s, conversation_id)
    for key, value in _validate(fields).items():
        setattr(conv, key, value)
    conv.updated_ms = now_ms()
    _touch(s, conv.id)  # results may change (e.g. show_results, moderation)
    s.flush()
    return conv


def set_open(s: Session, conversation_id: str, is_open: bool) -> Conversation:
    """Close (no more votes or statements) or reopen a conversation."""
    conv = get_conversation(s, conversation_id)
    conv.is_open = is_open
    conv.closed_ms = None if is_open else now_ms()
    conv.updated_ms = now_ms()
    s.flush()
    return conv


def close_conversation(s: Session, conversation_id: str) -> Conversation:
    return set_open(s, conversation_id, False)


def reopen_conversation(s: Session, conversation_id: str) -> Conversation:
    return set_open(s, conversation_id, True)


def _touch(s: Session, conversation_id: str, n: int = 1) -> None:
    """Mark the conversation's analysis stale (one short UPDATE of its row)."""
    t = now_ms()
    s.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id)
        .values(
            vote_version=Conversation.vote_version + n,
            last_change_ms=t,
            analysis_dirty_since=func.coalesce(Conversation.analysis_dirty_since, t),
        )
    )


mark_dirty = _touch


def conversation_dict(conv: Conversation) -> dict:
    return {
        "id": conv.id,
        "topic": conv.topic,
        "description": conv.description,
        "who_may_add": conv.who_may_add,
        "moderation": conv.moderation,
        "statement_max_len": conv.statement_max_len,
        "show_results": conv.show_results,
        "is_open": conv.is_open,
        "owner_id": conv.owner_id,
        "created_ms": conv.created_ms,
        "updated_ms": conv.updated_ms,
        "closed_ms": conv.closed_ms,
        "forget_identities_days": conv.forget_identities_days,
        "n_statements": conv.n_statements,
    }
