"""`voxpop serve --workers N`: N server processes on one port and one PostgreSQL; SQLite is refused."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import func, select
from typer.testing import CliRunner

from voxpop.cli import _register, app
from voxpop.services import conversations, statements
from voxpop.store.db import get_database
from voxpop.store.models import Vote

_register()


def test_several_processes_need_postgresql(tmp_path):
    r = CliRunner().invoke(app, ["serve", "--database-url", f"sqlite:///{tmp_path}/x.db", "--workers", "2"])
    assert r.exit_code == 2 and "needs PostgreSQL" in r.output


def _children(pid: int) -> list[int]:
    """The server processes under the supervisor (not multiprocessing's resource tracker)."""
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        out += [int(c) for c in (task / "children").read_text().split()]
    return [c for c in out if b"resource_tracker" not in Path(f"/proc/{c}/cmdline").read_bytes()]


def test_two_server_processes_share_the_port_and_the_votes(pg_url, tmp_path):
    db = get_database(pg_url)
    with db.write() as s:
        cid = conversations.create_conversation(s, topic="Two processes").id
        statements.add_statements(s, cid, ["First statement here", "Second statement here"])
    with socket.socket() as sk:
        sk.bind(("127.0.0.1", 0))
        port = sk.getsockname()[1]
    log = tmp_path / "serve.log"
    with open(log, "w") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "voxpop.cli", "serve", "--database-url", pg_url, "--port",
                                 str(port), "--analysis", "off", "--workers", "2"], stdout=fh,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/v1/conversations/{cid}", timeout=2).status_code == 200 \
                        and len(_children(proc.pid)) >= 2:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        assert len(_children(proc.pid)) == 2  # the supervisor's two server processes
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as c:
            answers = [c.post(f"/api/v1/conversations/{cid}/votes",
                              json={"statement": i % 2, "vote": "agree", "xid": f"w{i}"}) for i in range(20)]
        assert [a.status_code for a in answers] == [200] * 20, answers[-1].text
        with db.read() as s:
            assert s.execute(select(func.count()).select_from(Vote).where(Vote.conversation_id == cid)).scalar() == 20
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_processes_share_the_per_address_limits(tmp_path, monkeypatch):
    """`serve --workers N` sets VOXPOP_SERVER_PROCESSES=N: each process allows 1/N of every per-address
    limit, so one address gets the limit in all (not N times it); per-participant limits are per process."""
    from voxpop.web.app import create_app
    from voxpop.web.security import ADDRESS_BURST, ADDRESS_RATE

    monkeypatch.setenv("VOXPOP_SERVER_PROCESSES", "2")
    sec = create_app(f"sqlite:///{tmp_path}/shared.db", background="off").state.voxpop.security
    assert sec.per_address.rate == ADDRESS_RATE / 2 and sec.per_address.burst == ADDRESS_BURST / 2
    assert sec.abuse.limits.new_participants_burst == 30 and sec.abuse.limits.new_participants_per_hour == 300
    assert sec.per_participant.rate == 10.0
    monkeypatch.delenv("VOXPOP_SERVER_PROCESSES")
    one = create_app(f"sqlite:///{tmp_path}/one.db", background="off").state.voxpop.security
    assert one.per_address.rate == ADDRESS_RATE and one.abuse.limits.new_participants_burst == 60
