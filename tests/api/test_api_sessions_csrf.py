"""Issue #10 items 8 (sign-in can be revoked) and 9 (CSRF on the API's cookie-authenticated writes)."""

from __future__ import annotations

import re
import uuid

from fastapi.testclient import TestClient

from voxpop.services import accounts
from voxpop.store.db import get_database

PASSWORD = "another long password"

EVIL = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site",
        "Content-Type": "application/x-www-form-urlencoded"}


def make_organiser(db_url: str) -> tuple[str, str]:
    """A new organiser with PASSWORD and an API token named "tests": (username, token)."""
    name = "org" + uuid.uuid4().hex[:8]
    with get_database(db_url).write() as s:
        org = accounts.create_organiser(s, name, PASSWORD)
        return name, accounts.create_api_token(s, org.id, "tests")[0]


def _sign_in(client: TestClient, username: str) -> None:
    html = client.get("/organiser/sign-in").text
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html).group(1)
    r = client.post("/organiser/sign-in", data={"csrf_token": token, "username": username, "password": PASSWORD,
                                                "next": "/organiser"}, follow_redirects=False)
    assert r.status_code == 303, r.text


def _sign_out(client: TestClient) -> None:
    html = client.get("/organiser").text
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html).group(1)
    r = client.post("/organiser/sign-out", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303


# -- 8. sign-out revokes the session; API tokens are listed and revoked ---------------------------------

def test_8_sign_out_revokes_a_copied_session_cookie(api):
    username, _ = make_organiser(api.db_url)
    app = api.c.app
    with TestClient(app) as browser, TestClient(app) as thief:
        _sign_in(browser, username)
        assert browser.get("/api/v1/whoami").json()["organiser"]["username"] == username
        thief.cookies.set("voxpop_org", browser.cookies.get("voxpop_org"))
        assert thief.get("/api/v1/whoami").json()["organiser"]["username"] == username
        _sign_out(browser)
        assert thief.get("/api/v1/whoami").json()["organiser"] is None  # was still signed in for 7 days
        assert thief.get("/api/v1/conversations").status_code == 401


def test_8_api_tokens_are_listed_and_revoked(api):
    c = api.c
    username, first = make_organiser(api.db_url)
    r = c.post("/api/v1/tokens", json={"username": username, "password": PASSWORD, "name": "laptop"})
    assert r.status_code == 201, r.text
    second, second_id = r.json()["token"], r.json()["id"]
    mine = {"Authorization": f"Bearer {first}"}
    listed = c.get("/api/v1/tokens", headers=mine).json()["tokens"]
    assert [t["name"] for t in listed] == ["laptop", "tests"]
    assert all(set(t) == {"id", "name", "created_ms", "last_used_ms", "revoked"} for t in listed)
    assert second not in c.get("/api/v1/tokens", headers=mine).text  # the token itself is never shown again
    # another organiser can neither see nor revoke them
    assert c.delete(f"/api/v1/tokens/{second_id}", headers=api.auth).status_code == 404
    assert c.get("/api/v1/whoami", headers={"Authorization": f"Bearer {second}"}).json()["organiser"]
    r = c.delete(f"/api/v1/tokens/{second_id}", headers=mine)
    assert r.status_code == 200 and r.json() == {"id": second_id, "revoked": True}
    r = c.get("/api/v1/whoami", headers={"Authorization": f"Bearer {second}"})
    assert r.status_code == 401 and "revoked" in r.json()["message"]
    assert [t["revoked"] for t in c.get("/api/v1/tokens", headers=mine).json()["tokens"]] == [True, False]
    assert c.get("/api/v1/tokens").status_code == 401


# -- 9. CSRF: another site's page cannot undo a vote or close a conversation -----------------------------

def test_9_cross_site_undo_is_refused(api):
    cid = api.conversation(n_statements=2)
    assert api.vote(cid, 0, "agree").status_code == 200  # the participant's cookie is now in the jar
    r = api.c.post(f"/api/v1/conversations/{cid}/votes/0/undo", headers=EVIL, content=b"")
    assert r.status_code == 403 and "another site" in r.json()["message"], r.text
    r = api.c.delete(f"/api/v1/conversations/{cid}/votes/0", headers={"Origin": "https://evil.example"})
    assert r.status_code == 403
    r = api.c.post(f"/api/v1/conversations/{cid}/votes", json={"statement": 1, "vote": "agree"},
                   headers={"Sec-Fetch-Site": "same-site"})  # a sibling subdomain, on the fast path
    assert r.status_code == 403
    assert api.c.get(f"/api/v1/conversations/{cid}/me").json()["votes"] == {"0": "agree"}
    # the participant's own page (same origin), and scripts without a browser, still work
    r = api.c.post(f"/api/v1/conversations/{cid}/votes/0/undo", json={},
                   headers={"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"})
    assert r.status_code == 200 and r.json()["previous"] == "agree"


def test_9_cross_site_organiser_writes_are_refused(api):
    username, _ = make_organiser(api.db_url)
    with TestClient(api.c.app) as browser:
        _sign_in(browser, username)
        r = browser.post("/api/v1/conversations", json={"topic": "Signed in by cookie"})
        assert r.status_code == 201, r.text
        cid = r.json()["id"]
        for path in ("close", "reopen", "analysis/refresh"):
            r = browser.post(f"/api/v1/conversations/{cid}/{path}", headers=EVIL)
            assert r.status_code == 403, (path, r.text)
            r = browser.post(f"/api/v1/conversations/{cid}/{path}", headers={"Origin": "null"})
            assert r.status_code == 403, (path, r.text)
        assert browser.get(f"/api/v1/conversations/{cid}").json()["is_open"] is True
        r = browser.post(f"/api/v1/conversations/{cid}/close", headers={"Sec-Fetch-Site": "same-origin"})
        assert r.status_code == 200 and r.json()["is_open"] is False
    # a Bearer token is never sent by a browser on its own: checked no further
    r = api.c.post(f"/api/v1/conversations/{api.conversation(0)}/close", headers={**EVIL, **api.auth})
    assert r.status_code == 200
