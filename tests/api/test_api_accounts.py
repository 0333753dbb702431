"""Organiser accounts: argon2 hashes, tokens from a password, wrong passwords refused."""

from __future__ import annotations

from voxpop.services import accounts
from voxpop.store.db import get_database


def test_password_to_token(api):
    with get_database(api.db_url).write() as s:
        org = accounts.create_organiser(s, "carol_" + api.token[-6:].replace("-", "_"), "correct horse battery")
        assert org.password_hash.startswith("$argon2")
        name = org.username
    r = api.c.post("/api/v1/tokens", json={"username": name, "password": "wrong password!"})
    assert r.status_code == 401 and "wrong" in r.json()["message"]
    r = api.c.post("/api/v1/tokens", json={"username": name, "password": "correct horse battery", "name": "ci"})
    assert r.status_code == 201
    tok = r.json()["token"]
    who = api.c.get("/api/v1/whoami", headers={"Authorization": f"Bearer {tok}"}).json()
    assert who["organiser"]["username"] == name
    assert api.c.get("/api/v1/whoami").json() == {"organiser": None}
