"""Statements: one by one, seeded in bulk from CSV (all or nothing), listed."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from voxpop import i18n
from voxpop.errors import Conflict, Forbidden, Invalid, NotFound, TooLarge
from voxpop.services.conversations import get_conversation, mark_dirty
from voxpop.services.text import clean_text, text_key
from voxpop.services.translations import apply_seed_translations
from voxpop.store.models import Conversation, Statement, now_ms

CSV_MAX_BYTES = 2_000_000
CSV_MAX_ROWS = 5_000
TEXT_HEADERS = ("text", "statement", "comment-body", "comment_body", "body")


def _existing_keys(s: Session, conversation_id: str) -> set[str]:
    rows = s.scalars(select(Statement.text).where(Statement.conversation_id == conversation_id))
    return {text_key(t) for t in rows}


def _next_tids(s: Session, conversation_id: str, n: int) -> range:
    """Reserve n per-conversation statement numbers (row-locks the conversation until commit)."""
    last = s.execute(
        update(Conversation).where(Conversation.id == conversation_id)
        .values(n_statements=Conversation.n_statements + n).returning(Conversation.n_statements)
    ).scalar_one()
    return range(last - n, last)


def _insert(s: Session, conv: Conversation, texts: list[str], *, is_seed: bool, author_id: int | None,
            mod_status: int) -> list[Statement]:
    tids = _next_tids(s, conv.id, len(texts))
    t = now_ms()
    rows = [Statement(conversation_id=conv.id, tid=tid, text=txt, is_seed=is_seed, mod_status=mod_status,
                      author_participant_id=author_id, created_ms=t) for tid, txt in zip(tids, texts, strict=True)]
    s.add_all(rows)
    s.flush()
    mark_dirty(s, conv.id)
    return rows


def add_statement(s: Session, conversation_id: str, text: str, *, participant_id: int | None = None,
                  by_organiser: bool = False, reader_language: str | None = None) -> Statement:
    """Add one statement.

    Organisers' statements are seeds and accepted at once. A participant's statement is pending: shown
    under post-moderation until rejected, shown under strict moderation only once accepted. Raises
    Forbidden when participants may not add statements, Conflict when closed or a duplicate.
    """
    conv = get_conversation(s, conversation_id)
    if not conv.is_open:
        raise Conflict(i18n.lazy_gettext("this conversation is closed; it takes no new statements"))
    if not by_organiser and conv.who_may_add != "participants":
        raise Forbidden(i18n.lazy_gettext("only the organisers add statements to this conversation"))
    clean = clean_text(text, field="statement", max_len=conv.statement_max_len)
    if text_key(clean) in _existing_keys(s, conv.id):
        raise Conflict(i18n.lazy_gettext("this statement is already in the conversation"))
    st = _insert(s, conv, [clean], is_seed=by_organiser, author_id=participant_id,
                 mod_status=1 if by_organiser else 0)[0]
    langs = conv.languages or []
    if reader_language and reader_language in langs[1:]:  # written in another of its languages than the default
        st.language = reader_language
    return st


def add_statements(s: Session, conversation_id: str, texts: list[str]) -> list[Statement]:
    """Seed several statements (organiser); all or nothing. Errors name the item (1-based)."""
    conv = get_conversation(s, conversation_id)
    cleaned, errors = _check_texts(conv, [(i + 1, t) for i, t in enumerate(texts)], _existing_keys(s, conv.id),
                                   where="item")
    if errors:
        raise Invalid(i18n.lazy_gettext("%(n)s statement(s) are not valid; nothing was added", n=len(errors)), details=errors)
    return _insert(s, conv, cleaned, is_seed=True, author_id=None, mod_status=1)


def _check_texts(conv: Conversation, numbered: Sequence[tuple[int, object]], seen: set[str], *,
                 where: str) -> tuple[list[str], list[dict]]:
    cleaned: list[str] = []
    errors: list[dict] = []
    first_at: dict[str, int] = {}
    for n, raw in numbered:
        try:
            txt = clean_text(raw, field="statement", max_len=conv.statement_max_len)
        except Invalid as e:
            errors.append({where: n, "message": e.message})
            continue
        key = text_key(txt)
        if key in seen:
            errors.append({where: n, "message": "already in the conversation; remove this line"})
        elif key in first_at:
            errors.append({where: n, "message": f"same statement as {where} {first_at[key]}; remove one"})
        else:
            first_at[key] = n
            cleaned.append(txt)
    return cleaned, errors


def parse_seed_csv(data: bytes | str, filename: str = "upload.csv") -> list[tuple[int, str]]:
    """(line number, text) pairs from a seed CSV.

    Either a header row with a `text` (or Pol.is `comment-body`) column, or no header and one
    statement per line in a single column. Raises Invalid/TooLarge naming the file and line.
    """
    if isinstance(data, bytes):
        if len(data) > CSV_MAX_BYTES:
            raise TooLarge(i18n.lazy_gettext("%(filename)s: the file is %(n)s bytes; the limit is "
                                             "%(csv_max_bytes)s", filename=filename, n=len(data), csv_max_bytes=CSV_MAX_BYTES))
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise Invalid(i18n.lazy_gettext("%(filename)s: not UTF-8 text (byte %(start)s); save it as UTF-8 "
                                            "CSV", filename=filename, start=e.start)) from None
    elif len(data) > CSV_MAX_BYTES:
        raise TooLarge(i18n.lazy_gettext("%(filename)s: the file is too large; the limit is "
                                         "%(csv_max_bytes)s bytes", filename=filename, csv_max_bytes=CSV_MAX_BYTES))
    reader = csv.reader(io.StringIO(data, newline=""))
    out: list[tuple[int, str]] = []
    col: int | None = None
    headerless = False
    errors: list[dict] = []
    try:
        for row in reader:
            line = reader.line_num
            if not any(c.strip() for c in row):
                continue
            if col is None and not out and not errors:
                heads = [c.strip().lower() for c in row]
                hit = [i for i, h in enumerate(heads) if h in TEXT_HEADERS]
                if hit:
                    col = hit[0]
                    continue
                col, headerless = 0, True
            assert col is not None
            if col >= len(row):
                errors.append({"line": line, "message": f"has no column {col + 1} (the text column)"})
                continue
            if headerless and len(row) > 1:
                errors.append({"line": line, "message": "more than one column: quote text that contains commas, or add a header row 'text'"})
                continue
            out.append((line, row[col]))
            if len(out) > CSV_MAX_ROWS:
                raise TooLarge(i18n.lazy_gettext("%(filename)s: more than %(csv_max_rows)s statements; split "
                                                 "the file", filename=filename, csv_max_rows=CSV_MAX_ROWS))
    except csv.Error as e:
        raise Invalid(i18n.lazy_gettext("%(filename)s, line %(line_num)s: not valid CSV (%(e)s); nothing was "
                                        "imported", filename=filename, line_num=reader.line_num, e=e),
                      details=[{"line": reader.line_num, "message": str(e)}]) from None
    if errors:
        raise Invalid(i18n.lazy_gettext("%(filename)s: %(n)s bad line(s); nothing was imported", filename=filename, n=len(errors)), details=errors)
    return out


def bulk_seed_csv(s: Session, conversation_id: str, data: bytes | str,
                  filename: str = "upload.csv") -> list[Statement]:
    """Seed statements from a CSV; one error per bad line (Invalid.details), nothing imported on error."""
    conv = get_conversation(s, conversation_id)
    rows = parse_seed_csv(data, filename)
    if not rows:
        raise Invalid(i18n.lazy_gettext("%(filename)s: no statements found; put one statement per line", filename=filename))
    cleaned, errors = _check_texts(conv, rows, _existing_keys(s, conv.id), where="line")
    if errors:
        raise Invalid(i18n.lazy_gettext("%(filename)s: %(n)s bad line(s); nothing was imported", filename=filename, n=len(errors)), details=errors)
    rows_in = _insert(s, conv, cleaned, is_seed=True, author_id=None, mod_status=1)
    apply_seed_translations(s, conv, rows_in, data)  # text_cy, text_pl ... columns
    return rows_in


def get_statement(s: Session, conversation_id: str, tid: int) -> Statement:
    st = s.scalars(select(Statement).where(Statement.conversation_id == conversation_id,
                                           Statement.tid == tid)).first()
    if st is None:
        raise NotFound(i18n.lazy_gettext("no statement %(tid)s in conversation %(conversation_id)s", tid=tid, conversation_id=repr(conversation_id)))
    return st


def visible_filter(conv: Conversation):
    """SQL condition for statements participants may see and vote on."""
    if conv.moderation == "strict":
        return Statement.mod_status == 1
    return Statement.mod_status != -1


def list_statements(s: Session, conversation_id: str, *, include_hidden: bool = False) -> list[Statement]:
    conv = get_conversation(s, conversation_id)
    q = select(Statement).where(Statement.conversation_id == conv.id).order_by(Statement.tid)
    if not include_hidden:
        q = q.where(visible_filter(conv))
    return list(s.scalars(q))


def statement_dict(st: Statement, *, with_author: bool = False) -> dict:
    """The JSON shape of a statement. The author (a participant id) only for organisers: with the
    public analysis it would tie an anonymous author to their opinion group."""
    out = {
        "id": st.tid,
        "text": st.text,
        "is_seed": st.is_seed,
        "status": {1: "accepted", 0: "pending", -1: "rejected"}[st.mod_status],
        "is_meta": st.is_meta,
        "created_ms": st.created_ms,
    }
    if with_author:
        out["author"] = st.author_participant_id
    return out
