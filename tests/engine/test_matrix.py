"""VoteMatrix and from_vote_log: latest vote wins, CSR views, validation."""

from __future__ import annotations

import numpy as np
import pytest

from voxpop.engine.matrix import VoteMatrix, from_vote_log


def test_latest_vote_wins_by_timestamp_then_log_order():
    # participant 0 votes on statement 1 three times; the latest timestamp (30) wins even though it is not last
    m = from_vote_log(
        participant=[0, 0, 0, 1, 1, 1],
        statement=[1, 1, 1, 0, 0, 2],
        vote=[1, -1, 0, 1, -1, 0],
        timestamp=[10, 30, 20, 5, 5, 7],
        n_participants=3,
    )
    cells = {(int(r), int(c)): int(v) for r, c, v in zip(m.rows, m.cols, m.vals, strict=True)}
    # (1, 0): equal timestamps -> later row in the log wins
    assert cells == {(0, 1): -1, (1, 0): -1, (1, 2): 0}
    assert (m.n_rows, m.n_cols, m.n_votes) == (3, 3, 3)


def test_without_timestamps_last_row_wins_and_output_is_sorted():
    m = from_vote_log([2, 0, 2, 0], [1, 1, 1, 0], [1, 1, -1, 0])
    assert list(zip(m.rows.tolist(), m.cols.tolist(), m.vals.tolist(), strict=True)) == [
        (0, 0, 0),
        (0, 1, 1),
        (2, 1, -1),
    ]


def test_csr_views_on_a_hand_matrix():
    # rows: p0 = [agree, pass, -], p1 = [-, disagree, agree], p2 = no votes (empty last row)
    m = VoteMatrix(
        rows=np.array([1, 0, 1, 0], np.int32),  # deliberately unsorted
        cols=np.array([2, 0, 1, 1], np.int32),
        vals=np.array([1, 1, -1, 0], np.int8),
        n_rows=3,
        n_cols=3,
    )
    assert m.seen.toarray().tolist() == [[1, 1, 0], [0, 1, 1], [0, 0, 0]]
    assert m.values.toarray().tolist() == [[1, 0, 0], [0, -1, 1], [0, 0, 0]]
    assert m.agree.toarray().tolist() == [[1, 0, 0], [0, 0, 1], [0, 0, 0]]
    assert m.disagree.toarray().tolist() == [[0, 0, 0], [0, 1, 0], [0, 0, 0]]
    assert m.values.nnz == 3 and m.agree.nnz == 2 and m.disagree.nnz == 1
    # cells: the seen structure with passes as explicit zeros
    assert m.cells.nnz == 4
    assert m.cells.toarray().tolist() == [[1, 0, 0], [0, -1, 1], [0, 0, 0]]
    assert np.array_equal(m.cells.indptr, m.seen.indptr) and np.array_equal(m.cells.indices, m.seen.indices)


def test_empty_matrix_views():
    m = from_vote_log([], [], [], n_participants=2, n_statements=3)
    assert m.n_votes == 0 and m.seen.shape == (2, 3) and m.agree.nnz == 0


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"participant": [0, 1], "statement": [0], "vote": [1]}, "same length"),
        ({"participant": [0], "statement": [0], "vote": [2]}, "got 2"),
        ({"participant": [-1], "statement": [0], "vote": [1]}, ">= 0"),
        ({"participant": [3], "statement": [0], "vote": [1], "n_participants": 2}, "n_participants"),
        ({"participant": [0], "statement": [0], "vote": [1], "timestamp": [1, 2]}, "timestamp"),
    ],
)
def test_vote_log_validation(kwargs, message):
    with pytest.raises(ValueError, match=message):
        from_vote_log(**kwargs)


@pytest.mark.parametrize("with_time", [False, True])
def test_dedupe_matches_a_plain_reference_on_random_logs(with_time):
    rng = np.random.default_rng(11)
    n = 5000
    p = rng.integers(0, 40, n)
    s = rng.integers(0, 30, n)  # ~4 votes per cell: many duplicates
    v = rng.integers(-1, 2, n)
    t = rng.integers(0, 50, n).astype(float) if with_time else None
    m = from_vote_log(p, s, v, t, n_participants=45, n_statements=31)
    latest: dict[tuple[int, int], tuple[float, int, int]] = {}
    for i in range(n):
        key = (int(p[i]), int(s[i]))
        stamp = (t[i] if with_time else 0.0, i)
        if key not in latest or stamp >= latest[key][:2]:
            latest[key] = (*stamp, int(v[i]))
    expected = sorted((r, c, val) for (r, c), (_, _, val) in latest.items())
    got = list(zip(m.rows.tolist(), m.cols.tolist(), m.vals.tolist(), strict=True))
    assert got == expected


def test_row_major_check_across_blocks():
    from voxpop.engine.matrix import _row_major

    rows = np.array([0, 0, 1, 1, 2, 3, 3], dtype=np.int32)
    cols = np.array([1, 4, 0, 2, 2, 0, 5], dtype=np.int32)
    for block in (1, 2, 3, 100):
        assert _row_major(rows, cols, block)
        for i in range(len(rows) - 1):  # one swapped pair anywhere, also at a block boundary
            r, c = rows.copy(), cols.copy()
            r[[i, i + 1]], c[[i, i + 1]] = r[[i + 1, i]], c[[i + 1, i]]
            assert not _row_major(r, c, block)
        dup = np.array([0, 1, 1]), np.array([3, 2, 2])  # a repeated cell is not strictly increasing
        assert not _row_major(*dup, block)
    assert not _row_major(np.array([1, 0], dtype=np.uint32), np.array([0, 0], dtype=np.uint32))
