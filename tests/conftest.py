"""Shared test fixtures.

Tests that need ../shared reference data use the `shared_data` fixture: they skip with a reason when
it is absent, and fail instead when VOXPOP_REQUIRE_SHARED=1 (as CI sets).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("VOXPOP_SHARED", ROOT.parent / "shared"))


def require_shared(*parts: str) -> Path:
    """Path under ../shared, or skip (fail when VOXPOP_REQUIRE_SHARED=1) if it is missing."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        msg = f"shared reference data not found at {path} (set VOXPOP_SHARED to its folder)"
        if os.environ.get("VOXPOP_REQUIRE_SHARED") == "1":
            pytest.fail(msg + " and VOXPOP_REQUIRE_SHARED=1", pytrace=False)
        pytest.skip(msg)
    return path


@pytest.fixture(scope="session")
def shared_data() -> Path:
    return require_shared("data")


@pytest.fixture(scope="session")
def polis_dirs(shared_data: Path) -> list[Path]:
    dirs = sorted(p for p in (shared_data / "polis").iterdir() if p.is_dir())
    assert dirs, "no Pol.is conversations under shared/data/polis"
    return dirs


CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session")
def browser():
    """One real Chromium for the whole session (Debian's, never `playwright install`).

    Shared by every browser test: Playwright's sync API allows one running instance per thread.
    """
    from playwright.sync_api import sync_playwright

    chromium = os.environ.get("VOXPOP_CHROMIUM", "/usr/bin/chromium")
    if not Path(chromium).exists():
        pytest.fail(f"Chromium not found at {chromium}: install it (apt-get install chromium) "
                    "or set VOXPOP_CHROMIUM", pytrace=False)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


# --- databases: service tests run on SQLite and on PostgreSQL -------------------------------------
# PostgreSQL: the cluster of $VOXPOP_TEST_PG_ADMIN_URL (./run test starts one), else a throwaway cluster
# started once per test session (tests/support/pgtemp.py); one fresh database per session.


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    from tests.support import pgtemp

    return pgtemp.shared_admin_url()


@pytest.fixture(scope="session")
def pg_url() -> str:
    from tests.support import pgtemp

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


def pytest_collection_modifyitems(config, items):
    """Mark what needs Chromium (`browser`) or PostgreSQL (`postgres`) from the fixtures a test uses, so
    `pytest -m "not browser and not postgres"` is a fast local lane (docs/architecture.md); CI runs all."""
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if "browser" in names or "page" in names:
            item.add_marker(pytest.mark.browser)
        callspec = getattr(item, "callspec", None)
        params = set(map(str, callspec.params.values())) if callspec is not None else set()
        if names & {"pg_url", "pg_admin_url"} or "postgres" in params:
            item.add_marker(pytest.mark.postgres)
