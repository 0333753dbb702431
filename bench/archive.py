"""Moving a conversation: how long a Pol.is import, an export and an archive import take, against the
analysis of the same conversation measured in the same run (the baseline: `voxpop analyze` of the
Pol.is export folder, reading included).

    nice -n 10 .venv/bin/python bench/archive.py [--participants 10000] [--statements 200] [--postgres URL]

Prints seconds, votes per second and the ratio to the baseline for: the Pol.is export read and
analysed (baseline), imported into SQLite as a live conversation, exported from SQLite into an archive,
the archive imported into a fresh SQLite file (and into PostgreSQL with --postgres), and checks that the
imported conversation analyses into the same groups.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

from voxpop.analysis.run import analyze  # noqa: E402
from voxpop.io import read_conversation  # noqa: E402
from voxpop.services.analyses import run_analysis  # noqa: E402
from voxpop.simulate import SimSpec, simulate, write  # noqa: E402
from voxpop.store.archive import export_conversation, import_archive, import_polis  # noqa: E402
from voxpop.store.db import Database  # noqa: E402


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--participants", type=int, default=10_000)
    ap.add_argument("--statements", type=int, default=200)
    ap.add_argument("--postgres", help="also import the archive into this PostgreSQL database (URL)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "polis"
        sim = simulate(SimSpec(participants=args.participants, statements=args.statements, groups=3, seed=1))
        write(sim, folder, "polis")
        n_votes = len(sim.vote)
        print(f"conversation: {args.participants:,} participants, {args.statements} statements, {n_votes:,} votes "
              f"(simulated, seed 1); SQLite in {tmp}; OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']}")
        base_doc, base = timed(lambda: analyze(read_conversation(folder)))
        rows = [("baseline: voxpop analyze of the Pol.is folder", base)]
        src = Database(f"sqlite:///{tmp}/source.db")
        src.upgrade()
        report, t = timed(lambda: import_polis(src, folder))
        rows.append(("Pol.is folder -> live conversation (SQLite)", t))
        cid = report.conversation_id
        _, t = timed(lambda: export_conversation(src, cid, Path(tmp) / "archive"))
        rows.append(("export -> archive folder (from SQLite)", t))
        dst = Database(f"sqlite:///{tmp}/target.db")
        dst.upgrade()
        _, t = timed(lambda: import_archive(dst, Path(tmp) / "archive"))
        rows.append(("archive -> fresh SQLite", t))
        if args.postgres:
            pg = Database(args.postgres)
            pg.upgrade()
            _, t = timed(lambda: import_archive(pg, Path(tmp) / "archive", as_copy=True))
            rows.append(("archive -> PostgreSQL (as a copy)", t))
            pg.engine.dispose()
        doc, t = timed(lambda: run_analysis(dst, cid))
        rows.append(("first analysis of the imported conversation", t))
        same = [g["size"] for g in doc["groups"]] == [g["size"] for g in base_doc["groups"]]
        size = sum(p.stat().st_size for p in (Path(tmp) / "archive").iterdir())
        print(f"archive: {size / 1e6:.1f} MB; imported analysis has the baseline's groups: {same}")
        print(f"{'step':48} {'seconds':>8} {'votes/s':>10} {'x baseline':>11}")
        for name, secs in rows:
            print(f"{name:48} {secs:8.2f} {n_votes / secs:10,.0f} {secs / base:11.2f}")
        src.engine.dispose()
        dst.engine.dispose()


if __name__ == "__main__":
    main()
