"""Exports in Pol.is's CSV formats (voxpop.io.polis_writer) and as the analysis document.

Text that a spreadsheet would run as a formula (starting with = + - @ or a tab) gets a leading
apostrophe, as OWASP advises against CSV injection; CSV quoting does the rest.
"""

from __future__ import annotations

import csv
import dataclasses
import io

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from voxpop import i18n
from voxpop.errors import NotFound
from voxpop.io import polis_writer
from voxpop.services import translations as T
from voxpop.services.analyses import get_analysis
from voxpop.services.conversations import get_conversation
from voxpop.store.load import load_conversation
from voxpop.store.models import Statement, VoteEvent

CSV_NAMES = ("comments", "votes", "participants-votes", "summary", "translations")


def download_name(conversation_id: str, name: str) -> str:
    """The file name of an export download: voxpop-ID-votes.csv ... (`voxpop analyze` reads a folder of them)."""
    return f"voxpop-{conversation_id}-{name}"


def csv_safe(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _safe(conv):
    return dataclasses.replace(conv, title=csv_safe(conv.title),
                               statement_text={k: csv_safe(v) for k, v in conv.statement_text.items()})


def history_conversation(s: Session, conversation_id: str):
    """The conversation with the full vote history: every vote and change, in order. Pol.is's votes.csv
    cannot say "undone", so the votes a participant undid on a statement are left out (up to the undo);
    the latest vote of each participant on each statement is then their current vote, and the file
    analyses into the same result as the service's."""
    conv = load_conversation(s, conversation_id)
    tid_of = {sid: tid for sid, tid in s.execute(
        select(Statement.id, Statement.tid).where(Statement.conversation_id == conversation_id))}
    events = s.execute(select(VoteEvent.participant_id, VoteEvent.statement_id, VoteEvent.vote, VoteEvent.created_ms)
                       .where(VoteEvent.conversation_id == conversation_id).order_by(VoteEvent.id)).all()
    last_undo = {(r[0], r[1]): i for i, r in enumerate(events) if r[2] is None}
    rows = [r for i, r in enumerate(events) if r[2] is not None and last_undo.get((r[0], r[1]), -1) < i]
    pids = sorted({r[0] for r in rows})
    col = {sid: conv.statement_ids.index(str(tid)) for sid, tid in tid_of.items()}
    arr = np.array([(r[0], col[r[1]], r[2], r[3]) for r in rows], dtype=np.int64).reshape(-1, 4)
    return dataclasses.replace(
        conv, participant_ids=[str(p) for p in pids],
        participant=np.searchsorted(np.array(pids, dtype=np.int64), arr[:, 0]),
        statement=arr[:, 1], vote=arr[:, 2].astype(np.int8), timestamp=arr[:, 3].astype(np.float64))


def export_csv(s: Session, conversation_id: str, name: str, *, url: str = "") -> bytes:
    """One Pol.is export file as bytes: comments, votes, participants-votes or summary."""
    if name not in CSV_NAMES:
        raise NotFound(i18n.lazy_gettext("no export named %(name)s; choose one of %(csv_names)s", name=repr(name), csv_names=', '.join(CSV_NAMES)))
    dbconv = get_conversation(s, conversation_id)
    buf = io.BytesIO()
    if name == "translations":
        return _translations_csv(s, dbconv)
    if name == "votes":
        polis_writer.write_votes(buf, _safe(history_conversation(s, conversation_id)))
        return buf.getvalue()
    conv = _safe(load_conversation(s, conversation_id))
    doc = get_analysis(s, conversation_id)["document"]
    if name == "comments":
        polis_writer.write_comments(buf, conv)
    elif name == "participants-votes":
        polis_writer.write_participants_votes(buf, conv, doc)
    else:
        polis_writer.write_summary(buf, conv, doc, url=url, description=csv_safe(dbconv.description))
    return buf.getvalue()


def export_document(s: Session, conversation_id: str) -> dict:
    """The analysis document (see get_analysis for its freshness)."""
    return get_analysis(s, conversation_id)


def _translations_csv(s: Session, conv) -> bytes:
    """Every statement in every language it has: comment-id, language, original (1 = as written), text."""
    default = T.languages_of(conv)[0]
    given = T.translations_of(s, conv.id)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["comment-id", "language", "original", "comment-body"])
    for tid, lang, text, status in s.execute(select(Statement.tid, Statement.language, Statement.text,
                                                    Statement.mod_status)
                                             .where(Statement.conversation_id == conv.id).order_by(Statement.tid)):
        if status == -1:
            continue
        w.writerow([tid, lang or default, 1, csv_safe(text)])
        for code, t in sorted(given.get(tid, {}).items()):
            w.writerow([tid, code, 0, csv_safe(t)])
    return buf.getvalue().encode("utf-8")
