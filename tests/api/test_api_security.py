"""Security helpers the pages use: CSRF double-submit, organiser session cookies, rate-limit buckets."""

from __future__ import annotations

import pytest
from fastapi import FastAPI, Form, Request, Response
from fastapi.testclient import TestClient
from itsdangerous import BadSignature

from voxpop.errors import Forbidden, RateLimited
from voxpop.web.errors import http_status
from voxpop.web.security import ORG_COOKIE, Security, TokenBucket


@pytest.fixture
def client():
    sec = Security("test-secret-" + "x" * 40)
    app = FastAPI()

    @app.get("/form")
    def form(request: Request, response: Response) -> dict:
        return {"token": sec.csrf_token(request, response)}

    @app.post("/submit")
    def submit(request: Request, csrf_token: str = Form("")) -> dict:
        try:
            sec.check_csrf(request, csrf_token)
        except Forbidden as e:
            return {"ok": False, "message": e.message}
        return {"ok": True}

    @app.post("/login")
    def login(request: Request, response: Response) -> dict:
        sec.login(request, response, "a-session-token-for-tests")
        return {}

    with TestClient(app) as c:
        yield c


def test_csrf_double_submit(client):
    token = client.get("/form").json()["token"]
    assert client.post("/submit", data={"csrf_token": token}).json() == {"ok": True}
    bad = client.post("/submit", data={"csrf_token": token[:-2] + "00"}).json()
    assert bad["ok"] is False and "reload the page" in bad["message"]
    assert client.post("/submit", data={}).json()["ok"] is False
    client.cookies.clear()  # another site's form: no CSRF cookie
    assert client.post("/submit", data={"csrf_token": token}).json()["ok"] is False


def test_organiser_cookie_is_signed():
    sec = Security("s" * 48)
    other = Security("t" * 48)
    app = FastAPI()

    @app.post("/login")
    def login(request: Request, response: Response) -> dict:
        sec.login(request, response, "session-token-7")
        return {}

    with TestClient(app) as c:
        c.post("/login")
        raw = c.cookies.get(ORG_COOKIE)
    assert sec._org.loads(raw)["s"] == "session-token-7"
    with pytest.raises(BadSignature):
        other._org.loads(raw)


def test_token_bucket_refills():
    b = TokenBucket(rate=1000.0, burst=3)
    assert [b.take("k") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert b.take("k") > 0
    assert b.take("other") == 0.0
    sec = Security("s" * 48, participant_rate=1, participant_burst=1)
    sec.check_rate_participant("p")
    with pytest.raises(RateLimited) as e:
        sec.check_rate_participant("p")
    assert http_status(e.value) == 429 and "wait" in e.value.message
