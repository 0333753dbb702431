"""Invariances of the engine (hypothesis): what must not change the groups.

Row order is *not* an invariance: Pol.is seeds k-means with the first distinct points in row order, so
permuting participants may legitimately change the result. Statement order, the sign of every vote,
unvoted statements and vote-less participants must not.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from voxpop.engine.matrix import VoteMatrix
from voxpop.engine.pipeline import EngineOptions, TooFewVotes, analyze_matrix
from voxpop.engine.stats import vote_counts

OPTS = EngineOptions(bridging=False)


@st.composite
def conversations(draw):
    seed = draw(st.integers(0, 2**32 - 1))
    n = draw(st.integers(20, 150))
    m = draw(st.integers(4, 25))
    n_groups = draw(st.integers(1, 4))
    rng = np.random.default_rng(seed)
    group = rng.integers(0, n_groups, n)
    stance = rng.choice([-1, 1], size=(n_groups, m))
    vals = stance[group]
    vals = np.where(rng.random((n, m)) < draw(st.floats(0.0, 0.4)), -vals, vals)
    vals = np.where(rng.random((n, m)) < 0.1, 0, vals)
    seen = rng.random((n, m)) < draw(st.floats(0.3, 1.0))
    r, c = np.nonzero(seen)
    mod = rng.random(m) < 0.15
    return VoteMatrix(r.astype(np.int32), c.astype(np.int32), vals[r, c].astype(np.int8), n, m), mod


def run(m, mod):
    try:
        return analyze_matrix(m, mod, OPTS)
    except TooFewVotes:
        return None


def same_partition(a, b) -> bool:
    """Equal partitions of the rows (group ids may differ by a relabelling)."""
    if not np.array_equal(a < 0, b < 0):
        return False
    pairs = {(int(x), int(y)) for x, y in zip(a[a >= 0], b[b >= 0], strict=True)}
    return len(pairs) == len({x for x, _ in pairs}) == len({y for _, y in pairs})


@settings(max_examples=25, deadline=None)
@given(conversations(), st.randoms(use_true_random=False))
def test_statement_order_does_not_matter(conv, rnd):
    m, mod = conv
    perm = list(range(m.n_cols))
    rnd.shuffle(perm)
    perm = np.array(perm)
    inv = np.argsort(perm)  # new column of old column j is inv[j]
    shuffled = VoteMatrix(m.rows, inv[m.cols].astype(np.int32), m.vals, m.n_rows, m.n_cols)
    a, b = run(m, mod), run(shuffled, mod[perm])
    assert (a is None) == (b is None)
    if a is None:
        return
    assert a.k == b.k
    assert np.array_equal(a.in_conv, b.in_conv)
    assert same_partition(a.group_labels, b.group_labels)
    assert np.allclose(a.extremity, b.extremity[inv], atol=1e-8)


@settings(max_examples=25, deadline=None)
@given(conversations())
def test_flipping_every_vote_keeps_groups_and_swaps_agree_with_disagree(conv):
    m, mod = conv
    flipped = VoteMatrix(m.rows, m.cols, (-m.vals).astype(np.int8), m.n_rows, m.n_cols)
    a, b = run(m, mod), run(flipped, mod)
    assert (a is None) == (b is None)
    if a is None:
        return
    assert a.k == b.k
    assert same_partition(a.group_labels, b.group_labels)
    # the map is reflected through the origin (up to the documented axis orientation)
    assert np.allclose(np.abs(a.proj), np.abs(b.proj), atol=1e-8)
    ca, cb = vote_counts(m, a.group_labels, a.k), vote_counts(flipped, b.group_labels, b.k)
    assert np.array_equal(ca["n_agree"], cb["n_disagree"])
    assert np.array_equal(ca["n_disagree"], cb["n_agree"])
    assert np.array_equal(ca["n_pass"], cb["n_pass"])


@settings(max_examples=20, deadline=None)
@given(conversations(), st.integers(1, 5), st.integers(1, 5))
def test_unvoted_statements_and_silent_participants_change_nothing(conv, extra_cols, extra_rows):
    m, mod = conv
    bigger = VoteMatrix(m.rows, m.cols, m.vals, m.n_rows + extra_rows, m.n_cols + extra_cols)
    a, b = run(m, mod), run(bigger, np.concatenate([mod, np.zeros(extra_cols, bool)]))
    assert (a is None) == (b is None)
    if a is None:
        return
    assert a.k == b.k
    assert np.array_equal(a.group_labels, b.group_labels[: m.n_rows])
    assert (b.group_labels[m.n_rows :] == -1).all()
    assert np.allclose(a.proj, b.proj[: m.n_rows], atol=1e-8)
