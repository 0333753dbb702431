"""voxpop as a plug-in peer for ../shared/bench/reddwarf_bench.py (`--peer voxpop_peer:run_peer`).

Contract (shared/docs/reddwarf-bench.md): run_peer(data, *, n_groups=None, seed=0) -> (labels, info),
labels int64[P] with -1 for "not clustered". The harness must run under a Python that has voxpop
installed (bench/speed.py runs it with voxpop's .venv and PYTHONPATH=bench).
"""

from __future__ import annotations

import time

import numpy as np

from voxpop.analysis.run import one_blas_thread
from voxpop.engine.bridging import fit_bridging
from voxpop.engine.consensus import consensus, group_informed_consensus
from voxpop.engine.divisive import divisiveness
from voxpop.engine.matrix import VoteMatrix
from voxpop.engine.pipeline import EngineOptions, analyze_matrix
from voxpop.engine.repness import group_repness
from voxpop.engine.stats import vote_counts


def _run(data, n_groups, seed, bridging: bool):
    t0 = time.perf_counter()
    m = VoteMatrix(rows=np.asarray(data.rows, dtype=np.int32), cols=np.asarray(data.cols, dtype=np.int32),
                   vals=np.asarray(data.vals, dtype=np.int8), n_rows=int(data.n_participants),
                   n_cols=int(data.n_comments))
    mod_out = np.isin(np.asarray(data.comment_ids), np.asarray(list(data.mod_out_comment_ids), dtype=np.int64))
    t1 = time.perf_counter()
    with one_blas_thread():  # as `voxpop analyze` runs it: no spin-waiting second BLAS thread
        res = analyze_matrix(m, mod_out, EngineOptions(seed=seed, k=n_groups, bridging=bridging))
        stages = _statistics(m, mod_out, res.group_labels, res.k, seed, bridging)
    labels = np.asarray(res.group_labels, dtype=np.int64)
    return labels, {"adapt_s": t1 - t0, "k": int(res.k), "n_clustered": int((labels >= 0).sum()),
                    "stages_s": {k: round(v, 4) for k, v in (res.timings | stages).items()}}


def _statistics(m, mod_out, labels, k, seed, bridging: bool) -> dict[str, float]:
    """What the analysis steps compute on top of the groups (voxpop.analysis.steps: statistics, divisive,
    bridging), without building the document."""
    t = time.perf_counter()
    vote_counts(m, labels, k)
    group_repness(m, labels, k, mod_out)
    consensus(m, mod_out)
    group_informed_consensus(m, labels, k)
    divisiveness(m, labels, k)
    t1 = time.perf_counter()
    if bridging:
        fit_bridging(m, seed=seed)
    return {"stats_s": t1 - t, "bridging_s": time.perf_counter() - t1}


def run_peer(data, *, n_groups=None, seed=0):
    """The whole engine: PCA, in-conv, base + group clusters, repness, consensus, divisiveness, bridging."""
    return _run(data, n_groups, seed, bridging=True)


def run_peer_no_bridging(data, *, n_groups=None, seed=0):
    """Same without the bridging matrix factorisation (red-dwarf computes no bridging)."""
    return _run(data, n_groups, seed, bridging=False)
