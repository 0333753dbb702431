"""One analysis: conversation -> vote matrix -> engine -> (places) -> the analysis document."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import asdict, replace
from typing import Any

import numpy as np

from voxpop.analysis import document
from voxpop.conversation import Conversation
from voxpop.engine.matrix import VoteMatrix, from_vote_log
from voxpop.engine.pipeline import EngineOptions, TooFewVotes, analyze_matrix

Progress = Callable[[str, float], None]

_blas_lock = threading.Lock()
_blas_controller: Any = None


def one_blas_thread() -> AbstractContextManager:
    """BLAS limited to one thread for the duration. The engine's dense algebra is small (eigh of a
    statements × statements matrix, n × 2 by 2 × k products): a second OpenBLAS thread gains nothing and,
    on a busy machine, its spin-waiting made one 174 × 174 eigh take 0.15 s instead of 0.005 s.
    The controller is built once (≈ 1 ms); each limit costs ≈ 10 µs."""
    global _blas_controller
    with _blas_lock:
        if _blas_controller is None:
            from threadpoolctl import ThreadpoolController

            _blas_controller = ThreadpoolController()
    return _blas_controller.limit(limits=1, user_api="blas")


def vote_matrix(conv: Conversation) -> VoteMatrix:
    """Latest vote wins. A log already in time order needs no sort by timestamp (log order decides)."""
    ts = conv.timestamp
    if ts is not None and len(ts) > 1 and bool(np.all(np.diff(ts) >= 0)):
        ts = None
    return from_vote_log(conv.participant, conv.statement, conv.vote, ts,
                         n_participants=len(conv.participant_ids), n_statements=len(conv.statement_ids))


def excluded_mask(conv: Conversation) -> np.ndarray:
    """Moderated-out and meta statements: zeroed for everyone in the math (Pol.is mod-out)."""
    out = conv.moderated_out | conv.meta
    return np.fromiter((s in out for s in conv.statement_ids), dtype=bool, count=len(conv.statement_ids))


def with_places(conv: Conversation, participant_places: dict[str, Any]) -> Conversation:
    """A copy of conv that knows each participant's place (and strata); the caller's conv is untouched.
    Values are a place id, or (place id or None, {stratum: value}) as voxpop.places.io reads them."""
    place, strata = dict(conv.participant_place), dict(conv.participant_strata)
    for pid, value in participant_places.items():
        where, extra = value if isinstance(value, tuple) else (value, {})
        if where is not None:
            place[pid] = where
        if extra:
            strata[pid] = extra
    return replace(conv, participant_place=place, participant_strata=strata)


def analyze(
    conv: Conversation,
    *,
    options: EngineOptions | None = None,
    places: Any = None,
    participant_places: dict[str, Any] | None = None,
    progress: Progress | None = None,
    policy: str = "population",
    min_cell: int = 5,
    load_s: float = 0.0,
    margins: dict[str, dict[str, float]] | None = None,
) -> dict:
    """The analysis document of one conversation (docs/analysis-schema.md). Never raises for too few
    votes: the document then has meta.status == "too_few_votes" and a message saying why."""
    opts = options or EngineOptions()
    t0 = time.perf_counter()
    timings: dict[str, float] = {"load_s": load_s}
    m = vote_matrix(conv)
    mod_out = excluded_mask(conv)
    timings["matrix_s"] = time.perf_counter() - t0
    if progress:
        progress("matrix", 0.1)
    try:
        with one_blas_thread():
            result = analyze_matrix(m, mod_out, opts, progress=progress)
    except TooFewVotes as e:
        timings["total_s"] = load_s + time.perf_counter() - t0
        return document.too_few_votes(conv, m, str(e), options=asdict(opts), timings=timings)
    for key, value in result.timings.items():
        if key != "total_s":
            timings[key] = timings.get(key, 0.0) + value
    t = time.perf_counter()
    doc = document.build(conv, m, result, options={}, timings=timings)
    timings["document_s"] = time.perf_counter() - t
    if places is not None:
        t = time.perf_counter()
        if participant_places:
            conv = with_places(conv, participant_places)
        from voxpop.places.analysis import apply

        doc = apply(doc, conv, places, policy=policy, min_cell=min_cell, margins=margins) or doc
        timings["places_s"] = time.perf_counter() - t
        if progress:
            progress("places", 1.0)
    timings["total_s"] = load_s + time.perf_counter() - t0
    doc["meta"]["timings"] = {k: document.num(timings.get(k, 0.0), 4) for k in document.TIMING_KEYS} | {
        k: document.num(v, 4) for k, v in timings.items() if k not in document.TIMING_KEYS}
    return doc
