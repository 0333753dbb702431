"""voxpop as a plug-in peer for ../shared/bench/reddwarf_bench.py (`--peer voxpop_peer:run_peer`).

Contract (shared/docs/reddwarf-bench.md): run_peer(data, *, n_groups=None, seed=0) -> (labels, info),
labels int64[P] with -1 for "not clustered". The harness must run under a Python that has voxpop
installed (bench/speed.py runs it with voxpop's .venv and PYTHONPATH=bench).
"""

from __future__ import annotations

import time

import numpy as np

from voxpop.analysis.run import one_blas_thread
from voxpop.engine.matrix import VoteMatrix
from voxpop.engine.pipeline import EngineOptions, analyze_matrix


def _run(data, n_groups, seed, bridging: bool):
    t0 = time.perf_counter()
    m = VoteMatrix(rows=np.asarray(data.rows, dtype=np.int32), cols=np.asarray(data.cols, dtype=np.int32),
                   vals=np.asarray(data.vals, dtype=np.int8), n_rows=int(data.n_participants),
                   n_cols=int(data.n_comments))
    mod_out = np.isin(np.asarray(data.comment_ids), np.asarray(list(data.mod_out_comment_ids), dtype=np.int64))
    t1 = time.perf_counter()
    with one_blas_thread():  # as `voxpop analyze` runs it: no spin-waiting second BLAS thread
        res = analyze_matrix(m, mod_out, EngineOptions(seed=seed, k=n_groups, bridging=bridging))
    labels = np.asarray(res.group_labels, dtype=np.int64)
    return labels, {"adapt_s": t1 - t0, "k": int(res.k), "n_clustered": int((labels >= 0).sum()),
                    "stages_s": {k: round(v, 4) for k, v in res.timings.items()}}


def run_peer(data, *, n_groups=None, seed=0):
    """The whole engine: PCA, in-conv, base + group clusters, repness, consensus, divisiveness, bridging."""
    return _run(data, n_groups, seed, bridging=True)


def run_peer_no_bridging(data, *, n_groups=None, seed=0):
    """Same without the bridging matrix factorisation (red-dwarf computes no bridging)."""
    return _run(data, n_groups, seed, bridging=False)
