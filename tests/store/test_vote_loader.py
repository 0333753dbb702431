"""The analysis loader reads votes columnar (packed blocks on PostgreSQL, batches on SQLite) and gets exactly
what the old row-by-row path (fetchall -> np.array) got."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import inspect

from voxpop.services import conversations, statements, votes
from voxpop.services.participants import get_or_create_participant
from voxpop.store import vote_columns
from voxpop.store.load import dense_ranks, load_conversation
from voxpop.store.queries import get_conversation


def _conversation(db, people=40, n_statements=7):
    with db.write() as s:
        conv = conversations.create_conversation(s, topic="Loader")
        statements.add_statements(s, conv.id, [f"Loader statement {i}" for i in range(n_statements)])
        pks = [get_or_create_participant(s, conv.id, xid=f"p{p}").id for p in range(people)]
        for t in reversed(range(n_statements)):  # cast order differs from participant and statement order
            for i, pk in enumerate(pks):
                if (i + t) % 5:
                    votes.cast_vote(s, conv.id, pk, t, (-1, 0, 1)[(i * 7 + t) % 3])
        votes.cast_vote(s, conv.id, pks[3], 1, "agree")  # a changed vote moves to the end
        votes.undo_vote(s, conv.id, pks[4], 2)  # an undone vote is absent
        other = conversations.create_conversation(s, topic="Other")  # another conversation's votes stay out
        statements.add_statements(s, other.id, ["Elsewhere"])
        votes.cast_vote(s, other.id, get_or_create_participant(s, other.id, xid="x").id, 0, "agree")
        return conv.id


def _old_rows(s, conversation_pk):
    """The loader before #16: every vote a Python tuple."""
    pg = s.get_bind().dialect.name == "postgresql"
    cur = s.connection().connection.cursor()
    cur.execute("SELECT participant_id, statement_id, vote, updated_ms FROM votes WHERE conversation_id = "
                + ("%s" if pg else "?") + " ORDER BY event_id", (conversation_pk,))
    raw = cur.fetchall()
    cur.close()
    return np.array(raw, dtype=np.int64)


@pytest.mark.parametrize("block", [vote_columns._BLOCK, 100])  # 100 bytes: rows split across blocks
def test_columns_equal_the_old_rows(db, monkeypatch, block):
    monkeypatch.setattr(vote_columns, "_BLOCK", block)
    cid = _conversation(db)
    with db.read() as s:
        pk = get_conversation(s, cid).id
        old = _old_rows(s, pk)
        cols = vote_columns.read_votes(s, pk)
    assert len(cols) == len(old) == 40 * 7 - 56 - 1  # 1 in 5 skipped, one undone
    assert cols.participant.dtype == np.int64 and cols.vote.dtype == np.int8
    np.testing.assert_array_equal(cols.participant, old[:, 0])
    np.testing.assert_array_equal(cols.statement, old[:, 1])
    np.testing.assert_array_equal(cols.vote, old[:, 2])
    np.testing.assert_array_equal(cols.ts, old[:, 3])


def test_slices_of_the_table_equal_the_old_rows_in_event_order(pg_url, monkeypatch):
    """The national path (a conversation that is most of the table): slices of the table's pages, put in event
    order here. The table is rewritten in another order first (CLUSTER by the primary key), so the pages hold
    the votes out of event order, and each slice is one page: rows of both conversations in every slice."""
    from sqlalchemy import text

    from voxpop.store.db import get_database

    db = get_database(pg_url)
    cid = _conversation(db)
    with db.write() as s:
        pkey = inspect(s.get_bind()).get_pk_constraint("votes")["name"]
        s.execute(text(f"CLUSTER votes USING {pkey}"))
    monkeypatch.setattr(vote_columns, "_SLICE_SHARE", 0.0)  # whatever the share, read by slices
    monkeypatch.setattr(vote_columns, "_SLICE_PAGES", 1)
    with db.read() as s:
        pk = get_conversation(s, cid).id
        old = _old_rows(s, pk)
        physical = np.array(s.execute(text("SELECT event_id FROM votes WHERE conversation_id = :c ORDER BY ctid"), {"c": pk})
                            .scalars().all())
        cols = vote_columns.read_votes(s, pk)
    assert not np.all(np.diff(physical) > 0)  # the table really is out of event order
    assert len(cols) == len(old)
    np.testing.assert_array_equal(cols.participant, old[:, 0])
    np.testing.assert_array_equal(cols.statement, old[:, 1])
    np.testing.assert_array_equal(cols.vote, old[:, 2])
    np.testing.assert_array_equal(cols.ts, old[:, 3])


def test_slices_of_an_empty_table_part_are_no_votes(pg_url, monkeypatch):
    from voxpop.store.db import get_database

    db = get_database(pg_url)
    with db.write() as s:
        cid = conversations.create_conversation(s, topic="Empty slices").id
    monkeypatch.setattr(vote_columns, "_SLICE_SHARE", 0.0)
    with db.read() as s:
        cols = vote_columns.read_votes(s, get_conversation(s, cid).id)
    assert len(cols) == 0 and cols.vote.dtype == np.int8


@pytest.mark.parametrize("spread", [3, 10_000_000])  # keys close together (the bitmap), far apart (sorting)
def test_dense_ranks_are_unique_and_searchsorted(spread):
    keys = np.random.default_rng(spread).integers(5, 5 + spread * 50, 200)  # repeats when close together
    uniq, rank = dense_ranks(keys)
    np.testing.assert_array_equal(uniq, np.unique(keys))
    np.testing.assert_array_equal(rank, np.searchsorted(np.unique(keys), keys))
    assert rank.dtype == np.int64 and dense_ranks(np.zeros(0, dtype=np.int64))[0].size == 0


def test_loaded_conversation_is_the_matrix_of_the_votes(db):
    cid = _conversation(db, people=25, n_statements=5)
    with db.read() as s:
        conv = load_conversation(s, cid)
        old = _old_rows(s, get_conversation(s, cid).id)
    uniq = np.unique(old[:, 0])
    assert conv.participant_ids == [str(int(p)) for p in uniq]
    np.testing.assert_array_equal(conv.participant, np.searchsorted(uniq, old[:, 0]))
    np.testing.assert_array_equal(conv.vote, old[:, 2].astype(np.int8))
    np.testing.assert_array_equal(conv.timestamp, old[:, 3].astype(np.float64))
    m = np.zeros((len(conv.participant_ids), len(conv.statement_ids)))
    m[conv.participant, conv.statement] = conv.vote
    assert m[3, 1] == 1 and m[4, 2] == 0  # the changed vote, the undone one


def test_an_empty_conversation_loads_no_votes(db):
    with db.write() as s:
        cid = conversations.create_conversation(s, topic="Empty").id
    with db.read() as s:
        cols = vote_columns.read_votes(s, get_conversation(s, cid).id)
        conv = load_conversation(s, cid)
    assert len(cols) == 0 and conv.participant_ids == [] and len(conv.vote) == 0


def test_more_rows_than_counted_grow_the_columns():
    b = vote_columns._Builder(0)
    for k in range(5):
        n = np.arange(10 * k, 10 * k + 10)
        b.add(n, n + 1, (n % 3 - 1), n * 1000)
    cols = b.done()
    np.testing.assert_array_equal(cols.participant, np.arange(50))
    np.testing.assert_array_equal(cols.ts, np.arange(50) * 1000)
    assert cols.vote.dtype == np.int8


def test_the_loader_order_has_an_index(db):
    with db.read() as s:
        ix = {i["name"]: i["column_names"] for i in inspect(s.get_bind()).get_indexes("votes")}
    assert ix["ix_votes_conv_event"] == ["conversation_id", "event_id"]
