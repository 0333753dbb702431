"""Votes at national speed on PostgreSQL: `voxpop serve --workers N` driven from many participants and many
source addresses, with the production rate limits on (and off), while a reader times the results page.

    .venv/bin/python bench/votes_national.py [--rate 5000] [--seconds 15] [--warmup 5] [--connections 100]
        [--gen-procs 2] [--workers 2] [--limits on,off] [--participants 100000] [--statements 200]
        [--votes-each 10] [--worker] [--reader-rate 10] [--admin-url postgresql+psycopg://...]

Creates a conversation of --participants participants (each with --votes-each votes already, COPY) in a
new database on the PostgreSQL of $VOXPOP_TEST_PG_ADMIN_URL (or --admin-url), computes its first analysis
(`voxpop worker --once`), then for each --limits setting starts a real `voxpop serve --workers N
--analysis off` (limits on: the production limits, nothing turned off; off: `--no-rate-limit-per-address`),
optionally a `voxpop worker` beside it (--worker: analyses refresh during the load, as in production), and:

- votes: bench/loadgen.py in --gen-procs processes, --connections keep-alive connections in all, each from
  its own source address 127.x.y.z; every vote from a random one of the --participants participants (by
  xid) on a random statement with a unique client_key. Open loop at --rate votes/s offered (latency from
  each request's scheduled time), or closed loop with --rate 0. Non-2xx answers are failures: votes/s
  counts only 2xx answers.
- reads, at the same time, in one more process: the results page /c/{cid}/results, the analysis JSON and,
  as the same-run baseline, a plain GET of the conversation's JSON, each --reader-rate times a second,
  full answers (no If-None-Match).

Prints votes/s (2xx only), failures by status, p50/p99, the readers' p50/p95 with their ratio to the
baseline, and where the CPU went: the serve processes, the PostgreSQL backends of this database, the
generator itself; the load average before and after. Issue #16's target: >= 5,000 votes/s with p99 < 50 ms
(2 serve processes, limits on) and results page p95 < 100 ms during the load. The database is dropped.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))  # tests.support (pgtemp), bench.loadgen

from bench.loadgen import Plan, address, run_plan  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def fill(url: str, participants: int, statements: int, votes_each: int, seed: int = 0) -> str:
    """The conversation (participants n0, n1, ... by xid; two opinion camps); returns its id."""
    from voxpop.services import conversations
    from voxpop.services import statements as stmts
    from voxpop.store.db import get_database

    db = get_database(url)
    with db.write() as s:
        cid = conversations.create_conversation(s, topic="National vote bench").id
        stmts.add_statements(s, cid, [f"National vote bench statement number {i}" for i in range(statements)])
    rng = np.random.default_rng(seed)
    now = int(time.time() * 1000)
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        with cur.copy("COPY participants (conversation_id, xid, created_ms) FROM STDIN") as cp:
            cp.write("".join(f"{cid}\tn{i}\t{now}\n" for i in range(participants)))
        cur.execute("SELECT id FROM participants WHERE conversation_id = %s ORDER BY id", (cid,))
        ppk = np.array([r[0] for r in cur.fetchall()], dtype=np.int64)
        cur.execute("SELECT id FROM statements WHERE conversation_id = %s ORDER BY tid", (cid,))
        spk = np.array([r[0] for r in cur.fetchall()], dtype=np.int64)
        k = min(votes_each, statements)
        cols = np.argsort(rng.random((participants, statements)), axis=1)[:, :k]
        camp = np.where(np.arange(participants) % 2 == 0, 1, -1)[:, None]
        lean = np.where(np.arange(statements) % 2 == 0, 1, -1)[cols]
        noise = rng.random((participants, k))
        v = np.where(noise < 0.15, 0, np.where(noise < 0.3, -lean * camp, lean * camp)).ravel()
        p = np.repeat(ppk, k)
        sid = spk[cols.ravel()]
        cur.execute("SELECT nextval(pg_get_serial_sequence('vote_events', 'id'))")
        first = cur.fetchone()[0]
        ev = np.arange(first, first + len(v))
        rows = list(zip(ev.tolist(), p.tolist(), sid.tolist(), v.tolist(), strict=True))
        with cur.copy("COPY vote_events (id, conversation_id, participant_id, statement_id, vote, created_ms) "
                      "FROM STDIN") as cp:
            cp.write("".join(f"{e}\t{cid}\t{pp}\t{ss}\t{vv}\t{now}\n" for e, pp, ss, vv in rows))
        with cur.copy("COPY votes (participant_id, statement_id, conversation_id, vote, event_id, updated_ms) "
                      "FROM STDIN") as cp:
            cp.write("".join(f"{pp}\t{ss}\t{cid}\t{vv}\t{e}\t{now}\n" for e, pp, ss, vv in rows))
        cur.execute("SELECT setval(pg_get_serial_sequence('vote_events', 'id'), %s)", (int(ev[-1]),))
        cur.execute("UPDATE conversations SET vote_version = %s, last_change_ms = %s, analysis_dirty_since = %s "
                    "WHERE id = %s", (len(v), now, now, cid))
        raw.commit()
        cur.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
    db.engine.dispose()
    return cid


def drop_database(admin_url: str, url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    eng = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    eng.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_ticks(pid: int) -> int:
    """utime + stime of one process (its own, not its children's), in clock ticks; 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def children(pid: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if int((d / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    out.append(int(d.name))
            except (OSError, IndexError):
                pass
    return out


def pg_backends(admin_url: str, dbname: str) -> list[int]:
    from sqlalchemy import create_engine, text

    eng = create_engine(admin_url)
    with eng.connect() as c:
        pids = [r[0] for r in c.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = :d"), {"d": dbname})]
    eng.dispose()
    return pids


def wait_up(port: int, path: str, timeout: float = 60) -> None:
    import httpx

    t0 = time.time()
    while time.time() - t0 < timeout:
        try:
            if httpx.get(f"http://127.0.0.1:{port}{path}", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not answer in time")


def pct(a: np.ndarray, q: float) -> float:
    return float(np.percentile(a, q)) if len(a) else float("nan")


def run_once(args, url: str, cid: str, limits: str) -> dict:
    from sqlalchemy.engine import make_url

    port = free_port()
    env = {**os.environ, "VOXPOP_DATABASE_URL": url, "OMP_NUM_THREADS": "1", "VOXPOP_LOG_LEVEL": "WARNING"}
    flags = ["--no-rate-limit-per-address"] if limits == "off" else []
    log = open(Path(tempfile.gettempdir()) / f"votes_national-serve-{os.getpid()}.log", "wb")  # noqa: SIM115
    server = subprocess.Popen([sys.executable, "-m", "voxpop.cli", "serve", "--port", str(port),
                               "--workers", str(args.workers), "--analysis", "off", *flags],
                              env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    worker = None
    if args.worker:
        worker = subprocess.Popen([sys.executable, "-m", "voxpop.cli", "worker"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_up(port, f"/api/v1/conversations/{cid}")
        t_up = time.time()
        while len(children(server.pid)) < args.workers and time.time() - t_up < 60:
            time.sleep(0.2)
        for _ in range(4 * args.workers):  # both processes answer (and have drawn the page once)
            wait_up(port, f"/c/{cid}/results")
        procs = children(server.pid)
        dbname = make_url(url).database
        ctx = mp.get_context("fork")
        q = ctx.Queue()
        n_gen = max(1, args.gen_procs)
        per = [args.connections // n_gen + (i < args.connections % n_gen) for i in range(n_gen)]
        plans, first = [], 0
        for i, n in enumerate(per):
            plans.append(Plan(host="127.0.0.1", port=port, seconds=args.seconds, warmup=args.warmup,
                              rate=args.rate * n / args.connections, first_address=first, connections=n,
                              kind="votes", cid=cid, participants=args.active or args.participants,
                              statements=args.statements, stride=args.connections,
                              tag=f"{limits}{i}-{os.getpid()}"))
            first += n
        readers = []
        if args.reader_rate > 0:
            paths = {"results page": f"/c/{cid}/results", "analysis JSON": f"/api/v1/conversations/{cid}/analysis",
                     "baseline GET": f"/api/v1/conversations/{cid}"}
            for name, path in paths.items():
                rate = args.json_rate if name == "analysis JSON" else args.reader_rate
                if rate <= 0:
                    continue
                readers.append((name, Plan(host="127.0.0.1", port=port, seconds=args.seconds, warmup=args.warmup,
                                           rate=rate, first_address=first, connections=2,
                                           kind="get", paths=[path])))
                first += 2
        load0 = os.getloadavg()
        jobs = [ctx.Process(target=run_plan, args=(p, q)) for p in plans]
        rjobs = [ctx.Process(target=_reader, args=(p, q, name)) for name, p in readers]
        for j in jobs + rjobs:
            j.start()
        time.sleep(args.warmup)
        backends = pg_backends(args.admin_url, dbname)
        watched = {"serve": procs, "postgres": backends,
                   "worker": [worker.pid] + children(worker.pid) if worker else []}
        c0 = {k: sum(cpu_ticks(p) for p in v) for k, v in watched.items()}
        t0 = time.perf_counter()
        time.sleep(args.seconds)
        el = time.perf_counter() - t0
        c1 = {k: sum(cpu_ticks(p) for p in v) for k, v in watched.items()}
        outs = [q.get(timeout=60) for _ in jobs + rjobs]
        for j in jobs + rjobs:
            j.join(10)
        load1 = os.getloadavg()
    finally:
        for p in (server, worker):
            if p is None:
                continue
            try:
                os.killpg(p.pid, signal.SIGTERM)
                p.wait(15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(p.pid, signal.SIGKILL)
        log.close()
    Path(log.name).unlink(missing_ok=True)  # kept only when the run failed (it says why the server did)
    gens = [o for o in outs if "reader" not in o]
    lat = np.concatenate([g["lat_ms"] for g in gens])
    status: dict[int, int] = {}
    for g in gens:
        for k, v in g["status"].items():
            status[k] = status.get(k, 0) + v
    ok = sum(v for k, v in status.items() if 200 <= k < 300)
    res = {"limits": limits, "offered": args.rate, "ok_per_s": ok / args.seconds,
           "answers": int(sum(status.values())), "status": status, "errors": sum(g["errors"] for g in gens),
           "p50": pct(lat, 50), "p99": pct(lat, 99), "max": float(lat.max()) if len(lat) else float("nan"),
           "gen_cpu": sum(g["cpu_s"] for g in gens) / args.seconds,
           "cpu": {k: (c1[k] - c0[k]) / TICKS / el for k in c0}, "load": (load0, load1),
           "readers": {}}
    base95 = None
    for o in outs:
        if "reader" in o:
            a = o["lat_ms"]
            okr = sum(v for k, v in o["status"].items() if 200 <= k < 300)
            res["readers"][o["reader"]] = {"n": len(a), "ok": okr, "p50": pct(a, 50), "p95": pct(a, 95),
                                           "bytes": o.get("bytes", 0)}
            if o["reader"] == "baseline GET":
                base95 = pct(a, 95)
    res["baseline_p95"] = base95
    return res


def _reader(plan: Plan, q, name: str) -> None:
    import queue as _q

    inner: _q.Queue = _q.Queue()
    run_plan(plan, inner)
    out = inner.get()
    out["reader"] = name
    q.put(out)


def report(r: dict, args) -> None:
    lim = "ON (production)" if r["limits"] == "on" else "off (--no-rate-limit-per-address)"
    bad = {k: v for k, v in r["status"].items() if not 200 <= k < 300}
    print(f"\n== {args.workers} serve processes, PostgreSQL, limits {lim}; {args.connections} connections from "
          f"{args.connections} addresses ({address(0)} ...), {args.active:,} of {args.participants:,} participants voting, "
          f"{'offered ' + format(args.rate, ',') + ' votes/s (open loop)' if args.rate else 'closed loop'}, "
          f"{args.seconds} s after {args.warmup} s warm-up; worker {'on' if args.worker else 'off'}")
    print(f"votes: {r['ok_per_s']:,.0f}/s answered 2xx ({r['answers']:,} answers; failures: "
          f"{sum(bad.values()):,} non-2xx {bad or ''}, {r['errors']} connection errors)")
    print(f"votes latency: p50 {r['p50']:.1f} ms, p99 {r['p99']:.1f} ms, max {r['max']:.0f} ms")
    met = r["ok_per_s"] >= 5000 and r["p99"] < 50 and not bad
    print(f"target >= 5,000 votes/s 2xx, p99 < 50 ms, no failures: {'MET' if met else 'NOT MET'}")
    for name, x in r["readers"].items():
        ratio = f" = {x['p95'] / r['baseline_p95']:.1f}x baseline p95" if r["baseline_p95"] else ""
        print(f"reader {name}: {x['n']} answers ({x['n'] - x['ok']} non-2xx), p50 {x['p50']:.1f} ms, "
              f"p95 {x['p95']:.1f} ms{ratio}; {x['bytes'] / 1e3:,.0f} kB each")
    if "results page" in r["readers"]:
        rp = r["readers"]["results page"]["p95"]
        print(f"target results page p95 < 100 ms during the load: {'MET' if rp < 100 else 'NOT MET'}")
    cpu = r["cpu"]
    per_vote = 1e6 / max(r["ok_per_s"], 1)
    print(f"CPU (cores busy): serve {cpu['serve']:.2f} ({cpu['serve'] * per_vote:.0f} us per vote), "
          f"PostgreSQL backends {cpu['postgres']:.2f} ({cpu['postgres'] * per_vote:.0f} us per vote), "
          f"load generator {r['gen_cpu']:.2f}" + (f", worker {cpu['worker']:.2f}" if args.worker else "")
          + f"; load average {r['load'][0][0]:.2f} before, {r['load'][1][0]:.2f} after (2 cores)")
    print("JSON " + json.dumps({k: v for k, v in r.items()}, default=float))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rate", type=float, default=5000, help="offered votes/s (open loop); 0: closed loop")
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--warmup", type=float, default=5)
    ap.add_argument("--connections", type=int, default=100, help="vote connections, each from its own address")
    ap.add_argument("--gen-procs", type=int, default=2, help="load generator processes")
    ap.add_argument("--workers", type=int, default=2, help="serve processes")
    ap.add_argument("--limits", default="on,off")
    ap.add_argument("--participants", type=int, default=100_000)
    ap.add_argument("--active", type=int, default=20_000,
                    help="participants who vote during the run (the first ones; each sticks to one connection)")
    ap.add_argument("--statements", type=int, default=200)
    ap.add_argument("--votes-each", type=int, default=10)
    ap.add_argument("--worker", action="store_true", help="run `voxpop worker` beside the servers")
    ap.add_argument("--reader-rate", type=float, default=10,
                    help="requests/s for the results page and for the baseline GET (0: no readers)")
    ap.add_argument("--json-rate", type=float, default=1,
                    help="requests/s for the analysis JSON (megabytes each in a big conversation)")
    ap.add_argument("--admin-url", default=os.environ.get("VOXPOP_TEST_PG_ADMIN_URL"))
    ap.add_argument("--keep", action="store_true", help="keep the database (prints its URL and the conversation)")
    ap.add_argument("--reuse", nargs=2, metavar=("URL", "CID"), help="a database kept by --keep")
    args = ap.parse_args()
    if not args.admin_url:
        ap.error("set VOXPOP_TEST_PG_ADMIN_URL or --admin-url (a PostgreSQL superuser URL)")
    from tests.support import pgtemp

    if args.reuse:
        url, cid = args.reuse
        for limits in args.limits.split(","):
            report(run_once(args, url, cid, limits.strip()), args)
        return
    url = pgtemp.create_database(args.admin_url, prefix="voxpop_i16votes_bench")
    try:
        t0 = time.perf_counter()
        cid = ""
        cid = fill(url, args.participants, args.statements, args.votes_each)
        print(f"filled {args.participants:,} participants x {args.votes_each} votes on {args.statements} statements "
              f"in {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        env = {**os.environ, "VOXPOP_DATABASE_URL": url, "OMP_NUM_THREADS": "1"}
        subprocess.run([sys.executable, "-m", "voxpop.cli", "worker", "--once"], env=env, check=True, timeout=600)
        print(f"first analysis (voxpop worker --once) in {time.perf_counter() - t0:.1f} s")
        for limits in args.limits.split(","):
            report(run_once(args, url, cid, limits.strip()), args)
    finally:
        if args.keep:
            print(f"kept: --reuse {url} {cid}")
        else:
            drop_database(args.admin_url, url)


if __name__ == "__main__":
    main()
