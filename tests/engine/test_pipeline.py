"""analyze_matrix end to end: options, in-conv rule, too-few-votes, determinism, fidelity to Pol.is."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from voxpop.engine.inconv import in_conversation
from voxpop.engine.matrix import VoteMatrix, from_vote_log
from voxpop.engine.pipeline import EngineOptions, TooFewVotes, analyze_matrix

from ._polis import SAME_K, load_export


def two_camps(n=60, m=12, seed=0, noise=0.1):
    """Two opinion camps that disagree on every statement, each participant voting on most statements."""
    rng = np.random.default_rng(seed)
    camp = np.arange(n) % 2
    stance = np.where(camp[:, None] == 0, 1, -1) * np.where(np.arange(m) % 3 == 0, 1, -1)[None, :]
    flip = rng.random((n, m)) < noise
    vals = np.where(flip, -stance, stance)
    seen = rng.random((n, m)) < 0.85
    r, c = np.nonzero(seen)
    return from_vote_log(r, c, vals[r, c], n_participants=n, n_statements=m), camp


def test_in_conversation_rule():
    counts = np.array([7, 3, 0, 9, 6, 6, 1])
    assert in_conversation(counts, n_cmts=20, greedy_fill=0).tolist() == [1, 0, 0, 1, 0, 0, 0]
    # min(7, n_cmts): with 5 statements, 5 votes suffice
    assert in_conversation(counts, n_cmts=5, greedy_fill=0).tolist() == [1, 0, 0, 1, 1, 1, 0]
    # greedy fill to 5: the top voters next (6, 6 in row order, then 3), never somebody without votes
    assert in_conversation(counts, n_cmts=20, greedy_fill=5).tolist() == [1, 1, 0, 1, 1, 1, 0]
    assert in_conversation(np.array([7, 2, 2, 2]), n_cmts=20, greedy_fill=3).tolist() == [1, 1, 1, 0]
    assert in_conversation(counts, n_cmts=20, greedy_fill=15).tolist() == [1, 1, 0, 1, 1, 1, 1]


def test_two_camps_are_found_and_the_result_is_complete():
    m, camp = two_camps()
    stages = []
    res = analyze_matrix(m, np.zeros(m.n_cols, bool), EngineOptions(), progress=lambda s, f: stages.append((s, f)))
    assert res.k == 2
    assert adjusted_rand_score(camp, res.group_labels) == 1.0
    assert res.in_conv.all() and (res.group_labels >= 0).all()
    assert res.proj.shape == (60, 2) and res.comment_proj.shape == (12, 2) and res.extremity.shape == (12,)
    assert res.pca_comps.shape == (2, 12) and res.base_centers.shape[1] == 2
    assert res.base_sizes.sum() == 60 and len(res.group_of_base) == len(res.base_centers)
    assert set(res.silhouette) == {2, 3, 4, 5} and res.silhouette[2] == max(res.silhouette.values())
    # the first axis separates the camps
    assert np.sign(res.proj[camp == 0, 0]).tolist().count(np.sign(res.proj[0, 0])) == 30
    fractions = [f for _, f in stages]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert {"pca_s", "cluster_s", "total_s"} <= set(res.timings)


def test_deterministic_and_seed_independent_partition():
    m, _ = two_camps(n=80, m=15, seed=4, noise=0.2)
    a = analyze_matrix(m, None, EngineOptions(bridging=False))
    b = analyze_matrix(m, None, EngineOptions(bridging=False))
    c = analyze_matrix(m, None, EngineOptions(seed=123, bridging=False))
    assert np.array_equal(a.group_labels, b.group_labels) and np.array_equal(a.proj, b.proj)
    assert np.array_equal(a.group_labels, c.group_labels)
    assert np.allclose(a.proj, c.proj, atol=1e-6)


def test_forced_k_and_wider_k_range():
    m, _ = two_camps(n=90, m=12, seed=2, noise=0.3)
    assert analyze_matrix(m, None, EngineOptions(k=4, bridging=False)).k <= 4
    wide = analyze_matrix(m, None, EngineOptions(k_max=8, bridging=False))
    assert max(wide.silhouette) <= 8


def test_moderated_out_statements_do_not_move_the_groups_but_count_as_votes():
    m, camp = two_camps()
    mod = np.zeros(m.n_cols, bool)
    mod[[1, 4]] = True
    res = analyze_matrix(m, mod, EngineOptions(bridging=False))
    assert np.allclose(res.pca_comps[:, mod], 0) and np.allclose(res.extremity[mod], 0)
    assert adjusted_rand_score(camp, res.group_labels) == 1.0


def test_participants_below_the_threshold_are_projected_but_not_grouped():
    m, _ = two_camps(n=40, m=12)
    # add a participant with only 2 votes
    rows = np.concatenate([m.rows, [40, 40]]).astype(np.int32)
    cols = np.concatenate([m.cols, [0, 1]]).astype(np.int32)
    vals = np.concatenate([m.vals, [1, 1]]).astype(np.int8)
    big = VoteMatrix(rows, cols, vals, 41, 12)
    res = analyze_matrix(big, None, EngineOptions(bridging=False))
    assert not res.in_conv[40] and res.group_labels[40] == -1 and res.base_labels[40] == -1
    assert np.all(np.isfinite(res.proj[40])) and np.any(res.proj[40] != 0)


@pytest.mark.parametrize(
    "votes, mod, message",
    [
        (([], [], []), None, "nobody has voted"),
        (([0, 1, 2], [0, 0, 0], [1, -1, 1]), None, "at least two"),
        (([0, 1, 0, 1], [0, 1, 0, 1], [1, 1, 1, 1]), [False, True], "moderated out"),
        (([0, 1, 0, 1], [0, 0, 1, 1], [1, 1, 1, 1]), None, "same place"),
    ],
)
def test_too_few_votes(votes, mod, message):
    m = from_vote_log(*votes, n_participants=3, n_statements=2)
    with pytest.raises(TooFewVotes, match=message):
        analyze_matrix(m, None if mod is None else np.array(mod))


def test_too_few_in_conversation_participants():
    m = from_vote_log([0, 0, 1], [0, 1, 0], [1, -1, 1], n_participants=2, n_statements=2)
    with pytest.raises(TooFewVotes, match="only 1 participant"):
        analyze_matrix(m, None, EngineOptions(greedy_fill=0))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"k_min": 1}, "k_min"),
        ({"k_max": 1}, "k_max"),
        ({"k": 1}, "k must be at least 2"),
        ({"base_k": 3}, "base_k"),
        ({"min_votes": 0}, "min_votes"),
        ({"greedy_fill": -1}, "greedy_fill"),
        ({"seed": 1.5}, "seed must be an integer"),
        ({"bridging": "yes"}, "bridging"),
    ],
)
def test_option_validation(kwargs, message):
    with pytest.raises(ValueError, match=message):
        EngineOptions(**kwargs)


def test_mod_out_mask_is_validated():
    m, _ = two_camps()
    with pytest.raises(ValueError, match="one entry per statement"):
        analyze_matrix(m, np.zeros(3, bool))


def test_fidelity_to_polis_on_shared_conversations(polis_dirs):
    """2019+ conversations: same k as Pol.is where a cold start reproduces it, median ARI >= 0.9.

    Older conversations were computed by older algorithms plus tick history; they are reported only
    (bench/fidelity.py prints the whole table).
    """
    recent_ari, lines = [], []
    for folder in polis_dirs:
        e = load_export(folder)
        res = analyze_matrix(e.matrix, e.mod_out, EngineOptions(bridging=False))
        grouped = e.group >= 0
        ari = adjusted_rand_score(e.group[grouped], res.group_labels[grouped])
        lines.append(f"{e.name}: k={res.k}/{e.polis_k} ARI={ari:.3f}")
        if e.recent:
            recent_ari.append(ari)
        if e.name.startswith(SAME_K):
            assert res.k == e.polis_k, lines[-1]
    print("\n".join(lines))
    assert recent_ari, "no 2019+ conversation found in the shared data"
    assert np.median(recent_ari) >= 0.9, lines
