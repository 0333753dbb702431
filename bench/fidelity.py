"""Fidelity of the engine to Pol.is on the shared openData conversations, plus an optional scale run.

    .venv/bin/python bench/fidelity.py                      # every conversation under ../shared/data/polis
    .venv/bin/python bench/fidelity.py --synthetic 100000x5000   # also time a simulated conversation

For each conversation: participants, statements, votes, Pol.is's grouped count, our k vs Pol.is's k, the
adjusted Rand index of our groups vs Pol.is `group-id` over the participants Pol.is grouped (our
"not grouped" counts as one more label), and the engine time (best of 3) with its ratio to a naive dense
baseline timed in the same run (dense mean-imputed matrix + numpy SVD, no clustering at all).
Conversations held from 2019 on are the parity target of a cold start (docs/departures.md).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table
from sklearn.metrics import adjusted_rand_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.engine._polis import load_export  # noqa: E402  (private openData reader of the engine tests)

from voxpop.engine.pipeline import EngineOptions, analyze_matrix  # noqa: E402

SHARED = Path(os.environ.get("VOXPOP_SHARED", ROOT.parent / "shared"))


def best_of(n: int, fn):
    best, out = np.inf, None
    for _ in range(n):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def dense_baseline(m, mod_out) -> None:
    d = np.full((m.n_rows, m.n_cols), np.nan)
    d[m.rows, m.cols] = m.vals
    d[:, mod_out] = 0.0
    mean = np.nan_to_num(np.nanmean(d, axis=0))
    x = np.where(np.isnan(d), mean, d) - mean
    np.linalg.svd(x, full_matrices=False)


def real(console: Console, repeats: int) -> None:
    table = Table(title="voxpop engine vs Pol.is group-id (cold start)")
    for col in ("conversation", "era", "ptpts", "cmts", "votes", "Pol.is grouped", "our k", "Pol.is k", "ARI",
                "engine s", "÷ dense-SVD-only s"):
        table.add_column(col, justify="left" if col in ("conversation", "era") else "right")
    folders = sorted(p for p in (SHARED / "data" / "polis").iterdir() if p.is_dir())
    recent = []
    for folder in folders:
        e = load_export(folder)
        opts = EngineOptions(bridging=False)
        secs, res = best_of(repeats, lambda e=e, opts=opts: analyze_matrix(e.matrix, e.mod_out, opts))
        base, _ = best_of(repeats, lambda e=e: dense_baseline(e.matrix, e.mod_out))
        grouped = e.group >= 0
        ari = adjusted_rand_score(e.group[grouped], res.group_labels[grouped])
        if e.recent:
            recent.append(ari)
        table.add_row(
            e.name, "2019+" if e.recent else "older", f"{e.matrix.n_rows:,}", f"{e.matrix.n_cols:,}",
            f"{e.matrix.n_votes:,}", f"{int(grouped.sum()):,}", str(res.k), str(e.polis_k), f"{ari:.3f}",
            f"{secs:.3f}", f"{secs / base:.2f}",
        )
    console.print(table)
    if recent:
        console.print(f"median ARI over 2019+ conversations: {np.median(recent):.3f} (n={len(recent)})")


def synthetic(spec: str, console: Console) -> None:
    """A quick simulated conversation: 3 latent camps, ~50 votes per participant, 25 % noise, 12 % passes."""
    from voxpop.engine.matrix import from_vote_log

    n_p, n_s = (int(x) for x in spec.lower().split("x"))
    rng = np.random.default_rng(1)
    t = time.perf_counter()
    camp = rng.choice(3, size=n_p, p=[0.5, 0.3, 0.2])
    stance = rng.choice(np.array([-1, 1], np.int8), size=(3, n_s))
    stance[:, : int(0.3 * n_s)] = stance[0, : int(0.3 * n_s)]
    per = rng.integers(25, 75, size=n_p)
    rows = np.repeat(np.arange(n_p, dtype=np.int32), per)
    cols = rng.integers(0, n_s, size=len(rows)).astype(np.int32)
    vals = stance[camp[rows], cols]
    flip = rng.random(len(rows)) < 0.25
    vals[flip] = -vals[flip]
    vals[rng.random(len(rows)) < 0.12] = 0
    console.print(f"generated {n_p:,} × {n_s:,}, {len(vals):,} votes in {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    m = from_vote_log(rows, cols, vals, n_participants=n_p, n_statements=n_s)
    matrix_s = time.perf_counter() - t
    del rows, cols, vals
    mod = np.zeros(n_s, bool)
    mod[: max(1, n_s // 50)] = True
    t = time.perf_counter()
    res = analyze_matrix(m, mod, EngineOptions())
    total = time.perf_counter() - t
    grouped = res.group_labels >= 0
    ari = adjusted_rand_score(camp[grouped], res.group_labels[grouped])
    stages = ", ".join(f"{k} {v:.1f}" for k, v in res.timings.items())
    console.print(f"from_vote_log {matrix_s:.1f} s; analyze_matrix {total:.1f} s ({stages}); "
                  f"k={res.k}, ARI vs latent camps {ari:.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--synthetic", metavar="PxM", help="also time a simulated conversation, e.g. 100000x5000")
    args = ap.parse_args()
    console = Console(width=None if sys.stdout.isatty() else 160)
    if (SHARED / "data" / "polis").is_dir():
        real(console, args.repeats)
    else:
        console.print(f"[yellow]no shared Pol.is data at {SHARED / 'data' / 'polis'} (set VOXPOP_SHARED)")
    if args.synthetic:
        synthetic(args.synthetic, console)


if __name__ == "__main__":
    main()
