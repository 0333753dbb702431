"""Votes on PostgreSQL in as few round trips as possible: a batch of votes in ONE statement.

`write_distinct` reads what the rules need (the statement and its moderation, the conversation, an earlier
use of each client key, the current vote) and writes the history rows, the current votes and the
conversation's version, all in one statement: in autocommit that is also the commit, so the vote writer
(voxpop.services.writer) stores a batch in one round trip. The rules are those of voxpop.services.votes
`_Batch.one` (the SQL predicate `ok` and `_outcome` below say the same thing twice, on purpose: the
statement writes exactly the rows `_outcome` reports as written, and tests/store/test_vote_batches.py
checks both databases give the same answers).

Lock order is that of voxpop.services.votes: vote events, current votes (by participant, statement), then
the conversation row (the UPDATE reads the votes CTE, so it runs after it).

`resolve_participants` finds (or creates) the participants of votes that name them by xid or anonymous
id, one round trip for the lookups and one for the new ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from voxpop.errors import Invalid, ServiceError
from voxpop.services import votes as V
from voxpop.store.models import now_ms

_WRITE = f"""
WITH r AS (
  SELECT * FROM unnest(%(i)s::int[], %(pid)s::bigint[], %(tid)s::int[], %(vote)s::smallint[], %(ck)s::text[])
    WITH ORDINALITY AS r(i, pid, tid, vote, ck, n)),
x AS MATERIALIZED (
  SELECT r.i, r.n, r.pid, r.vote, r.ck, s.id AS sid, s.mod_status, c.is_open, c.moderation,
         e.statement_id AS e_sid, e.vote AS e_vote, e.id AS e_id, e.conversation_id AS e_cid, v.vote AS cur,
         (s.id IS NOT NULL AND e.id IS NULL AND c.is_open IS TRUE AND s.mod_status <> -1
          AND (c.moderation <> 'strict' OR s.mod_status = 1)) AS ok
  FROM r
  LEFT JOIN conversations c ON c.id = %(cid)s
  LEFT JOIN statements s ON s.conversation_id = %(cid)s AND s.tid = r.tid
  LEFT JOIN vote_events e ON e.participant_id = r.pid AND e.client_key = r.ck
  LEFT JOIN votes v ON v.participant_id = r.pid AND v.statement_id = s.id),
e AS (
  INSERT INTO vote_events (conversation_id, participant_id, statement_id, vote, client_key, created_ms)
  SELECT %(cid)s, pid, sid, vote, ck, %(t)s FROM x WHERE ok ORDER BY n
  RETURNING id, participant_id, statement_id),
v AS (
  INSERT INTO votes (participant_id, statement_id, conversation_id, vote, event_id, updated_ms)
  SELECT e.participant_id, e.statement_id, %(cid)s, x.vote, e.id, %(t)s
  FROM e JOIN x ON x.pid = e.participant_id AND x.sid = e.statement_id
  ORDER BY e.participant_id, e.statement_id {V._ON_CONFLICT}
  RETURNING 1),
u AS (
  UPDATE conversations SET vote_version = vote_version + (SELECT count(*) FROM v), last_change_ms = %(t)s,
    analysis_dirty_since = COALESCE(analysis_dirty_since, %(t)s)
  WHERE id = %(cid)s AND (SELECT count(*) FROM v) > 0
  RETURNING 1)
SELECT x.i, x.sid, x.mod_status, x.is_open, x.moderation, x.e_sid, x.e_vote, x.e_id, x.e_cid, x.cur, e.id,
       (SELECT count(*) FROM u)
FROM x LEFT JOIN e ON e.participant_id = x.pid AND e.statement_id = x.sid
"""


def write_distinct(cur, cid: str, items: Sequence[tuple[int, V.VoteRequest]]) -> dict[int, dict | ServiceError]:
    """Votes of one conversation, each with its participant id, a vote (no undo), on distinct (participant,
    statement) pairs and with distinct client keys: answers by item index, as `_Batch.one` would give them."""
    rows = cur.execute(_WRITE, {
        "i": [i for i, _ in items], "pid": [r.participant_id for _, r in items],
        "tid": [r.statement for _, r in items], "vote": [r.vote for _, r in items],
        "ck": [r.client_key for _, r in items], "cid": cid, "t": now_ms()}).fetchall()
    by_i = {row[0]: row for row in rows}
    return {i: _outcome(r, by_i[i]) for i, r in items}


def _outcome(r: V.VoteRequest, row: tuple) -> dict | ServiceError:
    _, sid, mod, is_open, moderation, e_sid, e_vote, e_id, e_cid, current, eid, _ = row
    if sid is None:
        return V.no_statement(r.conversation_id, r.statement)
    if r.client_key is not None and e_id is not None:
        if e_sid != sid or e_vote != r.vote or e_cid != r.conversation_id:
            return V.key_reused()
        return V._Batch._result(r, r.vote, None, e_id, replayed=True)
    if not is_open:
        return V.closed()
    if mod == -1 or (moderation == "strict" and mod != 1):
        return V.moderated(r.statement)
    if eid is None:  # cannot happen: the statement wrote exactly the rows that reach this line
        raise RuntimeError("vote batch: a vote passed the rules but was not written")
    return V._Batch._result(r, r.vote, current, eid, replayed=False)


_FIND = {kind: f"SELECT r.ident, p.id FROM unnest(%s::text[]) AS r(ident) "
               f"JOIN participants p ON p.conversation_id = %s AND p.{col} = r.ident"
         for kind, col in (("xid", "xid"), ("anon", "anon_id"))}
_CREATE = {kind: f"INSERT INTO participants (conversation_id, {col}, created_ms) "
                 f"SELECT %s, ident, %s FROM unnest(%s::text[]) AS ident ORDER BY ident "
                 f"ON CONFLICT (conversation_id, {col}) DO NOTHING RETURNING {col}, id"
           for kind, col in (("xid", "xid"), ("anon", "anon_id"))}


def resolve_participants(cur, requests: list[V.VoteRequest], out: list[Any]) -> set[int]:
    """Fill in participant_id (in place) for the requests without one, creating new participants (in
    the order of their ids: the lock order); a request that cannot have one gets its ServiceError in
    `out`. Returns the ids of the participants created."""
    want: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for i, r in enumerate(requests):
        if r.participant_id is None and out[i] is None:
            if r.who is None or r.who[0] not in _FIND:
                out[i] = Invalid("a vote needs a participant")
                continue
            want.setdefault((r.conversation_id, r.who[0]), []).append((i, r.who[1]))
    created: set[int] = set()
    for (cid, kind), items in sorted(want.items()):
        idents = sorted({ident for _, ident in items})
        ids: dict[str, int] = dict(cur.execute(_FIND[kind], (idents, cid)).fetchall())
        missing = [m for m in idents if m not in ids]
        err: ServiceError | None = None
        if missing:
            conv = cur.execute("SELECT is_open FROM conversations WHERE id = %s", (cid,)).fetchone()
            err = V.no_conversation(cid) if conv is None else None if conv[0] else V.closed()
            if err is None:
                new = dict(cur.execute(_CREATE[kind], (cid, now_ms(), missing)).fetchall())
                created.update(new.values())
                ids.update(new)
                lost = [m for m in missing if m not in new]  # created meanwhile by another writer
                if lost:
                    ids.update(cur.execute(_FIND[kind], (lost, cid)).fetchall())
        for i, ident in items:
            if ident in ids:
                requests[i] = replace(requests[i], participant_id=ids[ident])
            else:
                out[i] = err or V.no_conversation(cid)
    return created


def apply_autocommit(conn, requests: list[V.VoteRequest]) -> list[dict | ServiceError] | None:
    """The vote writer's batch on its own autocommit connection: each statement is its own transaction, so
    a batch of distinct votes (voxpop.services.votes.distinct) is stored, checked and committed in one round
    trip (two or three more when it brings new participants). Returns the answers, or None when the batch
    needs the general path (an undo, two votes on one statement, a repeated client key): `requests` then
    holds the participants resolved so far, for voxpop.services.votes.apply_votes in a transaction."""
    cur = conn.cursor()
    out: list[Any] = [None] * len(requests)
    try:
        created = resolve_participants(cur, requests, out)
        todo = sorted((i for i in range(len(requests)) if out[i] is None),
                      key=lambda i: (requests[i].participant_id, requests[i].statement))
        if not V.distinct([requests[i] for i in todo]):
            return None
        for cid in sorted({requests[i].conversation_id for i in todo}):
            for i, res in write_distinct(cur, cid, [(i, requests[i]) for i in todo
                                                    if requests[i].conversation_id == cid]).items():
                out[i] = res
    finally:
        cur.close()
    for i, r in enumerate(requests):  # the caller charges new identities to the address's limit
        if isinstance(out[i], dict) and r.participant_id in created:
            out[i][V.NEW_PARTICIPANT] = True
    return out
