"""Which statement a participant sees next (Pol.is priorities and weighted lottery, polis-math.md §8)."""

from __future__ import annotations

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from voxpop.engine.routing import choose_next
from voxpop.services.conversations import get_conversation
from voxpop.services.statements import visible_filter
from voxpop.store.models import Analysis, Statement, Vote

CANDIDATE_LIMIT = 999  # as the Pol.is server


def next_statement(s: Session, conversation_id: str, participant_id: int | None, *,
                   without: list[int] | tuple[int, ...] = (), rng: np.random.Generator | None = None
                   ) -> Statement | None:
    """A statement the participant has not voted on (None when none is left).

    Candidates: visible statements (by the moderation mode), not voted by the participant, not in
    `without`, in creation order; drawn by the Pol.is weighted lottery with the priorities of the last
    analysis (weight 1 for statements newer than it).
    """
    conv = get_conversation(s, conversation_id)
    q = select(Statement).where(Statement.conversation_id == conv.id, visible_filter(conv))
    if participant_id is not None:
        voted = select(Vote.statement_id).where(Vote.participant_id == participant_id)
        q = q.where(Statement.id.not_in(voted))
    if without:
        q = q.where(Statement.tid.not_in(list(without)))
    cands = list(s.scalars(q.order_by(Statement.tid).limit(CANDIDATE_LIMIT)))
    if not cands:
        return None
    prio = s.execute(select(Analysis.priorities).where(Analysis.conversation_id == conv.id)).scalar()
    tids = np.array([c.tid for c in cands], dtype=np.int64)
    weights = np.zeros(int(tids.max()) + 1, dtype=np.float64)
    for key, value in (prio or {}).items():
        try:
            t = int(key)
        except ValueError:
            continue
        if 0 <= t < weights.size:
            weights[t] = float(value)
    pick = choose_next(weights, tids, rng or np.random.default_rng())
    return next(c for c in cands if c.tid == pick)
