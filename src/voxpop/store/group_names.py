"""The organiser's names for a conversation's opinion groups (an Artifact: {group id: name}).

Groups are found afresh by each analysis; a name sticks to the group id, so an organiser renames or
clears it when the groups change. Names are plain text, at most MAX_NAME characters.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from voxpop import i18n
from voxpop.errors import Invalid
from voxpop.store.models import Artifact

KIND = "group_names"
MAX_NAME = 60


def group_names(s: Session, cid: str) -> dict[str, str]:
    """{group id (as a string): name}; empty when the organiser named none."""
    row = s.execute(select(Artifact.payload).where(Artifact.conversation_id == cid, Artifact.kind == KIND)
                    .order_by(Artifact.id.desc()).limit(1)).scalar()
    return {str(k): str(v) for k, v in (row or {}).items() if isinstance(v, str) and v.strip()}


def save_group_names(s: Session, cid: str, names: dict[str, str]) -> dict[str, str]:
    """Replace the names (blank names are dropped); returns what was stored."""
    clean = {}
    for k, v in names.items():
        v = " ".join(str(v or "").split())
        if len(v) > MAX_NAME:
            raise Invalid(i18n.lazy_gettext("group %(k)s: a name has at most %(max_name)s characters (this "
                                            "one has %(n)s)", k=k, max_name=MAX_NAME, n=len(v)))
        if v:
            clean[str(k)] = v
    s.execute(delete(Artifact).where(Artifact.conversation_id == cid, Artifact.kind == KIND))
    s.add(Artifact(conversation_id=cid, kind=KIND, payload=clean))
    return clean
