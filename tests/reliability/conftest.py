"""Database fixtures: every service test runs on SQLite and on PostgreSQL.

PostgreSQL: the cluster of $VOXPOP_TEST_PG_ADMIN_URL (./run test starts one), else a throwaway cluster
started once per test session (voxpop.store.pgtemp); one fresh database per session.
"""

from __future__ import annotations

import pytest

from voxpop.store import pgtemp


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    return pgtemp.shared_admin_url()


@pytest.fixture(scope="session")
def pg_url() -> str:
    return pgtemp.shared_test_database()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/voxpop.db"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def db(db_url):
    from voxpop.store.db import get_database

    return get_database(db_url)
