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
from voxpop.engine.pipeline import EngineOptions, EngineResult, TooFewVotes, analyze_matrix
from voxpop.engine.replay import DEFAULT_WINDOW_S

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
    replay: bool = False,
    replay_window_s: float = DEFAULT_WINDOW_S,
) -> dict:
    """The analysis document of one conversation (docs/analysis-schema.md). Never raises for too few
    votes: the document then has meta.status == "too_few_votes" and a message saying why.

    With vote times, in-conversation membership is replayed from them (once in, always in) even in a
    cold start; `replay=True` re-runs the whole history in Pol.is's update steps (`voxpop.engine.replay`)
    and needs them. `meta.options.history` says which was done."""
    opts = options or EngineOptions()
    t0 = time.perf_counter()
    timings: dict[str, float] = {"load_s": load_s}
    m = vote_matrix(conv)
    mod_out = excluded_mask(conv)
    timings["matrix_s"] = time.perf_counter() - t0
    if progress:
        progress("matrix", 0.1)
    if replay and conv.timestamp is None:
        raise ValueError(f"{conv.source or 'this conversation'}: a replay needs vote times, and these votes have "
                         "none — add a timestamp column (ms since 1970 or ISO dates) or analyse without --replay")
    history_opts: dict[str, Any] = {}
    try:
        with one_blas_thread():
            result, history_opts = _run_engine(conv, m, mod_out, opts, progress, replay, replay_window_s)
    except TooFewVotes as e:
        timings["total_s"] = load_s + time.perf_counter() - t0
        return document.too_few_votes(conv, m, str(e), options=asdict(opts), timings=timings)
    for key, value in result.timings.items():
        if key != "total_s":
            timings[key] = timings.get(key, 0.0) + value
    t = time.perf_counter()
    doc = document.build(conv, m, result, options=history_opts, timings=timings)
    timings["document_s"] = time.perf_counter() - t
    if places is not None:
        t = time.perf_counter()
        if participant_places:
            conv = with_places(conv, participant_places)
        from voxpop.places.analysis import apply

        apply(doc, conv, places, policy=policy, min_cell=min_cell, margins=margins)  # fills doc in place
        timings["places_s"] = time.perf_counter() - t
        if progress:
            progress("places", 1.0)
    timings["total_s"] = load_s + time.perf_counter() - t0
    doc["meta"]["timings"] = {k: document.num(timings.get(k, 0.0), 4) for k in document.TIMING_KEYS} | {
        k: document.num(v, 4) for k, v in timings.items() if k not in document.TIMING_KEYS}
    return doc


def _run_engine(conv: Conversation, m: VoteMatrix, mod_out: np.ndarray, opts: EngineOptions,
                progress: Progress | None, replay: bool, window_s: float) -> tuple[EngineResult, dict[str, Any]]:
    """The engine run, cold or replayed, and what to record about it in meta.options."""
    from voxpop.engine.inconv import in_conversation_history
    from voxpop.engine.replay import replay as run_replay
    from voxpop.engine.warm import EngineState

    if conv.timestamp is None:
        return analyze_matrix(m, mod_out, opts, progress=progress), {"history": "cold"}
    if replay:
        result, info = run_replay(conv.participant, conv.statement, conv.vote, conv.timestamp,
                                  n_participants=m.n_rows, n_statements=m.n_cols, mod_out=mod_out, options=opts,
                                  window_s=window_s, progress=progress)
        return result, {"history": "replay", "replay_window_s": info.window_s, "replay_steps": info.steps,
                        "replay_s": round(info.seconds, 3)}
    sticky = in_conversation_history(conv.participant, conv.statement, conv.timestamp, m.n_rows,
                                     window_ms=window_s * 1000.0, min_votes=opts.min_votes,
                                     greedy_fill=opts.greedy_fill)
    result = analyze_matrix(m, mod_out, opts, progress=progress, history=EngineState(in_conv=sticky))
    return result, {"history": "cold, in-conversation replayed from vote times", "replay_window_s": window_s}
