"""The worker's kept snapshot of a conversation's votes: a refresh reads only the votes cast since, and gives
the matrix, counts and statistics a full reload of the same votes gives (groups: the warm start's); erasing a
participant makes the next analysis load everything again. Both databases."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import update

from voxpop.engine.matrix import from_vote_log
from voxpop.engine.warm import Clustering, EngineState
from voxpop.services import analyses, conversations, moderation, snapshots, statements, votes
from voxpop.services.participants import get_or_create_participant
from voxpop.services.privacy import erase_participant
from voxpop.store.models import Conversation
from voxpop.store.vote_columns import VoteColumns, VoteDelta


@pytest.fixture(autouse=True)
def _fresh_cache(monkeypatch):
    monkeypatch.setattr(snapshots, "SETTLE_MS", 0)  # votes made before the read are settled (no re-reads)
    monkeypatch.setattr(snapshots, "_cache", snapshots.SnapshotCache(2**30))
    yield


def _conversation(db, people=40, n_statements=8):
    """Three opinion groups; returns (conversation id, participant keys, the silent participant's key)."""
    with db.write() as s:
        conv = conversations.create_conversation(s, topic="Snapshots")
        statements.add_statements(s, conv.id, [f"Snapshot statement {i}" for i in range(n_statements)])
        pks = [get_or_create_participant(s, conv.id, xid=f"p{p}").id for p in range(people)]
        silent = get_or_create_participant(s, conv.id, xid="silent").id  # no vote yet: not a matrix row
        late = [get_or_create_participant(s, conv.id, xid=f"late{p}").id for p in range(3)]
        for i, pk in enumerate(pks):
            for t in range(n_statements):
                if (i + t) % 4:
                    votes.cast_vote(s, conv.id, pk, t, (1, -1, 1, 0)[(i % 3 + t) % 4])
        votes.cast_vote(s, conv.id, late[0], 0, "agree")  # a participant whose only vote is undone later
        return conv.id, pks, silent, late


def _run(db, cid) -> dict:
    return analyses.run_analysis(db, cid, incremental=True)


def _loaded(doc) -> str:
    return doc["meta"]["options"]["snapshot"]["loaded"]


def _same_as_full_reload(db, cid, doc):
    """The refreshed document against a cold analysis of a full load of the same votes."""
    kept = snapshots.cache().keys()
    snap = snapshots.cache().take(kept[0])
    full = snapshots.prepare(db, cid, None)
    for name in ("participants", "statements", "rows", "cols", "vals"):
        np.testing.assert_array_equal(getattr(snap, name), getattr(full.snapshot, name), err_msg=name)
    snapshots.cache().put(kept[0], snap)
    cold = analyses.run_analysis(db, cid)
    assert doc["meta"]["counts"] == cold["meta"]["counts"]
    assert [(p["id"], p["votes"]) for p in doc["participants"]] == [(p["id"], p["votes"]) for p in cold["participants"]]
    for st_new, st_cold in zip(doc["statements"], cold["statements"], strict=True):
        for key in ("id", "moderated_out", "meta", "n_agree", "n_disagree", "n_pass", "n_seen"):
            assert st_new[key] == st_cold[key], (st_new["id"], key)
        for key in ("x", "y", "extremity", "bridging"):  # fits warm-started from the previous ones: same optimum
            assert (st_new[key] is None) == (st_cold[key] is None), (st_new["id"], key)
            if st_new[key] is not None:
                assert st_new[key] == pytest.approx(st_cold[key], abs=2e-3), (st_new["id"], key)
    assert doc["meta"]["k"] is not None and len(doc["groups"]) >= 2
    return cold


def test_refresh_reads_only_new_votes_and_equals_a_full_reload(db):
    cid, pks, silent, late = _conversation(db)
    first = _run(db, cid)
    assert _loaded(first) == "everything" and first["meta"]["status"] == "ok"
    assert _run(db, cid)["meta"]["options"]["snapshot"]["votes_read"] == 0  # nothing new: nothing read
    with db.write() as s:
        votes.cast_vote(s, cid, pks[0], 1, "disagree")  # a changed vote
        votes.cast_vote(s, cid, pks[1], 0, "agree")  # a new vote of a known participant
        votes.undo_vote(s, cid, pks[2], 1)  # an undone vote
        votes.undo_vote(s, cid, late[0], 0)  # the only vote of late[0]: they leave the matrix
        votes.cast_vote(s, cid, silent, 2, "agree")  # an older participant's first vote: a row in the middle
        newcomer = get_or_create_participant(s, cid, xid="newcomer").id
        votes.cast_vote(s, cid, newcomer, 3, "disagree")
        votes.cast_vote(s, cid, newcomer, 3, "agree")  # the latest vote wins
        statements.add_statements(s, cid, ["A statement added later"])
        for pk in pks[:10]:
            votes.cast_vote(s, cid, pk, 8, "agree")
        moderation.moderate(s, cid, 5, "reject")  # a moderated-out statement is left out of the math
    doc = _run(db, cid)
    assert _loaded(doc) == "the votes cast since the previous analysis"
    assert doc["meta"]["options"]["snapshot"]["votes_read"] == 14 + 2  # current votes cast since (14 cells) + undos
    assert doc["meta"]["options"]["history"].startswith("warm")
    ids = [p["id"] for p in doc["participants"]]
    assert str(silent) in ids and str(late[0]) not in ids and ids == sorted(ids, key=int)
    by_id = {st["id"]: st for st in doc["statements"]}
    assert by_id["5"]["moderated_out"] and by_id["8"]["n_agree"] == 10
    cold = _same_as_full_reload(db, cid, doc)
    assert by_id["5"]["text"] == "" and cold["meta"]["counts"]["statements_moderated_out"] == 1
    # accepted again: counted again, and still the same as a full reload
    with db.write() as s:
        moderation.moderate(s, cid, 5, "accept")
    doc = _run(db, cid)
    assert _loaded(doc) != "everything" and not {st["id"]: st for st in doc["statements"]}["5"]["moderated_out"]
    _same_as_full_reload(db, cid, doc)


def test_erasing_a_participant_reloads_everything(db):
    cid, pks, _, _ = _conversation(db)
    _run(db, cid)
    with db.write() as s:
        erase_participant(s, cid, pks[4])
    doc = _run(db, cid)
    assert _loaded(doc) == "everything"
    assert str(pks[4]) not in {p["id"] for p in doc["participants"]}
    assert doc["meta"]["counts"]["participants"] == 40 - 1 + 1  # late[0] still has their vote
    _same_as_full_reload(db, cid, doc)


def test_a_vote_committed_late_is_read_again(db, monkeypatch):
    """A vote whose event id is below one already read (its transaction committed later) is not missed:
    the refresh reads again from the last event at least SETTLE_MS old."""
    monkeypatch.setattr(snapshots, "SETTLE_MS", 3_600_000)
    cid, pks, _, _ = _conversation(db)
    _run(db, cid)
    with db.write() as s:
        votes.cast_vote(s, cid, pks[0], 1, "disagree")
    doc = _run(db, cid)
    assert doc["meta"]["options"]["snapshot"]["votes_read"] > 1  # everything of the last hour again
    _same_as_full_reload(db, cid, doc)


def test_the_worker_keeps_snapshots_within_its_budget(db, monkeypatch):
    cid, pks, _, _ = _conversation(db)
    monkeypatch.setattr(snapshots, "_cache", snapshots.SnapshotCache(0))  # VOXPOP_ANALYSIS_SNAPSHOT_MB=0
    assert _loaded(_run(db, cid)) == "everything" and _loaded(_run(db, cid)) == "everything"
    monkeypatch.setattr(snapshots, "_cache", snapshots.SnapshotCache(2**30))
    from voxpop.worker import Worker

    w = Worker(db, debounce_ms=0)
    for vote in ("agree", "disagree"):  # the first analysis loads everything, the second the new vote
        with db.write() as s:
            # the PostgreSQL database is shared by the test session: the worker takes the oldest waiting
            # conversation first, and this test is about this one
            s.execute(update(Conversation).where(Conversation.id != cid).values(analysis_dirty_since=None))
            votes.cast_vote(s, cid, pks[0], 1, vote)
        assert w.step()
    with db.read() as s:
        doc = analyses.get_analysis(s, cid)["document"]
    assert _loaded(doc) == "the votes cast since the previous analysis"


def _random_snapshot(rng, n_p, n_s, density=0.5):
    cells = rng.random((n_p, n_s)) < density
    r, c = np.nonzero(cells)
    v = rng.choice(np.array([-1, 0, 1], dtype=np.int8), size=len(r))
    keys = np.sort(rng.choice(np.arange(10, 10 * n_p + 10), size=n_p, replace=False)).astype(np.int64)
    stmts = np.arange(100, 100 + n_s, dtype=np.int64)
    used = np.unique(r)
    remap = np.full(n_p, -1)
    remap[used] = np.arange(len(used))
    return snapshots.Snapshot("c", 0, keys[used], stmts, remap[r].astype(np.int32), c.astype(np.int32), v, 0)


@pytest.mark.parametrize("undos", [True, False])
@pytest.mark.parametrize("seed", range(8))
def test_apply_delta_equals_a_rebuild(seed, undos):
    """Random snapshots and deltas (new, changed and undone votes, new participants anywhere in key order, new
    statements; or no undo at all, the usual refresh, where nothing is deleted) against the matrix rebuilt
    from the final votes."""
    rng = np.random.default_rng(seed)
    snap = _random_snapshot(rng, 30, 6)
    in_conv = rng.random(len(snap.participants)) < 0.7
    members = np.flatnonzero(in_conv)
    snap.state = EngineState(in_conv=in_conv, base=Clustering(np.arange(3), members, members % 3))
    cur = {(int(snap.participants[r]), int(snap.statements[c])): int(v)
           for r, c, v in zip(snap.rows, snap.cols, snap.vals, strict=True)}
    stmts = np.concatenate([snap.statements, [200, 201]]).astype(np.int64)
    people = np.concatenate([snap.participants, [5, 1000, 55, 99999]]).astype(np.int64)
    undo = []
    for _ in range(40):
        p, st = int(rng.choice(people)), int(rng.choice(stmts))
        if undos and rng.random() < 0.3:
            undo.append((p, st))
            cur.pop((p, st), None)
        else:
            cur[(p, st)] = int(rng.choice([-1, 0, 1]))
    # every vote of one known participant undone: they leave
    gone = int(snap.participants[3]) if undos else -1
    for key in [k for k in cur if k[0] == gone]:
        cur.pop(key)
        undo.append(key)
    for key in [k for k in list(snap_cells(snap)) if k[0] == gone]:
        undo.append(key)
    # the delta: the current votes changed since (a cell once) and the undos
    changed = {k: v for k, v in cur.items() if snap_cells(snap).get(k) != v or k in dict.fromkeys(undo)}
    dp = np.array([k[0] for k in changed], dtype=np.int64)
    ds = np.array([k[1] for k in changed], dtype=np.int64)
    dv = np.array(list(changed.values()), dtype=np.int8)
    up = np.array([k[0] for k in undo], dtype=np.int64)
    us = np.array([k[1] for k in undo], dtype=np.int64)
    delta = VoteDelta(VoteColumns(dp, ds, dv, np.zeros(len(dp), dtype=np.int64)), np.arange(len(dp)) + 1,
                      up, us, np.arange(len(up)) + 100, np.zeros(len(up), dtype=np.int64))
    out = snapshots.apply_delta(snap, delta, stmts)
    assert out is not None
    keys = np.array(sorted({k[0] for k in cur}), dtype=np.int64)
    np.testing.assert_array_equal(out.participants, keys)
    col = {int(s): j for j, s in enumerate(stmts)}
    ref = from_vote_log(np.searchsorted(keys, [k[0] for k in cur]), [col[k[1]] for k in cur],
                        np.array(list(cur.values()), dtype=np.int8), n_participants=len(keys), n_statements=len(stmts))
    np.testing.assert_array_equal(out.rows, ref.rows)
    np.testing.assert_array_equal(out.cols, ref.cols)
    np.testing.assert_array_equal(out.vals, ref.vals)
    # the engine state follows its participants to their new rows
    assert out.state is not None and len(out.state.in_conv) == len(keys)
    was_in = {int(snap.participants[i]) for i in np.flatnonzero(in_conv)} & set(keys.tolist())
    assert {int(keys[i]) for i in np.flatnonzero(out.state.in_conv)} == was_in
    assert {int(keys[i]) for i in out.state.base.members} == was_in


def snap_cells(snap) -> dict:
    return {(int(snap.participants[r]), int(snap.statements[c])): int(v)
            for r, c, v in zip(snap.rows, snap.cols, snap.vals, strict=True)}


def test_a_delta_on_an_unknown_statement_means_a_full_load():
    snap = _random_snapshot(np.random.default_rng(0), 5, 3)
    one = np.array([int(snap.participants[0])], dtype=np.int64)
    delta = VoteDelta(VoteColumns(one, np.array([999], dtype=np.int64), np.array([1], dtype=np.int8),
                                  np.zeros(1, dtype=np.int64)), np.array([1]), *(np.zeros(0, dtype=np.int64),) * 4)
    assert snapshots.apply_delta(snap, delta, snap.statements) is None


def test_the_cache_drops_the_least_recently_used_beyond_its_budget():
    rng = np.random.default_rng(1)
    a, b = _random_snapshot(rng, 50, 10), _random_snapshot(rng, 50, 10)
    kept = snapshots.SnapshotCache(a.nbytes + b.nbytes - 1)
    kept.put(("db", "a"), a)
    kept.put(("db", "b"), b)
    assert kept.keys() == [("db", "b")]
    assert kept.take(("db", "b")) is b and kept.take(("db", "b")) is None
