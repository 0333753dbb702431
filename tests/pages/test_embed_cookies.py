"""Embedding on other sites: on https the participant and CSRF cookies are SameSite=None; Secure;
Partitioned (sent inside third-party iframes), on plain http they stay Lax; the CSRF token is still
required; X-Forwarded-Proto counts only with VOXPOP_TRUST_PROXY=1."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from pagehelp import csrf, sign_in

from voxpop.web.app import create_app


def cookie_attrs(response) -> dict[str, set[str]]:
    """Set-Cookie headers of a response: cookie name -> its attributes, lower-cased ("samesite=none", ...)."""
    out = {}
    for header in response.headers.get_list("set-cookie"):
        name_value, *attrs = [p.strip() for p in header.split(";")]
        out[name_value.split("=", 1)[0]] = {a.lower() for a in attrs}
    return out


def embed_vote(client: TestClient, cid: str, *, token: bool = True):
    page = client.get(f"/c/{cid}/embed")
    assert page.status_code == 200
    tid = re.search(r'name="statement_id" value="(\d+)"', page.text).group(1)
    data = {"statement_id": tid, "vote": "agree"} | ({"csrf_token": csrf(page.text)} if token else {})
    return page, client.post(f"/c/{cid}/vote?embed=1", data=data, follow_redirects=False)


def test_https_cookies_work_in_third_party_iframes_and_csrf_is_still_required(app, seeded):
    cid = seeded["cid"]
    with TestClient(app, base_url="https://testserver") as client:
        page, vote = embed_vote(client, cid)
        assert "frame-ancestors *" in page.headers["content-security-policy"]
        cookies = cookie_attrs(page) | cookie_attrs(vote)
        for name in ("voxpop_csrf", "voxpop_anon"):
            assert {"samesite=none", "secure", "partitioned", "httponly"} <= cookies[name], (name, cookies[name])
        assert vote.status_code == 303, vote.text
        assert client.get(f"/api/v1/conversations/{cid}/me").json()["votes"] != {}
    with TestClient(app, base_url="https://testserver") as client:
        # the cookies alone (as a cross-site form would send them) are not enough
        _, vote = embed_vote(client, cid, token=False)
        assert vote.status_code == 403 and "reload the page" in vote.text
        assert client.get(f"/api/v1/conversations/{cid}/me").json()["votes"] == {}
        # nor does the JSON API take a body without a JSON content type (what a no-cors fetch could send)
        r = client.post(f"/api/v1/conversations/{cid}/votes", content=b'{"statement": 0, "vote": "agree"}')
        assert r.status_code >= 400
        r = client.post(f"/api/v1/conversations/{cid}/votes", content=b'{"statement": 0, "vote": "agree"}',
                        headers={"content-type": "text/plain"})
        assert r.status_code >= 400
        assert client.get(f"/api/v1/conversations/{cid}/me").json()["votes"] == {}


def test_plain_http_keeps_lax_cookies(app, seeded):
    with TestClient(app) as client:
        page, vote = embed_vote(client, seeded["cid"])
        assert vote.status_code == 303
        cookies = cookie_attrs(page) | cookie_attrs(vote)
        for name in ("voxpop_csrf", "voxpop_anon"):
            assert "samesite=lax" in cookies[name] and "secure" not in cookies[name]
            assert "partitioned" not in cookies[name]


def test_organiser_session_cookie_stays_lax_and_is_secure_on_https(app, seeded):
    with TestClient(app, base_url="https://testserver") as client:
        token = csrf(client.get("/organiser/sign-in").text)
        r = client.post("/organiser/sign-in", data={"csrf_token": token, "username": "organiser",
                                                    "password": "a-long-test-password", "next": "/organiser"},
                        follow_redirects=False)
        assert r.status_code == 303
        org = cookie_attrs(r)["voxpop_org"]
        assert "samesite=lax" in org and "secure" in org and "partitioned" not in org
    with TestClient(app) as client:
        sign_in(client)


@pytest.mark.parametrize("trust, same_site", [(None, "lax"), ("1", "none")])
def test_forwarded_proto_counts_only_from_a_trusted_proxy(tmp_path, monkeypatch, seeded, trust, same_site):
    if trust:
        monkeypatch.setenv("VOXPOP_TRUST_PROXY", trust)
    else:
        monkeypatch.delenv("VOXPOP_TRUST_PROXY", raising=False)
    behind = create_app(f"sqlite:///{tmp_path}/pages.db", background="off")  # the same database as `seeded`
    with TestClient(behind) as client:
        page = client.get(f"/c/{seeded['cid']}/embed", headers={"x-forwarded-proto": "https"})
        csrf_cookie = cookie_attrs(page)["voxpop_csrf"]
        assert f"samesite={same_site}" in csrf_cookie
        assert ("secure" in csrf_cookie) == (same_site == "none")
