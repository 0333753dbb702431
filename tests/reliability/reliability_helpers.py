"""Real server processes for the reliability tests (uvicorn via `voxpop serve`, `voxpop worker`)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Proc:
    def __init__(self, args: list[str], url: str, log_path) -> None:
        env = {**os.environ, "VOXPOP_DATABASE_URL": url, "OMP_NUM_THREADS": "1", "VOXPOP_LOG_LEVEL": "WARNING"}
        self.log = open(log_path, "wb")
        self.p = subprocess.Popen([sys.executable, "-m", "voxpop.cli", *args], env=env, stdout=self.log,
                                  stderr=subprocess.STDOUT, start_new_session=True)

    def kill(self, sig=signal.SIGKILL) -> None:
        if self.p.poll() is None:
            os.killpg(self.p.pid, sig)
            try:
                self.p.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.p.pid, signal.SIGKILL)
                self.p.wait(5)
        self.log.close()


class Server(Proc):
    def __init__(self, url: str, log_path, *extra: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        super().__init__(["serve", "--port", str(self.port), *extra], url, log_path)

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.p.poll() is not None:
                raise RuntimeError(f"server exited with {self.p.returncode}")
            try:
                if httpx.get(self.base + "/openapi.json", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError("server did not start")
