"""Participants: anonymous (a random browser id from a signed cookie) or external (xid from a host site)."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from voxpop import i18n
from voxpop.errors import Invalid, NotFound
from voxpop.services.text import clean_text
from voxpop.store.models import Participant

XID_MAX = 200
PLACE_MAX = 100


def new_anon_id() -> str:
    """An unguessable browser id (put it in a signed cookie)."""
    return secrets.token_urlsafe(18)


def find_participant(s: Session, conversation_id: str, *, anon_id: str | None = None,
                     xid: str | None = None) -> Participant | None:
    if xid is not None:
        q = select(Participant).where(Participant.conversation_id == conversation_id, Participant.xid == xid)
    elif anon_id is not None:
        q = select(Participant).where(Participant.conversation_id == conversation_id,
                                      Participant.anon_id == anon_id)
    else:
        raise Invalid(i18n.lazy_gettext("a participant needs an anonymous id or an external id (xid)"))
    return s.scalars(q).first()


def get_or_create_participant(
    s: Session,
    conversation_id: str,
    *,
    anon_id: str | None = None,
    xid: str | None = None,
    place_id: str | None = None,
    strata: dict | None = None,
) -> Participant:
    """The participant with this xid (preferred) or anonymous id in the conversation, created if new.

    Safe under concurrency: a simultaneous creation of the same participant is resolved by the unique
    constraint (savepoint + re-read). The caller commits.
    """
    if xid is not None:
        xid = clean_text(xid, field="xid", max_len=XID_MAX, multiline=False)
    if anon_id is not None and (not isinstance(anon_id, str) or not 8 <= len(anon_id) <= 64):
        raise Invalid(i18n.lazy_gettext("anonymous participant id must be 8 to 64 characters"))
    if place_id is not None:
        place_id = clean_text(place_id, field="place_id", max_len=PLACE_MAX, multiline=False)
    if strata is not None and (not isinstance(strata, dict) or len(strata) > 20 or not all(
            isinstance(k, str) and isinstance(v, str) and len(k) <= 50 and len(v) <= 100
            for k, v in strata.items())):
        raise Invalid(i18n.lazy_gettext("strata must be an object of at most 20 text fields (name ≤ 50, "
                                        "value ≤ 100 characters)"))
    found = find_participant(s, conversation_id, anon_id=anon_id, xid=xid)
    if found is not None:
        if place_id is not None and found.place_id is None:
            found.place_id = place_id
        if strata is not None and found.strata is None:
            found.strata = strata
        return found
    p = Participant(conversation_id=conversation_id, anon_id=None if xid is not None else anon_id, xid=xid,
                    place_id=place_id, strata=strata)
    try:
        with s.begin_nested():
            s.add(p)
            s.flush()
    except IntegrityError:
        found = find_participant(s, conversation_id, anon_id=anon_id, xid=xid)
        if found is None:
            raise
        return found
    return p


def get_participant(s: Session, conversation_id: str, participant_id: int) -> Participant:
    p = s.get(Participant, participant_id)
    if p is None or p.conversation_id != conversation_id:
        raise NotFound(i18n.lazy_gettext("no participant %(participant_id)s in conversation "
                                         "%(conversation_id)s", participant_id=participant_id, conversation_id=repr(conversation_id)))
    return p
