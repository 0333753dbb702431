"""Real-browser tests: a real `voxpop demo` server (uvicorn, temp SQLite) driven by Debian's Chromium.

Never runs `playwright install`: Chromium comes from $VOXPOP_CHROMIUM (default /usr/bin/chromium).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from browserkit import DESKTOP, PHONE, free_port

pytestmark = pytest.mark.browser


class DemoServer:
    def __init__(self, proc: subprocess.Popen, urls: dict[str, str], db_path: Path, log: Path):
        self.proc, self.urls, self.db_path, self.log = proc, urls, db_path, log

    @property
    def base(self) -> str:
        return re.match(r"https?://[^/]+", self.urls["participant"]).group(0)


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory) -> DemoServer:
    tmp = tmp_path_factory.mktemp("demo")
    db_path = tmp / "demo.db"
    log = tmp / "server.log"
    port = free_port()
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "voxpop.cli", "demo", "--database-url", f"sqlite:///{db_path}", "--port", str(port),
           "--no-browser", "--participants", "240"]
    with open(log, "w") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    urls: dict[str, str] = {}
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"voxpop demo exited with {proc.returncode}:\n{log.read_text()}")
            text = log.read_text()
            for name in ("participant", "results", "organiser"):
                m = re.search(rf"^\s*{name}[^:]*:\s*(http://\S+)", text, re.M | re.I)
                if m:
                    urls[name] = m.group(1)
            if len(urls) == 3 and "ready" in text.lower():
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    pass
            time.sleep(0.2)
        else:
            raise RuntimeError(f"voxpop demo did not start within 120 s:\n{log.read_text()}")
        yield DemoServer(proc, urls, db_path, log)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@pytest.fixture
def phone(browser):
    ctx = browser.new_context(**PHONE)
    page = ctx.new_page()
    page.set_default_timeout(10_000)
    yield page
    ctx.close()


@pytest.fixture
def desktop(browser):
    ctx = browser.new_context(**DESKTOP)
    page = ctx.new_page()
    page.set_default_timeout(10_000)
    yield page
    ctx.close()
