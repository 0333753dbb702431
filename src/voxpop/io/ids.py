"""Id columns -> dense integer codes, vectorised (hash-based, first-appearance order)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def encode(col: pa.ChunkedArray) -> tuple[np.ndarray, list[str]]:
    """Codes (int32, one per row) and the distinct ids in order of first appearance.

    A dictionary-typed column (the CSV reader encodes while parsing, which is cheaper than building every
    string) only has its per-block dictionaries unified: new ids are appended in block order, so the
    order of first appearance is kept."""
    if pa.types.is_dictionary(col.type):
        enc = pa.table({"c": col}).unify_dictionaries()["c"]
    else:
        enc = pc.dictionary_encode(col)
    chunks = enc.chunks
    if not chunks:
        return np.zeros(0, dtype=np.int32), []
    # pyarrow unifies one dictionary across the chunks of a ChunkedArray
    codes = np.concatenate([c.indices.to_numpy(zero_copy_only=False) for c in chunks]).astype(np.int32, copy=False)
    return codes, chunks[0].dictionary.to_pylist()


def numeric_rank(ids: list[str]) -> np.ndarray:
    """rank[i] = position of ids[i] when sorted numerically (all integers) or as text otherwise."""
    arr = pa.array(ids, type=pa.string())
    try:
        keys = pc.cast(arr, pa.int64()).to_numpy()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        keys = np.array(ids, dtype=object)
    order = np.argsort(keys, kind="stable")
    rank = np.empty(len(ids), dtype=np.int64)
    rank[order] = np.arange(len(ids))
    return rank


def reorder(codes: np.ndarray, ids: list[str], new_position: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Renumber codes so that old id i gets index new_position[i]."""
    out_ids = np.empty(len(ids), dtype=object)
    out_ids[new_position] = np.array(ids, dtype=object)
    return new_position.astype(np.int32)[codes], out_ids.tolist()


def polis_row_order(p: np.ndarray, p_ids: list[str], s_rank_per_vote: np.ndarray) -> np.ndarray:
    """Pol.is cold-start row order: first appearance of each participant in votes sorted by
    (comment-id, voter-id), both numerically. Returns new_position per old participant code."""
    n = len(p_ids)
    min_s = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(min_s, p, s_rank_per_vote)
    order = np.lexsort((numeric_rank(p_ids), min_s))
    pos = np.empty(n, dtype=np.int64)
    pos[order] = np.arange(n)
    return pos


def arrival_order(p: np.ndarray, n: int, timestamp: np.ndarray, tiebreak: np.ndarray | None = None) -> np.ndarray:
    """Arrival order: participants by their first vote time, ties by `tiebreak` (a position per
    participant; default: their current order). Returns new_position per old participant code."""
    first = np.full(n, np.inf)
    np.minimum.at(first, p, np.asarray(timestamp, dtype=np.float64))
    order = np.lexsort((np.arange(n) if tiebreak is None else tiebreak, first))
    pos = np.empty(n, dtype=np.int64)
    pos[order] = np.arange(n)
    return pos
