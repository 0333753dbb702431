"""Database -> voxpop.conversation.Conversation, the input of the analysis.

Participant ids are the participants' integer keys as strings, in creation order (a participant is
created on their first vote or statement, so this is Pol.is's order of first appearance); statement ids
are the per-conversation numbers (tid) as strings. The vote log is the current vote per participant and
statement (undone votes are absent), ordered by when it was cast.
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from voxpop.conversation import Conversation
from voxpop.store.models import Participant, Statement
from voxpop.store.queries import get_conversation
from voxpop.store.vote_columns import read_votes


def statement_rows(s: Session, conv) -> list:
    """(id, tid, text, mod_status, is_meta, author_participant_id) of the conversation's statements by tid."""
    return list(s.execute(select(Statement.id, Statement.tid, Statement.text, Statement.mod_status, Statement.is_meta,
                                 Statement.author_participant_id).where(Statement.conversation_id == conv.id)
                          .order_by(Statement.tid)).all())


def participant_places(s: Session, conversation_pk: str) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """(participant id -> place id, participant id -> strata) of the participants who have them."""
    places: dict[str, str] = {}
    strata: dict[str, dict[str, str]] = {}
    for pk, place, st in s.execute(select(Participant.id, Participant.place_id, Participant.strata).where(
            Participant.conversation_id == conversation_pk,
            (Participant.place_id.is_not(None)) | (Participant.strata.is_not(None)))):
        if place is not None:
            places[str(pk)] = place
        if st:
            strata[str(pk)] = dict(st)
    return places, strata


def conversation_of(conv, stmts: list, *, participant_ids: list[str], participant: np.ndarray,
                    statement: np.ndarray, vote: np.ndarray, timestamp: np.ndarray | None,
                    places: dict[str, str], strata: dict[str, dict[str, str]]) -> Conversation:
    """The analysis input from a conversation row, its statement_rows and the votes as matrix indices."""
    return Conversation(
        participant_ids=participant_ids,
        statement_ids=[str(row[1]) for row in stmts],
        participant=participant,
        statement=statement,
        vote=vote.astype(np.int8, copy=False),
        timestamp=timestamp,
        statement_text={str(r[1]): r[2] for r in stmts},
        moderated_out={str(r[1]) for r in stmts if r[3] == -1 or (conv.moderation == "strict" and r[3] != 1)},
        meta={str(r[1]) for r in stmts if r[4]},
        title=conv.topic,
        source="db",
        participant_place=places,
        participant_strata=strata,
        statement_author={str(r[1]): str(r[5]) for r in stmts if r[5] is not None},
    )


def column_of(stmts: list) -> np.ndarray:
    """statements.id -> matrix column (position in statement_rows), as a lookup array."""
    col_of = np.zeros(max((row[0] for row in stmts), default=0) + 1, dtype=np.int64)
    for col, row in enumerate(stmts):
        col_of[row[0]] = col
    return col_of


def dense_ranks(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the distinct keys ascending, each key's position among them): np.unique + np.searchsorted, in linear
    passes over a bitmap of the keys' range when it is not much wider than their number (database keys of one
    conversation mostly are; no sort of every vote's key), else by sorting."""
    if len(keys) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    lo, hi = int(keys.min()), int(keys.max())
    if hi - lo > 4 * len(keys) + 1_000_000:
        uniq = np.unique(keys)
        return uniq, np.searchsorted(uniq, keys).astype(np.int64, copy=False)
    present = np.zeros(hi - lo + 1, dtype=bool)
    present[keys - lo] = True
    rank = np.cumsum(present, dtype=np.int64) - 1
    return np.flatnonzero(present).astype(np.int64) + lo, rank[keys - lo]


def load_conversation(s: Session, conversation_id: str) -> Conversation:
    return load_conversation_keys(s, conversation_id)[0]


def load_conversation_keys(s: Session, conversation_id: str) -> tuple[Conversation, np.ndarray, np.ndarray]:
    """(the conversation, participants.id of each matrix row (ascending), statements.id of each column)."""
    conv = get_conversation(s, conversation_id)
    stmts = statement_rows(s, conv)
    cols = read_votes(s, conv.id)  # columnar: packed blocks on PostgreSQL, no Python object per vote
    ppk, spk, vote, ts = cols.participant, cols.statement, cols.vote, cols.ts
    uniq, participant = dense_ranks(ppk)  # sorted keys = creation order
    participant_ids = [str(p) for p in uniq.tolist()]
    del ppk
    statement = column_of(stmts)[spk] if len(spk) else np.zeros(0, dtype=np.int64)
    del spk, cols
    places, strata = participant_places(s, conv.id)
    out = conversation_of(conv, stmts, participant_ids=participant_ids, participant=participant,
                          statement=statement, vote=vote, timestamp=ts.astype(np.float64), places=places,
                          strata=strata)
    return out, uniq, np.array([row[0] for row in stmts], dtype=np.int64)
