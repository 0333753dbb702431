"""Helpers for places tests: a minimal analysis document around a conversation."""

from __future__ import annotations

import numpy as np

from voxpop.conversation import Conversation


def conversation(place_of: list[str | None], votes: dict[str, list[int | None]], *, strata=None) -> Conversation:
    """Participants p0..pN-1 with places; votes[statement] lists each participant's vote (None = unseen)."""
    pids = [f"p{i}" for i in range(len(place_of))]
    sids = list(votes)
    P, S, V = [], [], []
    for j, sid in enumerate(sids):
        for i, v in enumerate(votes[sid]):
            if v is not None:
                P.append(i)
                S.append(j)
                V.append(v)
    conv = Conversation(participant_ids=pids, statement_ids=sids, participant=np.array(P, dtype=np.int64),
                        statement=np.array(S, dtype=np.int64), vote=np.array(V, dtype=np.int8))
    conv.participant_place = {p: pl for p, pl in zip(pids, place_of, strict=True) if pl}
    if strata:
        conv.participant_strata = {p: s for p, s in zip(pids, strata, strict=True) if s}
    return conv


def document(conv: Conversation, groups: list[int | None] | None = None) -> dict:
    """The parts of an analysis document that places reads."""
    g = groups or [None] * len(conv.participant_ids)
    ids = sorted({x for x in g if x is not None})
    return {
        "meta": {"timings": {"places_s": 0.0}},
        "participants": [{"id": p, "group": x, "place": conv.participant_place.get(p)}
                         for p, x in zip(conv.participant_ids, g, strict=True)],
        "groups": [{"id": k, "size": sum(1 for x in g if x == k)} for k in ids],
        "statements": [{"id": s, "support": None} for s in conv.statement_ids],
        "places": None,
    }


def rows_as_dicts(places: dict) -> list[dict]:
    cols = places["breakdowns"]["columns"]
    return [dict(zip(cols, r, strict=True)) for r in places["breakdowns"]["rows"]]
