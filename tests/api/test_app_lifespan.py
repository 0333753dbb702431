"""The app's background threads belong to the app: a second lifespan on the same app (two TestClients at once,
an embedding server) shares them, and when the last one ends none is left running. A worker left running
once took listening jobs from other tests on the shared PostgreSQL database."""

from __future__ import annotations

from fastapi.testclient import TestClient

from voxpop.web.app import create_app


def test_nested_lifespans_share_one_worker_and_leave_none_running(tmp_path):
    app = create_app(f"sqlite:///{tmp_path}/v.db", background="thread")
    svc = app.state.voxpop
    with TestClient(app) as outer:
        worker = svc.worker
        assert worker is not None and worker._thread.is_alive()
        with TestClient(app) as inner:
            assert svc.worker is worker  # one set of threads per app
            assert inner.get("/api/v1/schema/analysis").status_code == 200
        assert worker._thread.is_alive() and not worker.stop_event.is_set()  # the outer one still needs it
        assert outer.get("/api/v1/schema/analysis").status_code == 200
    worker._thread.join(10)
    assert not worker._thread.is_alive() and worker.stop_event.is_set()
    assert worker._listen_thread is None or not worker._listen_thread.is_alive()
    assert svc.worker is None
    with TestClient(app) as again:  # the app can be started again afterwards
        assert svc.worker is not None and svc.worker is not worker
        assert again.get("/api/v1/schema/analysis").status_code == 200
    assert svc.worker is None
