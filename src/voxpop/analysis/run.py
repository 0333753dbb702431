"""One analysis: conversation -> vote matrix -> the analysis steps (voxpop.analysis.steps) -> the document."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from voxpop.analysis import document
from voxpop.analysis.steps import REGISTRY, Context, PlacesInput, Registry, run_steps
from voxpop.conversation import Conversation
from voxpop.engine.matrix import VoteMatrix, from_vote_log
from voxpop.engine.pipeline import EngineOptions, EngineResult, TooFewVotes
from voxpop.engine.replay import DEFAULT_WINDOW_S
from voxpop.engine.warm import EngineState

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


@dataclass
class Analysis:
    """An analysis: its document, the engine's state (what the next analysis can warm-start from:
    `analyze(conv, history=analysis.state)`), and what each step left (`results[step name]`)."""

    document: dict
    state: EngineState | None = None
    results: dict[str, Any] = field(default_factory=dict)


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
    history: EngineState | None = None,
    matrix: VoteMatrix | None = None,
) -> dict:
    """The analysis document of one conversation (docs/analysis-schema.md); arguments as `analysis_of`."""
    return analysis_of(conv, options=options, places=places, participant_places=participant_places,
                       progress=progress, policy=policy, min_cell=min_cell, load_s=load_s, margins=margins,
                       replay=replay, replay_window_s=replay_window_s, history=history,
                       matrix=matrix).document


def analysis_of(
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
    history: EngineState | None = None,
    steps: Registry | None = None,
    matrix: VoteMatrix | None = None,
) -> Analysis:
    """Analyse one conversation: every registered analysis step (voxpop.analysis.steps) over its votes.
    Never raises for too few votes: the document then has meta.status == "too_few_votes" and a message
    saying why.

    With vote times, in-conversation membership is replayed from them (once in, always in) even in a
    cold start; `replay=True` re-runs the whole history in Pol.is's update steps (`voxpop.engine.replay`)
    and needs them; `history` is the state of an earlier analysis of the same conversation to update
    (`Analysis.state`). `meta.options.history` says which was done. `places` (a PlaceRegistry) with
    `participant_places`, `policy`, `min_cell` and `margins` adds the places step. `steps`: another
    registry than the default one. `matrix`: the conversation's vote matrix when the caller already holds
    it (voxpop.services.snapshots keeps one per conversation), else it is built from the vote log."""
    opts = options or EngineOptions()
    t0 = time.perf_counter()
    timings: dict[str, float] = {"load_s": load_s}
    m = matrix if matrix is not None else vote_matrix(conv)
    mod_out = excluded_mask(conv)
    timings["matrix_s"] = time.perf_counter() - t0
    if progress:
        progress("matrix", 0.1)
    if replay and conv.timestamp is None:
        raise ValueError(f"{conv.source or 'this conversation'}: a replay needs vote times, and these votes have "
                         "none — add a timestamp column (ms since 1970 or ISO dates) or analyse without --replay")
    t = time.perf_counter()
    doc = document.skeleton(conv, m, options=asdict(opts), timings={})
    timings["document_s"] = time.perf_counter() - t
    given = None if places is None else PlacesInput(places, participant_places, policy, min_cell, margins)
    ctx = Context(conv=conv, matrix=m, excluded=mod_out, options=opts, document=doc, progress=progress,
                  inputs={"place_registry": given, "history": history, "replay": replay, "replay_window_s": replay_window_s})
    try:
        with one_blas_thread():
            run_steps(steps if steps is not None else REGISTRY, ctx, doc, timings, progress)
    except TooFewVotes as e:
        timings["total_s"] = load_s + time.perf_counter() - t0
        timings.pop("document_s", None)
        return Analysis(document.too_few_votes(conv, m, str(e), options=asdict(opts), timings=timings))
    timings["total_s"] = load_s + time.perf_counter() - t0
    doc["meta"]["timings"] = {k: document.num(timings.get(k, 0.0), 4) for k in document.TIMING_KEYS} | {
        k: document.num(v, 4) for k, v in timings.items() if k not in document.TIMING_KEYS}
    result = ctx.results.get("groups")
    return Analysis(doc, result.state if isinstance(result, EngineResult) else None, ctx.results)
