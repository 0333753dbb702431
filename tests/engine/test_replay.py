"""Pol.is's update-to-update state: warm-started k-means, the k smoother, sticky in-conv, replay."""

from __future__ import annotations

import numpy as np
import pytest

from voxpop.engine import clusters as cl
from voxpop.engine.inconv import in_conversation, in_conversation_history
from voxpop.engine.matrix import from_vote_log
from voxpop.engine.pipeline import EngineOptions, analyze_matrix
from voxpop.engine.replay import replay
from voxpop.engine.steps import update_steps
from voxpop.engine.warm import Clustering, EngineState, KSmoother, clean_start, warm_kmeans


def test_update_steps_are_time_windows():
    t = np.array([0, 100, 999, 1000, 1001, 5000, 5000, 9000], dtype=float)
    assert update_steps(t, 1000).tolist() == [4, 5, 7, 8]
    assert update_steps(t, 0).tolist() == [1, 2, 3, 4, 5, 7, 8]
    with pytest.raises(ValueError, match="window_ms"):
        update_steps(t, -1)


def test_clean_start_recentres_then_splits_the_farthest_point_into_a_new_id():
    pts = np.array([[0.0, 0], [1, 0], [10, 0], [11, 0], [30, 0]])
    # previous clusters 5 (points 0,1,2) and 7 (point 3); point 4 is new
    ids, centers = clean_start(pts, np.array([0, 0, 0, 1, -1]), np.array([5, 7]), k=3)
    # centres (11/3, 0) and (11, 0); the farthest point from its nearest centre is the new one at 30
    assert ids.tolist() == [5, 7, 8]
    assert np.allclose(centers, [[11 / 3, 0], [11, 0], [30, 0]])


def test_clean_start_moves_a_member_out_and_merges_equal_centres():
    pts = np.array([[0.0, 0], [0, 0], [8, 0], [9, 0]])
    # clusters 1 and 2 both sit at the origin: merged (the larger keeps its id), then the farthest
    # member (9, 0), ties to the last point, leaves cluster 3 for a new cluster 4
    ids, centers = clean_start(pts, np.array([0, 1, 2, 2]), np.array([1, 2, 3]), k=3)
    assert ids.tolist() == [2, 3, 4]
    assert np.allclose(centers, [[0, 0], [8, 0], [9, 0]])


def test_warm_kmeans_without_history_is_the_cold_start():
    rng = np.random.default_rng(3)
    pts = rng.normal(size=(300, 2))
    cold = cl.base_clusters(pts, k=20)
    res, state = warm_kmeans(pts, np.arange(300), 20, None, max_iters=100)
    assert np.array_equal(res.labels, cold.labels) and np.allclose(res.centers, cold.centers)
    assert state.ids.tolist() == list(range(len(res.centers)))
    # warm from its own result: the same partition, the same ids
    res2, state2 = warm_kmeans(pts, np.arange(300), 20, state, max_iters=100)
    assert np.array_equal(res2.labels, res.labels) and np.array_equal(state2.ids, state.ids)


def test_clustering_labels_for_unknown_keys():
    c = Clustering(np.array([4, 9]), np.array([10, 3, 7]), np.array([1, 0, 1]))
    assert c.labels_for(np.array([3, 7, 10, 11])).tolist() == [0, 1, 1, -1]


def test_k_smoother_needs_four_wins_in_a_row():
    s = KSmoother()
    shown = []
    for best in [2, 3, 3, 3, 3, 2, 3]:
        s = s.update(best, [2, 3, 4])
        shown.append(s.shown)
    assert shown == [2, 2, 2, 2, 3, 3, 3]
    assert KSmoother(3, 1, 5).update(3, [2, 3]).shown == 3  # the shown k is no longer available


def test_in_conversation_is_sticky():
    counts = np.array([3, 9, 1, 0])
    assert in_conversation(counts, 20, greedy_fill=0).tolist() == [False, True, False, False]
    prior = np.array([True, False, False, False])
    assert in_conversation(counts, 20, greedy_fill=0, prior=prior).tolist() == [True, True, False, False]


def test_in_conversation_history_keeps_who_voted_on_everything_early():
    # participant 0 votes on the only 3 statements at t=0; later 20 statements and 20 others arrive
    p, s, t = [0, 0, 0], [0, 1, 2], [0.0, 1.0, 2.0]
    for q in range(1, 21):
        p += [q] * 8
        s += list(range(8))
        t += [1e6 + q] * 8
    p, s, t = (np.array(x) for x in (p, s, t))
    final = in_conversation(np.bincount(p), 8, greedy_fill=15)
    assert not final[0]  # 3 votes < min(7, 8)
    hist = in_conversation_history(p, s, t, 21, window_ms=1000)
    assert hist[0] and hist[1:].all()


def _simulated(seed=0, n=120, m=25):
    rng = np.random.default_rng(seed)
    camp = rng.integers(0, 3, n)
    stance = rng.choice([-1, 1], size=(3, m))
    rows, cols, vals, times = [], [], [], []
    for i in range(n):
        seen = rng.choice(m, size=rng.integers(4, m), replace=False)
        for j in seen:
            rows.append(i)
            cols.append(j)
            vals.append(stance[camp[i], j] if rng.random() > 0.2 else -stance[camp[i], j])
            times.append(i * 60_000.0 + j)
    return np.array(rows), np.array(cols), np.array(vals), np.array(times), n, m


def test_one_step_replay_is_the_cold_start():
    p, s, v, t, n, m = _simulated()
    cold = analyze_matrix(from_vote_log(p, s, v, n_participants=n, n_statements=m), None, EngineOptions(bridging=False))
    warm, info = replay(p, s, v, t, n_participants=n, n_statements=m, options=EngineOptions(bridging=False),
                        window_s=1e9)
    assert info.steps == 1
    assert np.array_equal(warm.group_labels, cold.group_labels) and warm.k == cold.k


def test_replay_steps_and_state():
    p, s, v, t, n, m = _simulated(1)
    res, info = replay(p, s, v, t, n_participants=n, n_statements=m, options=EngineOptions(bridging=False),
                       window_s=600)
    assert info.steps == len(update_steps(np.sort(t), 600_000)) > 5
    assert res.state is not None and res.state.updates == info.steps
    # once in, always in: everyone in-conv at an earlier step still is
    assert res.in_conv[res.state.in_conv].all()
    # the same history gives the same answer
    res2, _ = replay(p, s, v, t, n_participants=n, n_statements=m, options=EngineOptions(bridging=False),
                     window_s=600)
    assert np.array_equal(res.group_labels, res2.group_labels)


def test_history_updates_the_state():
    p, s, v, t, n, m = _simulated(2)
    mat = from_vote_log(p, s, v, n_participants=n, n_statements=m)
    first = analyze_matrix(mat, None, EngineOptions(bridging=False))
    again = analyze_matrix(mat, None, EngineOptions(bridging=False), history=first.state)
    assert again.state.updates == 2 and again.state.smoother.count == 2
    assert np.array_equal(again.group_labels, first.group_labels)
    assert isinstance(first.state, EngineState) and first.state.updates == 1


def test_replay_needs_times():
    p, s, v, t, n, m = _simulated()
    with pytest.raises(ValueError, match="timestamp"):
        replay(p, s, v, None, n_participants=n, n_statements=m)
    with pytest.raises(ValueError, match="window_s"):
        replay(p, s, v, t, n_participants=n, n_statements=m, window_s=-5)
