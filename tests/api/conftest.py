"""API fixtures: a real app (create_app) on SQLite and on PostgreSQL, an organiser with an API token."""

from __future__ import annotations

import pytest
from api_helpers import Api, make_organiser
from fastapi.testclient import TestClient

from voxpop.store import pgtemp


@pytest.fixture(scope="session")
def pg_url() -> str:
    return pgtemp.shared_test_database()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/voxpop.db"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def api(db_url, monkeypatch):
    from voxpop.web.app import create_app

    app = create_app(db_url, background="thread")
    _, token = make_organiser(db_url)
    with TestClient(app) as client:
        yield Api(client, db_url, token)
