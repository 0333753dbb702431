"""Page tests: the real app (create_app) on a temp SQLite file, driven in-process by TestClient."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pagehelp import HOSTILE, ORG_PASSWORD, ORG_USER

from voxpop.services import accounts, conversations, statements
from voxpop.web.app import create_app


@pytest.fixture
def app(tmp_path):
    return create_app(f"sqlite:///{tmp_path}/pages.db", background="off")


@pytest.fixture
def client(app):
    with TestClient(app) as c:
        yield c


@pytest.fixture
def seeded(app):
    """An organiser and an open conversation with three statements (one of them hostile)."""
    with app.state.voxpop.db.write() as s:
        org = accounts.create_organiser(s, ORG_USER, ORG_PASSWORD)
        conv = conversations.create_conversation(s, topic="What should our town do?", owner_id=org.id,
                                                 description="A test conversation.")
        statements.add_statements(s, conv.id, ["More buses to the villages.", HOSTILE,
                                               "Keep the library open on Sundays."])
        return {"cid": conv.id, "org_id": org.id}
