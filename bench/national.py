"""A national-size conversation in PostgreSQL: the worker's load and analysis against `voxpop analyze`.

    .venv/bin/python bench/national.py [--participants 50000] [--statements 500] [--votes-each 50]
                                       [--db-url postgresql+psycopg://...] [--keep]

Creates a conversation of --participants participants who each vote on --votes-each of --statements
statements (three opinion groups plus noise; cast in a random order) in a new database on the PostgreSQL
cluster of $VOXPOP_TEST_PG_ADMIN_URL, else a throwaway cluster (or --db-url, an empty database), filling the
participants and votes tables with COPY (the current votes only: the vote_events history is not filled; the
worker does not read it). It then runs, each in its own process, timed by wall clock (Python start-up and
imports included) with its peak resident memory (VmHWM, reported by the child):

  load     the worker's load of the votes (voxpop.store.load.load_conversation: slices of the table or packed blocks into numpy)
  old load the loader before #16 (fetchall of Python tuples, then numpy), for comparison (--skip-old-load)
  worker   the worker's job as `voxpop worker` runs it (run_analysis(..., incremental=True)): the first, full
           analysis (load, analyse, store the document), timed from the process's spawn; then --new-votes votes
           (10,000) are cast through the vote service (services.votes.apply_votes, half by new participants),
           the same process refreshes from its kept snapshot (voxpop.services.snapshots: reads only the new
           votes), and then re-analyses everything again (the comparison)
  cli      `voxpop analyze votes.csv --statements statements.csv` on the same current votes exported to CSV
           by PostgreSQL (participant, statement, vote, timestamp) -- the baseline

and prints each figure with its ratio to the baseline (issue #16's target: worker <= 1.5x the CLI's time,
under 8 GB at 1M participants; the refresh under 15 s). The real thing is `--participants 1000000 --statements 2000` (about 50M
votes: tens of GB of disk, minutes to fill). The database is dropped at the end unless --keep. `--fill-only` fills and keeps it and prints the
arguments (`--db-url URL --conversation ID`) that measure it again without filling (each run adds its new votes).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))  # tests.support (pgtemp)

CHUNK = 1_000_000  # votes per COPY chunk


def fill(url: str, participants: int, statements: int, votes_each: int, seed: int = 0) -> str:
    """Create the conversation; returns its id."""
    from voxpop.services import conversations
    from voxpop.services import statements as stmts
    from voxpop.store.db import get_database

    db = get_database(url)
    with db.write() as s:
        cid = conversations.create_conversation(s, topic="National bench").id
        stmts.add_statements(s, cid, [f"National bench statement number {i}" for i in range(statements)])
    rng = np.random.default_rng(seed)
    k = min(votes_each, statements)
    total = participants * k
    now = int(time.time() * 1000) - total - 3_600_000  # one vote a millisecond, all in the past
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        # a bulk load: the two secondary indexes of votes are built once at the end (a sort), not kept up to
        # date row by row during the COPY (random inserts into a 2 GB index)
        # nor are the foreign keys checked row by row (150M checks, each locking a participant row): the rows
        # are made consistent here. Needs a superuser (as the test cluster's postgres is); else checked.
        try:
            cur.execute("SET session_replication_role = replica")
        except Exception:
            raw.rollback()
        cur.execute("DROP INDEX IF EXISTS ix_votes_conv_stmt")
        cur.execute("DROP INDEX IF EXISTS ix_votes_conv_event")
        with cur.copy("COPY participants (conversation_id, xid, created_ms) FROM STDIN") as cp:
            for start in range(0, participants, CHUNK):
                stop = min(start + CHUNK, participants)
                cp.write("".join(f"{cid}\tn{i}\t{now}\n" for i in range(start, stop)))
        cur.execute("SELECT id FROM participants WHERE conversation_id = %s ORDER BY id", (cid,))
        ppk = np.array([r[0] for r in cur.fetchall()], dtype=np.int64)
        cur.execute("SELECT id FROM statements WHERE conversation_id = %s ORDER BY tid", (cid,))
        spk = np.array([r[0] for r in cur.fetchall()], dtype=np.int64)
        stance = rng.choice([-1, 1], size=(3, statements))  # what each opinion group thinks
        order = rng.permutation(total)  # the order votes were cast in (event_id)
        with cur.copy("COPY votes (participant_id, statement_id, conversation_id, vote, event_id, updated_ms) "
                      "FROM STDIN") as cp:
            for start in range(0, participants, max(1, CHUNK // k)):
                stop = min(start + max(1, CHUNK // k), participants)
                n = stop - start
                cols = np.argsort(rng.random((n, statements)), axis=1)[:, :k]  # k distinct statements each
                group = np.arange(start, stop) % 3
                v = stance[group[:, None], cols]
                noise = rng.random((n, k))
                v = np.where(noise < 0.15, 0, np.where(noise < 0.3, -v, v)).ravel()
                ev = order[start * k:stop * k]
                p = np.repeat(ppk[start:stop], k)
                cp.write("".join(f"{pp}\t{ss}\t{cid}\t{vv}\t{ee + 1}\t{now + ee}\n" for pp, ss, vv, ee in
                                 zip(p.tolist(), spk[cols.ravel()].tolist(), v.tolist(), ev.tolist(), strict=True)))
        cur.execute("SET session_replication_role = DEFAULT")
        cur.execute("CREATE INDEX ix_votes_conv_stmt ON votes (conversation_id, statement_id)")
        cur.execute("CREATE INDEX ix_votes_conv_event ON votes (conversation_id, event_id)")
        cur.execute("SELECT setval(pg_get_serial_sequence('vote_events', 'id'), %s)", (total + 1,))
        cur.execute("ANALYZE votes")
        cur.execute("ANALYZE participants")
        raw.commit()
    finally:
        raw.close()
    db.engine.dispose()
    return cid


def export_csv(url: str, cid: str, folder: Path) -> Path:
    """The conversation's current votes as a plain votes CSV (and statements.csv) written by PostgreSQL."""
    from sqlalchemy import create_engine

    eng = create_engine(url)
    raw = eng.raw_connection()
    try:
        cur = raw.cursor()
        with open(folder / "votes.csv", "wb") as f, cur.copy(
                "COPY (SELECT v.participant_id AS participant, s.tid AS statement, v.vote, v.updated_ms AS timestamp "
                "FROM votes v JOIN statements s ON s.id = v.statement_id WHERE v.conversation_id = %s "
                "ORDER BY v.event_id) TO STDOUT (FORMAT CSV, HEADER)", (cid,)) as cp:
            for chunk in cp:
                f.write(chunk)
        with open(folder / "statements.csv", "wb") as f, cur.copy(
                "COPY (SELECT tid AS statement, text FROM statements WHERE conversation_id = %s ORDER BY tid) "
                "TO STDOUT (FORMAT CSV, HEADER)", (cid,)) as cp:
            for chunk in cp:
                f.write(chunk)
    finally:
        raw.close()
    eng.dispose()
    return folder / "votes.csv"


# each child reports its own peak resident memory (VmHWM) as it exits: ru_maxrss from wait4 would
# include this parent's size at fork time
PEAK = """
import atexit
atexit.register(lambda: print("VmHWM", open("/proc/self/status").read().split("VmHWM:")[1].split()[0], flush=True))
"""

CLI = PEAK + """
import runpy, sys
sys.argv = ["voxpop", *sys.argv[1:]]
runpy.run_module("voxpop.cli", run_name="__main__")
"""

LOAD = PEAK + """
import sys, time
from voxpop.store.db import get_database
from voxpop.store.load import load_conversation
db = get_database(sys.argv[1], migrate=False)
t = time.perf_counter()
with db.read() as s:
    conv = load_conversation(s, sys.argv[2])
print(f"{time.perf_counter() - t:.2f}s in-process, {conv.n_votes} votes")
"""

OLD_LOAD = PEAK + """
import sys, time
import numpy as np
from voxpop.store.db import get_database
db = get_database(sys.argv[1], migrate=False)
t = time.perf_counter()
with db.read() as s:
    cur = s.connection().connection.cursor()
    cur.execute("SELECT participant_id, statement_id, vote, updated_ms FROM votes WHERE conversation_id = %s "
                "ORDER BY event_id", (sys.argv[2],))
    arr = np.array(cur.fetchall(), dtype=np.int64)
print(f"{time.perf_counter() - t:.2f}s in-process, {len(arr)} votes")
"""

# the worker as it runs: a full analysis (nothing kept yet), then NEW votes cast through the vote service
# (existing and new participants), then the refresh from the kept snapshot, then a full re-analysis of the same
# votes for comparison. Times are from the parent's spawn (argv[4]) for the first analysis, in-process after.
REFRESH = PEAK + """
import json, sys, time
t_spawn = float(sys.argv[4])
import numpy as np
from voxpop.services.analyses import run_analysis
from voxpop.services.votes import VoteRequest, apply_votes
from voxpop.store.db import get_database
db = get_database(sys.argv[1], migrate=False)
cid, n_new = sys.argv[2], int(sys.argv[3])
out = {}
doc = run_analysis(db, cid, incremental=True)
out["first_s"] = time.time() - t_spawn
out["first_kib"] = int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0])
out["status"] = doc["meta"].get("status")
rng = np.random.default_rng(1)
people = doc["participants"]
pids = [int(p["id"]) for p in people[:: max(1, len(people) // 2000)]]
n_statements = len(doc["statements"])
del doc, people
reqs = []
for i in range(n_new):  # half by known participants, half by new ones (20 votes each)
    tid, vote = int(rng.integers(n_statements)), int(rng.choice([-1, 0, 1]))
    if i % 2:
        reqs.append(VoteRequest(cid, pids[i % len(pids)], tid, vote))
    else:
        reqs.append(VoteRequest(cid, None, tid, vote, who=("xid", f"bench-{time.time_ns() // 10**9}-{i // 40}")))
t = time.perf_counter()
for start in range(0, len(reqs), 500):
    with db.write() as s:
        apply_votes(s, reqs[start:start + 500])
out["cast_s"] = time.perf_counter() - t
t = time.perf_counter()
doc = run_analysis(db, cid, incremental=True)
out["refresh_s"] = time.perf_counter() - t
out["snapshot"] = doc["meta"]["options"].get("snapshot")
out["refresh_timings"] = doc["meta"].get("timings")
del doc
t = time.perf_counter()
run_analysis(db, cid)
out["full_again_s"] = time.perf_counter() - t
print(json.dumps(out))
"""


def measure(cmd: list[str]) -> tuple[float, float, str]:
    """(wall seconds, peak resident MiB, last line of output) of one child process."""
    t = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
    wall = time.perf_counter() - t
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd[:3])} failed ({proc.returncode}):\n{proc.stdout[-2000:]}")
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip() and not ln.startswith("VmHWM")]
    peak = [int(ln.split()[1]) for ln in proc.stdout.splitlines() if ln.startswith("VmHWM")]
    return wall, peak[-1] / 1024 if peak else float("nan"), lines[-1] if lines else ""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--participants", type=int, default=50_000)
    ap.add_argument("--statements", type=int, default=500)
    ap.add_argument("--votes-each", type=int, default=50)
    ap.add_argument("--db-url", help="an empty PostgreSQL database (default: a new one on the test cluster)")
    ap.add_argument("--keep", action="store_true", help="keep the database (its URL is printed)")
    ap.add_argument("--fill-only", action="store_true", help="fill, keep the database, print its URL and conversation")
    ap.add_argument("--conversation", help="measure this conversation of --db-url (filled before by --fill-only)")
    ap.add_argument("--new-votes", type=int, default=10_000, help="votes cast before the refresh (default 10,000)")
    ap.add_argument("--skip-old-load", action="store_true",
                    help="skip the pre-#16 row loader (it needs ~340 bytes a vote: 16+ GB at 50M votes)")
    args = ap.parse_args()
    if args.conversation and not args.db_url:
        ap.error("--conversation needs --db-url (the database it is in)")
    args.keep = args.keep or args.fill_only or bool(args.db_url)
    from sqlalchemy import create_engine, text
    from tests.support import pgtemp

    admin = None
    url = args.db_url
    if url is None:
        admin = pgtemp.shared_admin_url()
        url = pgtemp.create_database(admin, prefix="voxpop_national_i16a")
    try:
        if args.conversation:
            cid = args.conversation
        else:
            t = time.perf_counter()
            cid = fill(url, args.participants, args.statements, args.votes_each)
            n_votes = args.participants * min(args.votes_each, args.statements)
            print(f"filled {args.participants:,} participants x {args.statements:,} statements, {n_votes:,} votes "
                  f"by COPY in {time.perf_counter() - t:.1f}s ({url.rsplit('/', 1)[-1]}, {os.cpu_count()} CPUs, "
                  f"load average {os.getloadavg()[0]:.1f})", flush=True)
        if args.fill_only:
            print(f"--db-url {url} --conversation {cid}")
            return
        with tempfile.TemporaryDirectory() as tmp:
            votes_csv = export_csv(url, cid, Path(tmp))
            print(f"exported {votes_csv.stat().st_size / 2**20:.0f} MiB of votes CSV")
            py = sys.executable
            rows = [("cli (baseline)", measure([py, "-c", CLI, "analyze", str(votes_csv), "--statements",
                                                str(Path(tmp) / "statements.csv"), "--json", str(Path(tmp) / "a.json"),
                                                "--quiet"])),
                    ("worker load", measure([py, "-c", LOAD, url, cid]))]
            if not args.skip_old_load:
                rows.append(("old load (rows)", measure([py, "-c", OLD_LOAD, url, cid])))
            refresh = measure([py, "-c", REFRESH, url, cid, str(args.new_votes), repr(time.time())])
        got = json.loads(refresh[2])
        rows.append(("worker analysis", (got["first_s"], got["first_kib"] / 1024,
                                         f"first full analysis (from spawn, stored), status {got['status']}")))
        base_s, base_mib = rows[0][1][0], rows[0][1][1]
        print(f"\n{'step':<18}{'wall s':>9}{'x cli':>8}{'peak MiB':>10}{'x cli':>8}  note")
        for name, (wall, mib, note) in rows:
            print(f"{name:<18}{wall:>9.1f}{wall / base_s:>8.2f}{mib:>10.0f}{mib / base_mib:>8.2f}  {note}")
        print(f"\nthen {args.new_votes:,} new votes through the vote service ({got['cast_s']:.1f}s), and in the same "
              f"worker process:\n  refresh from the kept snapshot  {got['refresh_s']:6.1f}s  (read "
              f"{got['snapshot']['votes_read']:,} votes: {got['snapshot']['loaded']})\n"
              f"  full re-analysis, same votes    {got['full_again_s']:6.1f}s  (refresh = "
              f"{got['refresh_s'] / got['full_again_s']:.2f}x; target: refresh under 15 s)\n"
              f"  peak of that process, all three {refresh[1]:6.0f} MiB\n  refresh timings: {got['refresh_timings']}")
        print(f"\nload average after: {os.getloadavg()[0]:.1f} (a loaded machine makes every figure slower)")
    finally:
        if admin is not None and not args.keep:
            eng = create_engine(admin, isolation_level="AUTOCOMMIT")
            with eng.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[-1]}" WITH (FORCE)'))
            eng.dispose()
        elif args.keep:
            print(f"kept {url}")


if __name__ == "__main__":
    main()
