"""Statements in several languages: a conversation's languages (default first), each statement's language
as written, and organiser-supplied translations (docs/i18n.md).

Votes and analysis are per statement whatever language the participant read it in; only the text shown
changes. A statement added by a participant is marked with the language they were reading and waits in the
moderation queue until each of the conversation's other languages has a translation.
"""

from __future__ import annotations

import csv
import io
import re

from babel import Locale, UnknownLocaleError
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from voxpop import i18n
from voxpop.errors import Invalid, NotFound
from voxpop.services.text import clean_text
from voxpop.store.models import Conversation, Statement, StatementTranslation

DEFAULT_LANGUAGES = ["en"]
MAX_LANGUAGES = 12


def language_code(value: str) -> str:
    """A BCP 47 language code Babel knows ("cy", "pl", "ur", "pa", "bn", "ar"), lower case; Invalid else."""
    code = (value or "").strip().replace("_", "-").lower()
    try:
        Locale.parse(code, sep="-")
    except (UnknownLocaleError, ValueError, TypeError):
        raise Invalid(i18n.lazy_gettext("%(value)s is not a language code voxpop knows; use a code such as "
                                        "cy, pl, ur or ar", value=repr(value))) from None
    return code


def language_name(code: str, in_locale: str = "en") -> str:
    """A language's name in another language ("Welsh", "Cymraeg")."""
    return i18n.language_name(code, in_locale)


def languages_of(conv: Conversation) -> list[str]:
    """The conversation's statement languages, its default first."""
    return list(conv.languages or DEFAULT_LANGUAGES)


def set_languages(s: Session, conv: Conversation, codes: list[str]) -> list[str]:
    """Set the conversation's languages (default first; duplicates dropped)."""
    clean = list(dict.fromkeys(language_code(c) for c in codes if c and c.strip()))
    if not clean:
        raise Invalid(i18n.lazy_gettext("give at least one language, the conversation's default first (e.g. "
                                        "en, cy)"))
    if len(clean) > MAX_LANGUAGES:
        raise Invalid(i18n.lazy_gettext("at most %(max_languages)s languages", max_languages=MAX_LANGUAGES))
    old_default = languages_of(conv)[0]
    if clean[0] != old_default:  # statements written so far keep the language they were written in
        s.execute(update(Statement).where(Statement.conversation_id == conv.id, Statement.language.is_(None))
                  .values(language=old_default))
    conv.languages = None if clean == DEFAULT_LANGUAGES else clean
    return clean


def set_translation(s: Session, conv: Conversation, tid: int, language: str, text: str) -> None:
    """Give (or, with empty text, remove) a statement's text in one of the conversation's languages."""
    code = language_code(language)
    if code not in languages_of(conv):
        raise Invalid(i18n.lazy_gettext("%(code)s is not one of this conversation's languages (%(conv)s); "
                                        "add it in the settings first", code=code, conv=', '.join(languages_of(conv))))
    st = s.scalars(select(Statement).where(Statement.conversation_id == conv.id, Statement.tid == tid)).first()
    if st is None:
        raise NotFound(i18n.lazy_gettext("no statement %(tid)s in this conversation", tid=tid))
    s.execute(delete(StatementTranslation).where(StatementTranslation.statement_id == st.id,
                                                 StatementTranslation.language == code))
    if text and text.strip() and code != (st.language or languages_of(conv)[0]):
        clean = clean_text(text, field=f"the {code} text", max_len=max(conv.statement_max_len * 2, 500))
        s.add(StatementTranslation(conversation_id=conv.id, statement_id=st.id, language=code, text=clean))


def translations_of(s: Session, cid: str) -> dict[int, dict[str, str]]:
    """Every translation of the conversation's statements: {tid: {language: text}}."""
    rows = s.execute(select(Statement.tid, StatementTranslation.language, StatementTranslation.text)
                     .join(Statement, Statement.id == StatementTranslation.statement_id)
                     .where(StatementTranslation.conversation_id == cid)).all()
    out: dict[int, dict[str, str]] = {}
    for tid, lang, text in rows:
        out.setdefault(tid, {})[lang] = text
    return out


def shown_text(conv: Conversation, st_language: str | None, text: str, translations: dict[str, str],
               reader: str) -> dict:
    """What a reader sees of a statement: the text in their language when there is one, else the
    original; with the original and its language when they differ (one tap away on the page)."""
    original_language = st_language or languages_of(conv)[0]
    if reader == original_language or reader not in translations:
        return {"text": text, "language": original_language, "original": None, "original_language": None}
    return {"text": translations[reader], "language": reader, "original": text,
            "original_language": original_language}


def missing_translations(s: Session, conv: Conversation) -> dict[int, list[str]]:
    """Statements lacking a translation into some of the conversation's languages: {tid: [languages]}."""
    langs = languages_of(conv)
    if len(langs) < 2:
        return {}
    have = translations_of(s, conv.id)
    out: dict[int, list[str]] = {}
    for tid, lang, status in s.execute(select(Statement.tid, Statement.language, Statement.mod_status)
                                       .where(Statement.conversation_id == conv.id)):
        if status == -1:
            continue
        own = lang or langs[0]
        need = [code for code in langs if code != own and code not in have.get(tid, {})]
        if need:
            out[tid] = need
    return out


def for_reader(s: Session, conv: Conversation, st: Statement, reader: str) -> dict:
    """One statement as `shown_text` gives it to a reader (one query for its translations)."""
    given = dict(s.execute(select(StatementTranslation.language, StatementTranslation.text)
                           .where(StatementTranslation.statement_id == st.id)).all()) if conv.languages else {}
    return shown_text(conv, st.language, st.text, given, reader)


_TRANSLATION_COLUMN = re.compile(r"^(?:text|statement|comment-body|comment_body|body)_([a-z]{2,3}(?:-[a-z0-9]+)?)$")


def seed_translations(data: bytes | str) -> dict[str, list[str]]:
    """Translation columns of a seed CSV with a header (`text`, `text_cy`, `text_pl` ...): {language: the
    texts, one per statement row in file order ('' where a row has none)}."""
    if isinstance(data, bytes):
        data = data.decode("utf-8-sig", errors="replace")
    rows = [r for r in csv.reader(io.StringIO(data, newline="")) if any(c.strip() for c in r)]
    if not rows:
        return {}
    heads = [h.strip().lower() for h in rows[0]]
    cols = {m.group(1): i for i, h in enumerate(heads) if (m := _TRANSLATION_COLUMN.match(h))}
    return {lang: [r[i] if i < len(r) else "" for r in rows[1:]] for lang, i in cols.items()}


def apply_seed_translations(s: Session, conv: Conversation, statements: list[Statement], data: bytes | str) -> None:
    """After seeding from a CSV: store its translation columns (adding their languages to the conversation)."""
    columns = seed_translations(data)
    if not columns:
        return
    langs = languages_of(conv)
    set_languages(s, conv, langs + [c for c in columns if c not in langs])
    s.flush()
    for lang, texts in columns.items():
        for st, text in zip(statements, texts, strict=False):
            if text.strip():
                set_translation(s, conv, st.tid, lang, text)


def document_for_reader(s: Session, conv: Conversation, doc: dict, reader: str) -> dict:
    """The analysis document with each statement's text in the reader's language where a translation exists
    (a shallow copy; the stored document is unchanged). Moderated-out texts stay as the document has them."""
    if not conv.languages or reader == languages_of(conv)[0] or not doc.get("statements"):
        return doc
    given = translations_of(s, conv.id)
    own = dict(s.execute(select(Statement.tid, Statement.language).where(Statement.conversation_id == conv.id)).all())
    out = []
    for st in doc["statements"]:
        try:
            tid = int(st.get("id"))
        except (TypeError, ValueError):
            out.append(st)
            continue
        text = given.get(tid, {}).get(reader)
        written_in = own.get(tid) or languages_of(conv)[0]
        if text and written_in != reader and not st.get("moderated_out"):
            st = {**st, "text": text}
        out.append(st)
    return {**doc, "statements": out}
