"""Small repository reads and writes shared by the services: look a conversation up, keep an artifact.

Artifacts are JSON payloads kept per conversation under a `kind` (listening themes, accepted candidates,
place settings); the latest one of a kind is the current one.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from voxpop import i18n
from voxpop.errors import NotFound
from voxpop.store.models import Artifact, Conversation


def get_conversation(s: Session, conversation_id: str) -> Conversation:
    conv = s.get(Conversation, conversation_id) if isinstance(conversation_id, str) else None
    if conv is None:
        raise NotFound(i18n.lazy_gettext("there is no conversation %(cid)s here: check the link or the id (it may "
                                         "be mistyped, or the conversation was removed)", cid=repr(conversation_id)))
    return conv


def latest_artifact(s: Session, cid: str, kind: str) -> Any:
    """The payload of the newest artifact of this kind for the conversation, or None."""
    return s.execute(select(Artifact.payload).where(Artifact.conversation_id == cid, Artifact.kind == kind)
                     .order_by(Artifact.id.desc()).limit(1)).scalar()


def add_artifact(s: Session, cid: str, kind: str, payload: Any) -> None:
    s.add(Artifact(conversation_id=cid, kind=kind, payload=payload))


def new_conversation_id() -> str:
    """An unguessable conversation id (64 random bits, URL-safe) that never starts with "-", so it can be typed
    after a command (`voxpop export ID DIR`) without being taken for an option."""
    while True:
        cid = secrets.token_urlsafe(8)
        if not cid.startswith("-"):
            return cid
