"""What checking the analysis document against its types costs (voxpop.analysis.schema), against the
analysis that made it, timed in the same run.

    .venv/bin/python bench/document_check.py                        # 100,000 participants x 100 statements
    .venv/bin/python bench/document_check.py --participants 20000 --statements 500 --repeats 3

Prints, best of --repeats: the analysis (`analyze`, one BLAS thread, no places, cold start); the check the
server and `voxpop analyze` run on every new document (`schema.validate(doc, strict_json=False)`: long
lists sampled, first and last 1,000 items); the same check over every item (`sample` = everything); and
the strict JSON encoding the store does anyway (`json.dumps(allow_nan=False)`), each as a ratio of the
analysis time.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from voxpop.analysis import schema  # noqa: E402
from voxpop.analysis.run import analyze  # noqa: E402
from voxpop.simulate import SimSpec, simulate  # noqa: E402


def best_of(n: int, fn):
    best, out = float("inf"), None
    for _ in range(n):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--participants", type=int, default=100_000)
    ap.add_argument("--statements", type=int, default=100)
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    sim = simulate(SimSpec(participants=args.participants, statements=args.statements, groups=3, votes_min=10,
                           votes_max=40, seed=1))
    conv = sim.to_conversation()
    t_analysis, doc = best_of(args.repeats, lambda: analyze(conv))
    rows = [
        ("analysis (baseline)", t_analysis),
        ("check, sampled (what runs)", best_of(args.repeats, lambda: schema.validate(doc, strict_json=False))[0]),
        ("check, every item", best_of(args.repeats, lambda: schema.validate(doc, sample=10**9,
                                                                             strict_json=False))[0]),
        ("strict JSON encoding", best_of(args.repeats, lambda: json.dumps(doc, allow_nan=False))[0]),
    ]
    print(f"{args.participants:,} participants x {args.statements:,} statements, {conv.n_votes:,} votes; "
          f"best of {args.repeats}")
    for name, t in rows:
        print(f"  {name:<28} {t:8.3f} s   {t / t_analysis:7.3f}x the analysis")


if __name__ == "__main__":
    main()
