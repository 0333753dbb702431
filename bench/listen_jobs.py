"""Benchmark: listening as a background job (docs/listening.md "Listening as a background job").

Prints, from one run on this machine, for made-up hearing transcripts of --mb megabytes (speaker turns of long
sentences about three topics, in 4 files) and the TF-IDF model:
  * how long the web request takes to answer (POST .../listen through the real app and TestClient: the files
    are checked and moved into the database, nothing is themed yet);
  * the most memory the upload holds at once while moving into the database (tracemalloc peak of
    services.listen_jobs.create_job on a generated stream, against the upload's size);
  * how long the worker takes to theme it (Worker.step_listen), against the same-run baseline: voxpop.listen.run.
    listen() called directly on the same files (the ratio is what the job model costs on top).

Usage: .venv/bin/python bench/listen_jobs.py [--mb 5] [--database-url URL]   (default: a temporary SQLite file)
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.* helpers

from fastapi.testclient import TestClient  # noqa: E402
from tests.support.transcripts import transcript  # noqa: E402

from voxpop.listen.run import listen  # noqa: E402
from voxpop.services import accounts, conversations  # noqa: E402
from voxpop.services import listen_jobs as jobs  # noqa: E402
from voxpop.store.db import get_database  # noqa: E402
from voxpop.web.app import create_app  # noqa: E402
from voxpop.worker import Worker  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mb", type=float, default=5.0, help="megabytes of transcripts (default 5)")
    ap.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="voxpop-bench-jobs-"))
    url = args.database_url or f"sqlite:///{tmp}/bench.db"
    files = [(f"hearing-{i}.txt", transcript(int(args.mb * 2**20 / 4), i)) for i in range(4)]
    total = sum(len(d) for _, d in files)
    print(f"{total:,} bytes of transcripts in 4 files; TF-IDF; {url.split('://')[0]}; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")

    paths = []
    for name, data in files:
        (tmp / name).write_bytes(data)
        paths.append(tmp / name)
    t = time.perf_counter()
    direct = listen(paths, model="tfidf")
    base_s = time.perf_counter() - t
    print(f"baseline, listen() on the files directly: {base_s:.1f} s, {len(direct['themes'])} themes")

    app = create_app(url, background="off")
    with get_database(url).write() as s:
        org = accounts.create_organiser(s, f"bench{os.getpid()}", "a bench password of some length")
        token = accounts.create_api_token(s, org.id, "bench")[0]
    auth = {"Authorization": f"Bearer {token}"}
    with TestClient(app) as c:
        cid = c.post("/api/v1/conversations", json={"topic": "Bench"}, headers=auth).json()["id"]
        t = time.perf_counter()
        r = c.post(f"/api/v1/conversations/{cid}/listen", params={"model": "tfidf"}, headers=auth,
                   files=[("files", (n, d, "text/plain")) for n, d in files])
        answer_s = time.perf_counter() - t
        assert r.status_code == 202, r.text
        print(f"the upload answered 202 in {answer_s:.2f} s")
        db = get_database(url)
        t = time.perf_counter()
        assert Worker(db, poll_s=0.001).step_listen()
        job_s = time.perf_counter() - t
        job = c.get(r.json()["url"], headers=auth).json()
        assert job["status"] == "done", job
        inner_s = c.get(f"/api/v1/conversations/{cid}/listen/themes", headers=auth).json()["meta"]["timings"]["total_s"]
    print(f"the worker themed it in {job_s:.1f} s ({job['themes']} themes): {job_s / base_s:.2f}x the baseline; "
          f"listen() inside the job {inner_s:.1f} s ({inner_s / base_s:.2f}x), the job's own work (files out of the "
          f"database, progress, storing the themes) {job_s - inner_s:.1f} s")

    with db.write() as s:
        cid2 = conversations.create_conversation(s, topic="Bench memory").id
    big = b"".join(d for _, d in files)
    del files, direct
    tracemalloc.start()
    stream = io.BufferedReader(io.BytesIO(big), 2**16)  # type: ignore[arg-type]
    base_mem = tracemalloc.get_traced_memory()[0]
    jobs.create_job(db, cid2, [jobs.Upload("all.txt", stream)], model="tfidf")
    peak = tracemalloc.get_traced_memory()[1] - base_mem
    tracemalloc.stop()
    db.dispose()
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"moving the {len(big):,}-byte upload into the database held at most {peak / 2**20:.1f} MB at once "
          f"({peak / len(big):.2f}x the upload)")


if __name__ == "__main__":
    main()
