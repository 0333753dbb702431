"""Issue #10 item 13: a real `voxpop serve` (uvicorn) honours X-Forwarded-* only when told to trust a proxy.

Uvicorn on its own believes forwarded headers from 127.0.0.1, so any local client could claim https and
get `Secure; SameSite=None` cookies (or pick the address its rate limits count).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

from voxpop.services import conversations as C
from voxpop.store.db import get_database


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("trust", [None, "1"])
def test_13_forwarded_headers_only_from_a_trusted_proxy(tmp_path, trust):
    url = f"sqlite:///{tmp_path}/serve.db"
    with get_database(url).write() as s:
        cid = C.create_conversation(s, topic="Proxy headers").id
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("VOXPOP_TRUST_PROXY", "FORWARDED_ALLOW_IPS")}
    if trust:
        env["VOXPOP_TRUST_PROXY"] = trust
    log = tmp_path / "serve.log"
    with open(log, "w") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "voxpop.cli", "serve", "--database-url", url, "--port",
                                 str(port), "--analysis", "off"], stdout=fh, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
        r = httpx.get(f"http://127.0.0.1:{port}/c/{cid}", headers={"X-Forwarded-Proto": "https",
                                                                  "X-Forwarded-For": "203.0.113.9"})
        assert r.status_code == 200
        cookies = [v.lower() for k, v in r.headers.multi_items() if k.lower() == "set-cookie"]
        assert cookies
        for c in cookies:
            assert ("secure" in c) == bool(trust), c
            assert ("samesite=none" in c) == bool(trust), c
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
