"""A small HTTP/1.1 load generator for bench/votes_national.py: keep-alive connections, each bound to its own
source address (127.x.y.z: any of them is this machine), in several processes, asyncio protocols on uvloop.

wrk cannot bind source addresses, and the production rate limits are per address, so a load "from many
people" needs many addresses. Each connection sends one request at a time (no pipelining).

Open loop (rate > 0): every connection has a schedule of send times (rate / connections per second);
latency is measured from the scheduled time, so a slow answer that delays the next request is counted
against the server (no coordinated omission). Closed loop (rate 0): the next request goes as soon as the
answer arrived; latency from the send.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from dataclasses import dataclass, field

import numpy as np


def address(i: int) -> str:
    """The i-th source address: 127.1.0.1, 127.1.0.2, ... (127.0.0.1 is left to everything else)."""
    i += 1
    return f"127.{1 + i // 65_000}.{(i % 65_000) // 250}.{1 + i % 250}"


@dataclass
class Plan:
    host: str
    port: int
    seconds: float
    warmup: float
    rate: float  # requests/s over all connections of this process; 0: closed loop
    first_address: int  # this process's connections use address(first_address + k)
    connections: int
    kind: str  # "votes" or "get"
    cid: str = ""
    participants: int = 0
    statements: int = 0
    tag: str = ""
    stride: int = 1  # vote connections in all: connection j votes for participants j, j + stride, ... (sticky,
    # as a browser keeps its connection), so each participant's votes reach one server process
    paths: list[str] = field(default_factory=list)  # kind "get": one path per connection (cycled)
    headers: str = ""


class _Conn(asyncio.Protocol):
    def __init__(self, gen: _Gen, k: int) -> None:
        self.gen, self.k = gen, k
        self.buf = bytearray()
        self.transport: asyncio.Transport | None = None
        self.sent_at = 0.0
        self.due = 0.0
        self.n = 0
        self.busy = False
        self.lost = asyncio.get_running_loop().create_future()

    def connection_made(self, transport) -> None:  # type: ignore[override]
        self.transport = transport

    def connection_lost(self, exc) -> None:
        self.transport = None
        if not self.lost.done():
            self.lost.set_result(None)

    def send(self) -> None:
        if self.transport is None or self.gen.stopped:
            return
        self.n += 1
        self.gen.sent += 1
        self.busy = True
        self.buf.clear()
        self.sent_at = time.perf_counter()
        self.transport.write(self.gen.request(self.k, self.n))

    def data_received(self, data: bytes) -> None:
        self.buf += data
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(self.buf[:end]).lower()
        i = head.find(b"content-length:")
        if i >= 0:
            j = head.find(b"\r\n", i)
            need = end + 4 + int(head[i + 15:j if j >= 0 else None])
            if len(self.buf) < need:
                return
        elif b"transfer-encoding: chunked" in head:
            if not self.buf.endswith(b"0\r\n\r\n"):
                return
        status = int(head[9:12])
        now = time.perf_counter()
        self.gen.bytes = len(self.buf)
        self.busy = False
        self.gen.done(self, status, now, close=b"connection: close" in head)


class _Gen:
    def __init__(self, plan: Plan) -> None:
        self.p = plan
        self.stopped = False
        self.lat: list[float] = []
        self.status: dict[int, int] = {}
        self.errors = 0
        self.sent = 0
        self.received = 0
        self.bytes = 0  # the size of the last answer
        self.rng = random.Random(os.getpid() ^ int(time.time() * 1e6))
        self.t_measure = 0.0
        self.t_stop = 0.0
        self.interval = plan.connections / plan.rate if plan.rate > 0 else 0.0
        self.loop = asyncio.get_running_loop()
        if plan.kind == "votes":
            self.prefix = (f"POST /api/v1/conversations/{plan.cid}/votes HTTP/1.1\r\nHost: {plan.host}:{plan.port}\r\n"
                           f"Content-Type: application/json\r\n{plan.headers}Content-Length: ").encode()

    def request(self, k: int, n: int) -> bytes:
        p = self.p
        if p.kind == "votes":
            r = self.rng
            body = (f'{{"statement":{r.randrange(p.statements)},"vote":"{r.choice(("agree", "disagree", "pass"))}",'
                    f'"xid":"n{p.first_address + k + p.stride * r.randrange(max(1, p.participants // p.stride))}","client_key":"{p.tag}-{k}-{n}"}}').encode()
            return self.prefix + str(len(body)).encode() + b"\r\n\r\n" + body
        path = p.paths[(k + n) % len(p.paths)]
        return f"GET {path} HTTP/1.1\r\nHost: {p.host}:{p.port}\r\n{p.headers}\r\n".encode()

    def done(self, conn: _Conn, status: int, now: float, close: bool) -> None:
        self.received += 1
        start = conn.due if self.interval else conn.sent_at
        if self.t_measure <= now <= self.t_stop:  # answers in the window (late ones count their lateness)
            self.lat.append(now - start)
            self.status[status] = self.status.get(status, 0) + 1
        if close and conn.transport is not None:
            conn.transport.close()
            return
        self.next(conn)

    def next(self, conn: _Conn) -> None:
        if self.stopped:
            return
        if not self.interval:
            conn.send()
            return
        conn.due += self.interval
        wait = conn.due - time.perf_counter()
        if wait > 0:
            self.loop.call_later(wait, conn.send)
        else:
            conn.send()

    async def connection(self, k: int) -> None:
        p = self.p
        src = address(p.first_address + k)
        first = True
        while not self.stopped:
            try:
                _, conn = await self.loop.create_connection(lambda: _Conn(self, k), p.host, p.port,
                                                            local_addr=(src, 0))
            except OSError:
                self.errors += 1
                await asyncio.sleep(0.05)
                continue
            if first and self.interval:  # spread the connections' schedules over one interval
                conn.due = time.perf_counter() + self.interval * self.rng.random()
                first = False
                self.loop.call_later(max(0.0, conn.due - time.perf_counter()), conn.send)
            elif self.interval:
                conn.due = max(conn.due, time.perf_counter())
                conn.send()
            else:
                conn.send()
            await conn.lost
            if not self.stopped and conn.busy:
                self.errors += 1  # the server closed the connection with a request in flight

    async def run(self) -> dict:
        p = self.p
        t0 = time.perf_counter()
        self.t_measure, self.t_stop = t0 + p.warmup, t0 + p.warmup + p.seconds
        tasks = [asyncio.ensure_future(self.connection(k)) for k in range(p.connections)]
        await asyncio.sleep(max(0.0, self.t_measure - time.perf_counter()))
        cpu0 = time.process_time()
        await asyncio.sleep(max(0.0, self.t_stop - time.perf_counter()))
        cpu = time.process_time() - cpu0
        self.stopped = True
        await asyncio.sleep(0.2)
        for t in tasks:
            t.cancel()
        lat = np.array(self.lat, dtype=np.float64) * 1000
        return {"lat_ms": lat, "status": self.status, "errors": self.errors, "seconds": p.seconds, "cpu_s": cpu,
                "sent": self.sent, "received": self.received, "bytes": self.bytes}


def run_plan(plan: Plan, out) -> None:
    """In a child process: run the plan, send (result, CPU seconds) to the `out` queue."""
    import uvloop

    async def go() -> dict:
        return await _Gen(plan).run()

    out.put(uvloop.run(go()))
