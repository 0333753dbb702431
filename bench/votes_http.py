"""HTTP vote throughput and analysis freshness, on SQLite and PostgreSQL.

    nice -n 10 .venv/bin/python bench/votes_http.py [--db sqlite,postgres] [--seconds 10] [--connections 32]
                                                     [--participants 10000] [--statements 50]
                                                     [--limits off,on]

For each database: a conversation pre-filled with --participants participants (20 votes each), then a
real `voxpop serve` (uvicorn, one process, analyses in a child process) on 127.0.0.1 is driven by wrk
(Lua script: random participant by xid, random statement and vote, unique client_key) for --seconds.
Prints sustained votes/s, p50/p99 latency, non-2xx count, and the time from the last vote to an
analysis that includes it. The baseline, measured in the same run against the same server, is a
read-only GET of the conversation: votes/s is printed as a ratio of it.
Targets (issue): >= 2,000 votes/s with p99 < 50 ms on SQLite; analysis fresh within 2 s of the last vote
on a 10,000-participant conversation. Without wrk it falls back to a bounded asyncio httpx client.
--limits: run with the per-address limits off (`serve --no-rate-limit-per-address`: the engine's
capacity, as when votes arrive from many addresses) and/or on (the production limits, everything from
this one address: what one address gets; the rest are 429s, reported as non-2xx and accepted votes/s).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))  # tests.support (pgtemp)

LUA = """
math.randomseed(os.time() * 1000 + math.floor(os.clock() * 1e6))
local counter = 0
local tag = tostring(math.random(1, 1e9))
local votes = {"agree", "disagree", "pass"}
function setup(thread) thread:set("tag", tostring(math.random(1, 1e9))) end
function init(args) math.randomseed(os.time() + tonumber(tag) % 1000) end
request = function()
  counter = counter + 1
  local body = string.format('{"statement":%d,"vote":"%s","xid":"b%d","client_key":"%s-%d"}',
    math.random(0, NS - 1), votes[math.random(1, 3)], math.random(0, NP - 1), tag, counter)
  return wrk.format("POST", PATH, {["Content-Type"] = "application/json"}, body)
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prefill(url: str, n_participants: int, n_statements: int, votes_each: int = 20) -> str:
    """A conversation with n_statements and n_participants x votes_each votes, written in bulk."""
    from sqlalchemy import insert, update

    from voxpop.services import conversations, statements
    from voxpop.store.db import get_database
    from voxpop.store.models import Conversation, Participant, Vote, VoteEvent, now_ms

    db = get_database(url)
    with db.write() as s:
        conv = conversations.create_conversation(s, topic="Benchmark conversation")
        statements.add_statements(s, conv.id, [f"Benchmark statement {i}" for i in range(n_statements)])
        cid = conv.id
        sids = [st.id for st in statements.list_statements(s, cid)]
    rng = np.random.default_rng(1)
    t = now_ms()
    with db.write() as s:
        s.execute(insert(Participant), [{"conversation_id": cid, "xid": f"b{i}", "created_ms": t}
                                        for i in range(n_participants)])
    with db.read() as s:
        from sqlalchemy import select

        pks = [p for (p,) in s.execute(select(Participant.id).where(Participant.conversation_id == cid)
                                       .order_by(Participant.id))]
    # two opinion camps so the analysis finds groups
    camp = rng.random(n_participants) < 0.5
    lean = np.where(np.arange(n_statements) % 2 == 0, 1, -1)
    events, current, eid = [], [], 0
    with db.read() as s:
        from sqlalchemy import func, select

        eid = s.scalar(select(func.coalesce(func.max(VoteEvent.id), 0)))
    for i, pk in enumerate(pks):
        for j in rng.choice(n_statements, size=min(votes_each, n_statements), replace=False):
            v = int(lean[j] * (1 if camp[i] else -1)) if rng.random() < 0.8 else int(rng.integers(-1, 2))
            eid += 1
            events.append({"id": eid, "conversation_id": cid, "participant_id": pk, "statement_id": sids[j],
                           "vote": v, "created_ms": t})
            current.append({"participant_id": pk, "statement_id": sids[j], "conversation_id": cid, "vote": v,
                            "event_id": eid, "updated_ms": t})
    with db.write() as s:
        for k in range(0, len(events), 20000):
            s.execute(insert(VoteEvent), events[k:k + 20000])
            s.execute(insert(Vote), current[k:k + 20000])
        s.execute(update(Conversation).where(Conversation.id == cid).values(
            vote_version=len(events), last_change_ms=t, analysis_dirty_since=t))
    if url.startswith("postgresql"):
        with db.engine.connect() as c:
            from sqlalchemy import text

            c.execute(text("SELECT setval(pg_get_serial_sequence('vote_events','id'), :n)"), {"n": eid})
            c.execute(text("ANALYZE"))
            c.commit()
    db.dispose()
    return cid


def wait_fresh(client: httpx.Client, cid: str, timeout: float) -> float | None:
    """Seconds until the analysis is fresh (None on timeout)."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        r = client.get(f"/api/v1/conversations/{cid}/analysis/status")
        if r.status_code == 200 and r.json().get("fresh") and r.json().get("computed_ms"):
            return time.perf_counter() - t0
        time.sleep(0.02)
    return None


def _ms(value: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s)", value)
    num, unit = float(m.group(1)), m.group(2)
    return num / 1000 if unit == "us" else num * 1000 if unit == "s" else num


def run_wrk(base: str, path: str, seconds: int, connections: int, lua: str | None) -> dict:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    if lua:
        cmd += ["-s", lua]
    out = subprocess.run(cmd + [base + path], capture_output=True, text=True, timeout=seconds + 30).stdout
    res = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}
    for pct in ("50", "99"):
        res[f"p{pct}"] = _ms(re.search(rf"\s{pct}(?:\.000)?%\s+([\d.]+\w+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    res["non2xx"] = int(bad.group(1)) if bad else 0
    errs = re.search(r"Socket errors:.*", out)
    res["socket_errors"] = errs.group(0) if errs else ""
    res["requests"] = int(re.search(r"(\d+) requests in", out).group(1))
    return res


async def _httpx_load(base: str, cid: str, seconds: int, conc: int, np_: int, ns: int) -> dict:
    import asyncio
    import random

    lat: list[float] = []
    bad = 0
    stop = time.perf_counter() + seconds

    async def user(k: int, client: httpx.AsyncClient) -> None:
        nonlocal bad
        n = 0
        while time.perf_counter() < stop:
            n += 1
            body = {"statement": random.randrange(ns), "vote": random.choice(["agree", "disagree", "pass"]),
                    "xid": f"b{random.randrange(np_)}", "client_key": f"h{k}-{n}"}
            t = time.perf_counter()
            r = await client.post(f"/api/v1/conversations/{cid}/votes", json=body)
            lat.append((time.perf_counter() - t) * 1000)
            bad += r.status_code != 200

    async with httpx.AsyncClient(base_url=base, limits=httpx.Limits(max_connections=conc)) as client:
        t0 = time.perf_counter()
        await asyncio.gather(*(user(k, client) for k in range(conc)))
        el = time.perf_counter() - t0
    a = np.array(lat)
    return {"rps": len(a) / el, "p50": float(np.percentile(a, 50)), "p99": float(np.percentile(a, 99)),
            "non2xx": bad, "requests": len(a), "socket_errors": ""}


def bench_one(kind: str, args, tmp: Path, limits: str) -> None:
    from tests.support import pgtemp

    label = kind
    kind = f"{kind} limits={limits}"
    if label == "sqlite":
        url = f"sqlite:///{tmp}/bench-{limits}.db"
    else:
        url = pgtemp.create_database(pgtemp.shared_admin_url(), prefix="voxpop_bench")
    t0 = time.perf_counter()
    cid = prefill(url, args.participants, args.statements)
    print(f"[{kind}] prefilled {args.participants} participants x 20 votes in {time.perf_counter() - t0:.1f} s")
    port = free_port()
    env = {**os.environ, "VOXPOP_DATABASE_URL": url, "OMP_NUM_THREADS": "1", "VOXPOP_LOG_LEVEL": "WARNING"}
    flags = ["--no-rate-limit-per-address"] if limits == "off" else []
    server = subprocess.Popen([sys.executable, "-m", "voxpop.cli", "serve", "--port", str(port),
                               "--analysis", args.analysis, *flags], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=10) as client:
            for _ in range(300):
                try:
                    if client.get(f"/api/v1/conversations/{cid}").status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            first = wait_fresh(client, cid, 120 if args.analysis != "off" else 0.1)
            print(f"[{kind}] first analysis of the prefilled conversation ready after {first:.2f} s"
                  if first is not None else f"[{kind}] first analysis not ready in 120 s")
            lua_path = tmp / "votes.lua"
            lua_path.write_text(f"NS = {args.statements}\nNP = {args.participants}\n"
                                f'PATH = "/api/v1/conversations/{cid}/votes"\n' + LUA)
            if shutil.which("wrk") and not args.httpx:
                base_r = run_wrk(base, f"/api/v1/conversations/{cid}", min(5, args.seconds), args.connections, None)
                res = run_wrk(base, "", args.seconds, args.connections, str(lua_path))
            else:
                import asyncio

                base_r = None
                res = asyncio.run(_httpx_load(base, cid, args.seconds, args.connections, args.participants,
                                              args.statements))
            t_last = time.perf_counter()
            fresh = wait_fresh(client, cid, 60 if args.analysis != "off" else 0.1)
            status = client.get(f"/api/v1/conversations/{cid}/analysis/status").json()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
    del t_last
    print(f"[{kind}] votes: {res['rps']:.0f}/s sustained over {args.seconds} s ({res['requests']} requests, "
          f"{res['non2xx']} non-2xx) p50 {res['p50']:.1f} ms p99 {res['p99']:.1f} ms {res['socket_errors']}")
    accepted = (res["requests"] - res["non2xx"]) / args.seconds
    print(f"[{kind}] accepted (2xx) votes: {accepted:.0f}/s")
    if base_r:
        print(f"[{kind}] baseline GET conversation: {base_r['rps']:.0f}/s p99 {base_r['p99']:.1f} ms -> "
              f"votes/s = {res['rps'] / base_r['rps']:.2f} x baseline")
    ok_rate = accepted >= 2000 and res["p99"] < 50
    print(f"[{kind}] target >= 2000 accepted votes/s and p99 < 50 ms: {'MET' if ok_rate else 'NOT MET'}"
          + (" (target is for SQLite)" if label != "sqlite" else "")
          + (" (one address with the production limits: 300 writes/s, burst 600)" if limits == "on" else ""))
    if fresh is None:
        print(f"[{kind}] analysis NOT fresh 60 s after the last vote: {status}")
    else:
        print(f"[{kind}] analysis updated {fresh:.2f} s after the last vote "
              f"({args.participants} participants; target < 2 s: {'MET' if fresh < 2 else 'NOT MET'}); "
              f"that analysis took {status.get('duration_ms')} ms to load and compute")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", default="sqlite,postgres")
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--participants", type=int, default=10_000)
    ap.add_argument("--statements", type=int, default=50)
    ap.add_argument("--analysis", default="process", choices=["process", "thread", "off"],
                    help="serve's background analyses (off: no freshness measurement, isolates vote latency)")
    ap.add_argument("--httpx", action="store_true", help="use the Python client even when wrk is installed")
    ap.add_argument("--limits", default="off,on",
                    help="per-address limits: off (engine capacity), on (production limits, one address), or both")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="voxpop-bench-") as tmp:
        for kind in args.db.split(","):
            for limits in args.limits.split(","):
                if limits.strip() not in ("on", "off"):
                    ap.error("--limits takes off, on or off,on")
                bench_one(kind.strip(), args, Path(tmp), limits.strip())


if __name__ == "__main__":
    main()
