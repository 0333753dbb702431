"""The whole analysis (`voxpop.analysis.run.analyze`: the engine, every analysis step, the document) on the
shared Pol.is conversations, against the engine's core alone (in-conv, PCA, groups) timed in the same run.

    .venv/bin/python bench/analysis_steps.py              # every conversation under ../shared/data/polis
    .venv/bin/python bench/analysis_steps.py --repeats 5 --synthetic 20000x1000   # + a simulated conversation

Per conversation: participants, statements, votes, the best of --repeats for the core and for the whole
analysis, their ratio, and the document's own timings (meta.timings) of the fastest whole run. What the
ratio measures: what the statistics, bridging, divisive, common-ground steps and the document cost on top
of the groups. Conditions: one BLAS thread (as `voxpop analyze` runs), no places, a cold start; `--clock cpu` times
this process's CPU time instead of wall time (the meta.timings columns stay wall time).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from voxpop.analysis.run import analyze, excluded_mask, one_blas_thread, vote_matrix  # noqa: E402
from voxpop.engine.pipeline import EngineOptions, analyze_matrix  # noqa: E402
from voxpop.io import read_conversation  # noqa: E402

SHARED = Path(os.environ.get("VOXPOP_SHARED", ROOT.parent / "shared"))


CLOCK = time.perf_counter


def best_of(n: int, fn):
    best, out = np.inf, None
    for _ in range(n):
        t = CLOCK()
        out = fn()
        best = min(best, CLOCK() - t)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--only", default="", help="comma-separated name prefixes of the conversations to run")
    ap.add_argument("--synthetic", metavar="PxM", help="also a simulated conversation (voxpop.simulate, 3 groups, "
                    "20-60 votes each), e.g. 20000x1000")
    ap.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                    help="wall time, or this process's CPU time (steadier on a busy machine; one BLAS thread)")
    args = ap.parse_args()
    global CLOCK
    CLOCK = time.process_time if args.clock == "cpu" else time.perf_counter
    folders = sorted(p for p in (SHARED / "data" / "polis").iterdir() if p.is_dir())
    if args.only:
        folders = [f for f in folders if f.name.startswith(tuple(args.only.split(",")))]
    convs = [(f.name, read_conversation(f)) for f in folders]
    if args.synthetic:
        from voxpop.simulate import SimSpec, simulate

        n_p, n_s = (int(x) for x in args.synthetic.lower().split("x"))
        convs.append((f"simulated {n_p}x{n_s}", simulate(SimSpec(participants=n_p, statements=n_s)).to_conversation()))
    print(f"{'conversation':<45} {'ptpts':>7} {'stmts':>6} {'votes':>8} {'core s':>8} {'whole s':>8} {'ratio':>6}  "
          "steps (meta.timings)")
    total_core = total_whole = 0.0
    for name, conv in convs:
        conv.timestamp = None  # a cold start, in-conv from the votes alone (no replay of vote times)
        opts = EngineOptions()
        m, mod = vote_matrix(conv), excluded_mask(conv)
        with one_blas_thread():
            core_s, _ = best_of(args.repeats, lambda m=m, mod=mod: analyze_matrix(m, mod, EngineOptions(bridging=False)))
        whole_s, doc = best_of(args.repeats, lambda conv=conv, opts=opts: analyze(conv, options=opts))
        total_core += core_s
        total_whole += whole_s
        t = doc["meta"]["timings"]
        steps = ", ".join(f"{k[:-2]} {v:.3f}" for k, v in t.items() if k not in ("load_s", "total_s") and v)
        print(f"{name[:45]:<45} {m.n_rows:>7,} {m.n_cols:>6,} {m.n_votes:>8,} {core_s:>8.3f} {whole_s:>8.3f} "
              f"{whole_s / core_s:>6.2f}  {steps}")
    print(f"all: core {total_core:.3f} s, whole {total_whole:.3f} s, ratio {total_whole / total_core:.2f} "
          f"({args.clock} time, best of {args.repeats}; load average {', '.join(f'{x:.1f}' for x in os.getloadavg())}, "
          f"{os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
