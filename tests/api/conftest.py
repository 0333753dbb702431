"""API fixtures: a real app (create_app) on SQLite and on PostgreSQL, an organiser with an API token."""

from __future__ import annotations

import time
import uuid
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient

from voxpop.services import accounts


class Api:
    """A TestClient plus an organiser's auth header and small helpers."""

    def __init__(self, client: TestClient, db_url: str, token: str) -> None:
        self.c, self.db_url, self.token = client, db_url, token
        self.auth = {"Authorization": f"Bearer {token}"}

    def conversation(self, n_statements: int = 5, **fields) -> str:
        r = self.c.post("/api/v1/conversations", json={"topic": "Test topic", **fields}, headers=self.auth)
        assert r.status_code == 201, r.text
        cid = r.json()["id"]
        if n_statements:
            r = self.c.post(f"/api/v1/conversations/{cid}/statements",
                            json={"texts": [f"Seed statement number {i}" for i in range(n_statements)]},
                            headers=self.auth)
            assert r.status_code == 201, r.text
        return cid

    def other_organiser(self, admin: bool = False) -> str:
        """The API token of another organiser (an admin when asked)."""
        return make_organiser(self.db_url, admin=admin)[1]

    def fresh_analysis(self, cid: str, timeout: float = 60) -> dict:
        """The analysis document once it reflects every vote (results are recomputed in the background,
        so a document read right after voting may still be an earlier one)."""
        deadline = time.time() + timeout
        st: dict = {}
        while time.time() < deadline:
            st = self.c.get(f"/api/v1/conversations/{cid}/analysis/status").json()
            if st.get("fresh"):
                break
            time.sleep(0.1)
        assert st.get("fresh"), st
        return self.c.get(f"/api/v1/conversations/{cid}/analysis").json()

    def vote(self, cid: str, statement: int, vote="agree", **extra):
        return self.c.post(f"/api/v1/conversations/{cid}/votes", json={"statement": statement, "vote": vote, **extra})


PASSWORD = "a long enough password"
_HASH: list[str] = []


def make_organiser(db_url: str, admin: bool = False) -> tuple[str, str]:
    """An organiser (password PASSWORD) and an API token. The argon2 hash is computed once per session
    (it takes ~0.3 s by design); test_accounts exercises create_organiser itself."""
    from voxpop.store.db import get_database
    from voxpop.store.models import Organiser

    if not _HASH:
        _HASH.append(accounts._hasher.hash(PASSWORD))
    name = "org" + uuid.uuid4().hex[:8]
    with get_database(db_url).write() as s:
        org = Organiser(username=name, password_hash=_HASH[0], is_admin=admin)
        s.add(org)
        s.flush()
        return name, accounts.create_api_token(s, org.id, "tests")[0]


@contextmanager
def open_api(db_url: str, background: str = "thread"):
    """A real app on db_url with a fresh organiser: the Api helper, while the app runs."""
    from voxpop.web.app import create_app

    app = create_app(db_url, background=background)
    _, token = make_organiser(db_url)
    with TestClient(app) as client:
        yield Api(client, db_url, token)


@pytest.fixture
def api(db_url):
    with open_api(db_url) as a:
        yield a
