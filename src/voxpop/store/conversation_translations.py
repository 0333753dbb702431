"""A conversation's title and description in other languages (table conversation_translations, one row per
conversation and language). Reads and writes only; what may be stored (known languages, lengths, no bidi
overrides) is voxpop.services.conversation_text's.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from voxpop.store.models import ConversationTranslation


def translations_of(s: Session, conversation_id: str) -> dict[str, dict[str, str]]:
    """{language: {"topic": ..., "description": ...}} for every language with a translation, by language."""
    rows = s.execute(select(ConversationTranslation.language, ConversationTranslation.topic,
                            ConversationTranslation.description)
                     .where(ConversationTranslation.conversation_id == conversation_id)
                     .order_by(ConversationTranslation.language)).all()
    return {lang: {"topic": topic or "", "description": description or ""} for lang, topic, description in rows}


def translation_in(s: Session, conversation_id: str, language: str) -> dict[str, str] | None:
    """One language's translation, or None when there is none."""
    row = s.execute(select(ConversationTranslation.topic, ConversationTranslation.description)
                    .where(ConversationTranslation.conversation_id == conversation_id,
                           ConversationTranslation.language == language)).first()
    return {"topic": row[0] or "", "description": row[1] or ""} if row else None


def put(s: Session, conversation_id: str, language: str, *, topic: str, description: str) -> None:
    """Store one language's title and description (both empty: delete the row)."""
    row = s.get(ConversationTranslation, (conversation_id, language))
    if not topic and not description:
        if row is not None:
            s.delete(row)
        return
    if row is None:
        s.add(ConversationTranslation(conversation_id=conversation_id, language=language, topic=topic,
                                      description=description))
    else:
        row.topic, row.description = topic, description


def remove_all(s: Session, conversation_id: str) -> int:
    """Delete every translation of the conversation's title and description; returns how many languages."""
    result = s.execute(delete(ConversationTranslation).where(ConversationTranslation.conversation_id == conversation_id))
    return int(getattr(result, "rowcount", 0) or 0)
