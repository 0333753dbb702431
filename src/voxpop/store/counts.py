"""Vote counts per statement from the current votes (for the organiser's statement table)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voxpop.store.models import Statement, Vote


def statement_vote_counts(s: Session, cid: str) -> dict[int, dict[str, int]]:
    """{statement tid: {"agree", "disagree", "pass", "total"}} from each participant's current vote."""
    rows = s.execute(select(Statement.tid, Vote.vote, func.count())
                     .join(Statement, Statement.id == Vote.statement_id)
                     .where(Vote.conversation_id == cid).group_by(Statement.tid, Vote.vote)).all()
    out: dict[int, dict[str, int]] = {}
    for tid, vote, n in rows:
        c = out.setdefault(tid, {"agree": 0, "disagree": 0, "pass": 0, "total": 0})
        c["agree" if vote == 1 else "disagree" if vote == -1 else "pass"] += n
        c["total"] += n
    return out
