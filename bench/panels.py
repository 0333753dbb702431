"""Invited panels: how long a draw takes with each sortition-algorithms method, and whether quotas hold.

    nice -n 10 .venv/bin/python bench/panels.py [--pool 1000] [--size 40] [--estimate-draws 200] [--exact maximin,nash]

The pool is tests/fieldwork/_pool.py's (skewed like a real volunteer pool: 4 places, 4 age bands, 2 sexes)
with quotas of a quarter per place, 20-30% per age band, half +-1 per sex. Baseline measured in the same
run: one legacy draw. Prints each method's time and its ratio to the baseline, whether every quota is met,
and the spread of the selection probabilities (exact for maximin/nash, estimated from repeated legacy draws).
One process, one core (OMP_NUM_THREADS=1); HiGHS is the solver.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fieldwork._pool import pool_csv, quotas_csv  # noqa: E402

from voxpop.fieldwork import panels as FP  # noqa: E402
from voxpop.services.conversations import create_conversation  # noqa: E402
from voxpop.store.db import Database  # noqa: E402


def one(db: Database, cid: str, args, algorithm: str, estimate: int) -> tuple[float, dict]:
    with db.write() as s:
        panel = FP.create_panel(s, cid, size=args.size, pool_csv=pool_csv(args.pool), quotas_csv=quotas_csv(args.size))
    t = time.perf_counter()
    with db.write() as s:
        out = FP.draw(s, FP.get_panel(s, cid, panel.id), algorithm=algorithm, estimate_draws=estimate)
    return time.perf_counter() - t, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pool", type=int, default=1000)
    ap.add_argument("--size", type=int, default=40)
    ap.add_argument("--estimate-draws", type=int, default=200)
    ap.add_argument("--exact", default="", help="also time these exact methods (maximin,nash); minutes on big pools")
    args = ap.parse_args()
    import sortition_algorithms.committee_generation.legacy  # noqa: F401  (imports, cvxpy's among them,
    import sortition_algorithms.committee_generation.maximin  # noqa: F401   take seconds: not part of a draw)

    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{tmp}/bench.db")
        db.upgrade()
        with db.write() as s:
            cid = create_conversation(s, topic="bench").id
        runs = [("legacy, 1 draw (baseline)", "legacy", 0),
                (f"legacy + {args.estimate_draws} draws for the probabilities", "legacy", args.estimate_draws)]
        runs += [(m, m, 0) for m in args.exact.split(",") if m.strip()]
        print(f"pool {args.pool}, panel {args.size}, quotas on place, age band and sex")
        base = None
        for label, alg, est in runs:
            secs, out = one(db, cid, args, alg, est)
            base = base or secs
            p = out["probabilities"]
            spread = f"p min {p['min']:.4f} max {p['max']:.4f}" if p else "no probabilities"
            print(f"{label:45s} {secs:8.2f} s  x{secs / base:7.1f}  quotas met: {out['all_quotas_met']}  {spread}")


if __name__ == "__main__":
    main()
