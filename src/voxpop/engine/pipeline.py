"""The core of one Pol.is analysis of a vote matrix: in-conv → PCA → projections → clusters.

`analyze_matrix` is the engine's entry point. Without `history` it is a cold start; with the
`EngineState` of a previous analysis it is one Pol.is update: sticky in-conversation membership, base
and group clusters warm-started from the previous ones, the k smoother (`voxpop.engine.warm`). Either
way the result carries the new state. It is deterministic for a given `EngineOptions.seed` (the seed
only picks the start block of the PCA subspace iteration, which converges to the same axes).
Departures from Pol.is are listed in docs/departures.md. The statistics over the groups (repness,
consensus, divisiveness, bridging, ...) are their own functions in this package; voxpop.analysis.steps
runs them, one analysis step each.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from . import clusters as cl
from .inconv import in_conversation
from .matrix import VoteMatrix
from .pca import (
    centred_matrix,
    column_means,
    fit_pca,
    participant_counts,
    project_comments,
    project_participants,
)
from .warm import EngineState, KSmoother, warm_kmeans

Progress = Callable[[str, float], None]


class TooFewVotes(ValueError):
    """The conversation has too few votes or participants to be analysed yet (status "too_few_votes")."""


@dataclass(frozen=True)
class EngineOptions:
    seed: int = 0
    k_min: int = 2
    k_max: int = 5
    k: int | None = None  # force this number of groups (None: choose by silhouette)
    base_k: int = 100
    base_iters: int = 100  # Pol.is: at most base_iters + 1 Lloyd steps
    group_iters: int = 20  # Pol.is: at most group_iters + 1 Lloyd steps
    min_votes: int = 7  # in-conv threshold is min(min_votes, n_statements)
    greedy_fill: int = 15  # top voters added until this many are in-conv
    bridging: bool = True  # fit the matrix-factorisation bridging model (the analysis's bridging step)

    def __post_init__(self) -> None:
        def need(ok: bool, msg: str) -> None:
            if not ok:
                raise ValueError(f"invalid engine option: {msg}")

        for name in ("seed", "k_min", "k_max", "base_k", "base_iters", "group_iters", "min_votes", "greedy_fill"):
            value = getattr(self, name)
            need(isinstance(value, int) and not isinstance(value, bool), f"{name} must be an integer, got {value!r}")
        need(self.k_min >= 2, f"k_min must be at least 2 (got {self.k_min})")
        need(self.k_max >= self.k_min, f"k_max ({self.k_max}) must be >= k_min ({self.k_min})")
        need(self.base_k >= 2, f"base_k must be at least 2 (got {self.base_k}); Pol.is uses 100")
        need(self.base_k >= self.k_max, f"base_k ({self.base_k}) must be >= k_max ({self.k_max})")
        need(self.base_iters >= 0 and self.group_iters >= 0, "base_iters and group_iters must be >= 0")
        need(self.min_votes >= 1, f"min_votes must be at least 1 (got {self.min_votes}); Pol.is uses 7")
        need(self.greedy_fill >= 0, f"greedy_fill must be >= 0 (got {self.greedy_fill}); Pol.is uses 15")
        if self.k is not None:
            need(isinstance(self.k, int) and not isinstance(self.k, bool), f"k must be an integer or None, got {self.k!r}")
            need(self.k >= 2, f"k must be at least 2 when forced (got {self.k})")
            need(self.k <= self.base_k, f"k ({self.k}) must be <= base_k ({self.base_k})")
        need(isinstance(self.bridging, bool), "bridging must be True or False")


@dataclass
class EngineResult:
    options: EngineOptions
    n_statements_voted: int  # n_cmts: statements with at least one vote (moderated-out ones included)
    votes_per_participant: np.ndarray  # int[n_rows], raw cells (passes and moderated-out included)
    in_conv: np.ndarray  # bool[n_rows]
    proj: np.ndarray  # float[n_rows, 2], sparsity-aware participant projection (all participants)
    pca_center: np.ndarray  # float[n_cols]
    pca_comps: np.ndarray  # float[2, n_cols]
    explained_variance: np.ndarray  # float[2]
    explained_variance_ratio: np.ndarray  # float[2]
    comment_proj: np.ndarray  # float[n_cols, 2]
    extremity: np.ndarray  # float[n_cols]
    base_labels: np.ndarray  # int[n_rows], base cluster per row, -1 = not in-conv
    base_centers: np.ndarray  # float[n_base, 2]
    base_sizes: np.ndarray  # int[n_base]
    group_of_base: np.ndarray  # int[n_base]
    group_labels: np.ndarray  # int[n_rows], -1 = not grouped
    group_centers: np.ndarray  # float[k, 2], member-weighted
    k: int
    silhouette: dict[int, float]
    timings: dict[str, float] = field(default_factory=dict)
    state: EngineState | None = None  # what the next analysis can warm-start from
    best_k: int | None = None  # the k with the best silhouette now (k is the smoothed one with history)


def _check_inputs(m: VoteMatrix, mod_out: np.ndarray | None) -> np.ndarray:
    if not isinstance(m, VoteMatrix):
        raise TypeError(f"analyze_matrix needs a VoteMatrix, got {type(m).__name__}")
    if mod_out is None:
        return np.zeros(m.n_cols, dtype=bool)
    mod = np.asarray(mod_out)
    if mod.shape != (m.n_cols,) or mod.dtype != bool:
        raise ValueError(
            f"mod_out must be a boolean array with one entry per statement ({m.n_cols}); "
            f"got shape {mod.shape}, dtype {mod.dtype}"
        )
    return mod


def analyze_matrix(
    m: VoteMatrix,
    mod_out: np.ndarray | None = None,
    options: EngineOptions | None = None,
    progress: Progress | None = None,
    *,
    history: EngineState | None = None,
) -> EngineResult:
    """In-conv, the map and the groups of one conversation. Raises TooFewVotes when there is nothing to
    cluster. `progress(stage, fraction)` after "matrix", "pca" and "cluster" (1.0).

    `history`: the state of the previous analysis of the same conversation (rows kept in place, new
    participants appended), to update it as Pol.is does; None for a cold start.
    """
    opts = options or EngineOptions()
    mod_out = _check_inputs(m, mod_out)
    timings: dict[str, float] = {}
    t_all = t = time.perf_counter()

    def tick(stage: str, fraction: float) -> None:
        nonlocal t
        now = time.perf_counter()
        timings[f"{stage}_s"] = timings.get(f"{stage}_s", 0.0) + now - t
        t = now
        if progress is not None:
            progress(stage, fraction)

    if m.n_votes == 0:
        raise TooFewVotes("nobody has voted yet: an analysis needs votes from at least two participants")
    cells = m.cells  # builds the CSR once; everything below reuses its index arrays
    col_seen = np.bincount(cells.indices, minlength=m.n_cols) > 0
    n_cmts = int(col_seen.sum())
    live = col_seen & ~mod_out
    if live.sum() < 2:
        raise TooFewVotes(
            f"only {int(live.sum())} statement(s) that are not moderated out have votes; "
            "an analysis needs votes on at least two"
        )
    raw_counts = np.diff(cells.indptr).astype(np.int64)
    prior = history.prior_in_conv(m.n_rows) if history is not None else None
    in_conv = in_conversation(raw_counts, n_cmts, min_votes=opts.min_votes, greedy_fill=opts.greedy_fill,
                              prior=prior)
    center = column_means(m, mod_out)
    xc = centred_matrix(m, center, mod_out)
    tick("matrix", 0.2)

    start = history.pca_comps if history is not None else None
    pca = fit_pca(m, mod_out, seed=opts.seed, center=center, xc=xc, start=start)
    n_votes = participant_counts(m, mod_out)
    proj = project_participants(xc, pca.comps, n_votes, n_cmts)
    comment_proj, extremity = project_comments(pca.center, pca.comps, n_cmts)
    del xc
    tick("pca", 0.6)

    members = np.flatnonzero(in_conv)
    if len(members) < 2:
        raise TooFewVotes(
            f"only {len(members)} participant(s) voted on at least {min(opts.min_votes, n_cmts)} statements; "
            "groups need at least two"
        )
    # k-means sees the map rounded to 1e-12: positions equal in exact arithmetic are then equal in floating
    # point too, so a participant exactly between two centres is settled the same way whatever the order of
    # the statements (the PCA's sums run in column order and differ in the 16th digit otherwise)
    base, base_state = warm_kmeans(np.round(proj[members], 12), members, opts.base_k, history.base if history else None,
                                 max_iters=opts.base_iters)
    n_base = len(base.centers)
    if n_base < 2:
        raise TooFewVotes(
            f"the {len(members)} participant(s) in the conversation all sit at the same place on the map "
            "(they voted alike or on too little); groups need at least two different voting patterns"
        )
    ks = [min(opts.k, n_base)] if opts.k is not None else cl.k_range(n_base, opts.k_min, opts.k_max)
    runs, group_state = {}, {}
    for kk in ks:
        previous = history.groups.get(kk) if history is not None else None
        runs[kk], group_state[kk] = warm_kmeans(base.centers, base_state.ids, kk, previous, weights=base.weights,
                                                max_iters=opts.group_iters)
    dist = cl.pairwise(base.centers)
    scores = {k: cl.silhouette(base.centers, r.labels, dist) for k, r in runs.items()}
    best_k = ks[0] if len(ks) == 1 else cl.choose_k(scores)
    if history is not None and opts.k is None:
        smoother = history.smoother.update(best_k, ks)
    else:
        smoother = KSmoother(best_k, 1, best_k)
    k_sel = smoother.shown if smoother.shown is not None else best_k
    grp = runs[k_sel]
    k = len(grp.centers)  # can be below k_sel if a group emptied during k-means (Pol.is drops it)
    base_labels = np.full(m.n_rows, -1, dtype=np.int64)
    base_labels[members] = base.labels
    group_labels = np.full(m.n_rows, -1, dtype=np.int64)
    group_labels[members] = grp.labels[base.labels]
    tick("cluster", 1.0)

    result = EngineResult(
        options=opts,
        n_statements_voted=n_cmts,
        votes_per_participant=raw_counts,
        in_conv=in_conv,
        proj=proj,
        pca_center=pca.center,
        pca_comps=pca.comps,
        explained_variance=pca.explained_variance,
        explained_variance_ratio=pca.explained_variance_ratio,
        comment_proj=comment_proj,
        extremity=extremity,
        base_labels=base_labels,
        base_centers=base.centers,
        base_sizes=np.rint(base.weights).astype(np.int64),
        group_of_base=grp.labels.astype(np.int64),
        group_labels=group_labels,
        group_centers=grp.centers,
        k=k,
        silhouette=scores,
        timings=timings,
        state=EngineState(in_conv=in_conv, base=base_state, groups=group_state, smoother=smoother,
                          updates=(history.updates if history is not None else 0) + 1),
        best_k=best_k,
    )
    timings["total_s"] = time.perf_counter() - t_all
    return result
