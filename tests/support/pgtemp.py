"""A throwaway PostgreSQL cluster under /tmp, for tests and benchmarks (the same recipe as ./run).

PostgreSQL refuses to run as root, so as root the cluster runs as the `postgres` user via su.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

ADMIN_ENV = "VOXPOP_TEST_PG_ADMIN_URL"


def _free_port(start: int = 56000) -> int:
    for port in range(start, start + 2000):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port for PostgreSQL")


def _pgbin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: [int(x) for x in p.split("/")[-2].split(".")
                                                                         if x.isdigit()])
    if not found:
        raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
    return Path(found[-1])


class TempCluster:
    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="voxpop-pg-"))
        self.port = _free_port(56000 + os.getpid() % 3000)
        self.pgbin = _pgbin()
        self._as_root = os.geteuid() == 0

    def _run(self, cmd: str) -> None:
        argv = ["su", "postgres", "-c", cmd] if self._as_root else ["bash", "-c", cmd]
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)

    def start(self) -> str:
        os.chmod(self.dir, 0o755)
        if self._as_root:
            shutil.chown(self.dir, "postgres", "postgres")
        data = self.dir / "data"
        self._run(f"{self.pgbin}/initdb -D {data} -U postgres --auth=trust -E UTF8 --locale=C.UTF-8")
        opts = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c max_connections=300 "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
        self._run(f"{self.pgbin}/pg_ctl -D {data} -l {self.dir}/log -w -o '{opts}' start")
        return self.admin_url

    @property
    def admin_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        try:
            self._run(f"{self.pgbin}/pg_ctl -D {self.dir / 'data'} -m immediate -w stop")
        except (subprocess.SubprocessError, OSError):
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


def create_database(admin_url: str, prefix: str = "voxpop_test") -> str:
    """A new empty database on the cluster of admin_url; returns its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    eng = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    eng.dispose()
    return admin_url.rsplit("/", 1)[0] + "/" + name


_SHARED: dict[str, str] = {}


def shared_admin_url() -> str:
    """$VOXPOP_TEST_PG_ADMIN_URL, else one throwaway cluster per process (stopped at exit)."""
    url = os.environ.get(ADMIN_ENV)
    if url:
        return url
    if "admin" not in _SHARED:
        import atexit

        cluster = TempCluster()
        _SHARED["admin"] = cluster.start()
        atexit.register(cluster.stop)
    return _SHARED["admin"]


def shared_test_database() -> str:
    """One fresh database per process on the shared cluster."""
    if "db" not in _SHARED:
        _SHARED["db"] = create_database(shared_admin_url())
    return _SHARED["db"]
