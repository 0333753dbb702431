"""Fidelity of the engine to Pol.is on the shared openData conversations: cold and replayed, side by side.

    .venv/bin/python bench/fidelity.py                      # every conversation under ../shared/data/polis
    .venv/bin/python bench/fidelity.py --via-math-blob      # read them as red-dwarf-shaped API data instead
    .venv/bin/python bench/fidelity.py --synthetic 100000x5000   # also time a simulated conversation

For each conversation: participants, Pol.is's grouped count and k; then for the cold start (in-conv
replayed from the vote times) and for the full replay (`voxpop analyze --replay`: Pol.is's update steps,
each warm-started from the last): our k, the adjusted Rand index of our groups vs Pol.is's over the
participants Pol.is grouped (a participant we left out counts as one more label, i.e. as an error), how
many of those we left out, and the time. The cold engine time is the best of --repeats, with its ratio to
a naive dense baseline timed in the same run (dense mean-imputed matrix + numpy SVD, no clustering); the
replay is timed once. Conversations held from 2019 on are the parity target (docs/departures.md).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table
from sklearn.metrics import adjusted_rand_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from voxpop.analysis.run import excluded_mask, one_blas_thread, vote_matrix  # noqa: E402
from voxpop.engine.inconv import in_conversation_history  # noqa: E402
from voxpop.engine.pipeline import EngineOptions, analyze_matrix  # noqa: E402
from voxpop.engine.replay import DEFAULT_WINDOW_S, replay  # noqa: E402
from voxpop.engine.warm import EngineState  # noqa: E402
from voxpop.io import read_conversation  # noqa: E402
from voxpop.io.polis_math import write_api_folder  # noqa: E402

SHARED = Path(os.environ.get("VOXPOP_SHARED", ROOT.parent / "shared"))
RECENT = ("austria-climate.5twd2jsnkf", "ssis.land-bank-farmland", "london.youth.policing")


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


def cold(conv, m, mod, opts, window_s):
    sticky = in_conversation_history(conv.participant, conv.statement, conv.timestamp, m.n_rows,
                                     window_ms=window_s * 1000.0)
    return analyze_matrix(m, mod, opts, history=EngineState(in_conv=sticky))


def real(console: Console, repeats: int, via_math_blob: bool, window_s: float) -> None:
    table = Table(title=f"voxpop vs Pol.is group-id: cold start and replay ({window_s:g} s update steps)"
                  + (", read as math-blob API data" if via_math_blob else ""))
    for col in ("conversation", "era", "ptpts", "Pol.is grouped", "Pol.is k", "cold k", "cold ARI", "cold left out",
                "cold s", "÷ dense-SVD s", "replay k", "replay ARI", "replay left out", "steps", "replay s"):
        table.add_column(col, justify="left" if col in ("conversation", "era") else "right")
    folders = sorted(p for p in (SHARED / "data" / "polis").iterdir() if p.is_dir())
    recent: dict[str, list[float]] = {"cold": [], "replay": []}
    k_hits: dict[str, int] = {"cold": 0, "replay": 0}
    tmp = tempfile.TemporaryDirectory()
    for folder in folders:
        src = folder
        if via_math_blob:
            src = write_api_folder(folder, Path(tmp.name) / folder.name)
        conv = read_conversation(src)
        m, mod = vote_matrix(conv), excluded_mask(conv)
        ref = np.array([conv.reference_groups.get(pid, -1) for pid in conv.participant_ids])
        g = ref >= 0
        polis_k = len(set(ref[g].tolist()))
        opts = EngineOptions(bridging=False)
        with one_blas_thread():
            secs, res = best_of(repeats, lambda conv=conv, m=m, mod=mod, opts=opts: cold(conv, m, mod, opts, window_s))
            base, _ = best_of(repeats, lambda m=m, mod=mod: dense_baseline(m, mod))
            t = time.perf_counter()
            rep, info = replay(conv.participant, conv.statement, conv.vote, conv.timestamp, n_participants=m.n_rows,
                               n_statements=m.n_cols, mod_out=mod, options=opts, window_s=window_s)
            rep_s = time.perf_counter() - t
        a_cold = adjusted_rand_score(ref[g], res.group_labels[g])
        a_rep = adjusted_rand_score(ref[g], rep.group_labels[g])
        is_recent = folder.name.startswith(RECENT)
        if is_recent:
            recent["cold"].append(a_cold)
            recent["replay"].append(a_rep)
            k_hits["cold"] += res.k == polis_k
            k_hits["replay"] += rep.k == polis_k
        table.add_row(
            folder.name, "2019+" if is_recent else "older", f"{m.n_rows:,}", f"{int(g.sum()):,}", str(polis_k),
            str(res.k), f"{a_cold:.3f}", str(int((res.group_labels[g] < 0).sum())), f"{secs:.3f}",
            f"{secs / base:.2f}", str(rep.k), f"{a_rep:.3f}", str(int((rep.group_labels[g] < 0).sum())),
            f"{info.steps:,}", f"{rep_s:.1f}",
        )
    tmp.cleanup()
    console.print(table)
    n = len(recent["cold"])
    for mode in ("cold", "replay"):
        if n:
            console.print(f"2019+ conversations, {mode}: Pol.is's k on {k_hits[mode]} of {n}, "
                          f"median ARI {np.median(recent[mode]):.3f}")
    console.print(f"load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())} "
                  f"({os.cpu_count()} CPUs)")


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
    ap.add_argument("--via-math-blob", action="store_true",
                    help="read each conversation as red-dwarf-shaped API data (votes.json + math-pca2.json)")
    ap.add_argument("--window", type=float, default=DEFAULT_WINDOW_S, help="seconds of votes per update step")
    ap.add_argument("--synthetic", metavar="PxM", help="also time a simulated conversation, e.g. 100000x5000")
    args = ap.parse_args()
    console = Console(width=None if sys.stdout.isatty() else 160)
    if (SHARED / "data" / "polis").is_dir():
        real(console, args.repeats, args.via_math_blob, args.window)
    else:
        console.print(f"[yellow]no shared Pol.is data at {SHARED / 'data' / 'polis'} (set VOXPOP_SHARED)")
    if args.synthetic:
        synthetic(args.synthetic, console)


if __name__ == "__main__":
    main()
