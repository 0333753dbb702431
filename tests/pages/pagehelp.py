"""Helpers shared by the page tests."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

ORG_USER, ORG_PASSWORD = "organiser", "a-long-test-password"
HOSTILE = "<script>alert(1)</script> should be shown as text"


def csrf(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert m, "the page has no CSRF field"
    return m.group(1)


def sign_in(client: TestClient) -> None:
    token = csrf(client.get("/organiser/sign-in").text)
    r = client.post("/organiser/sign-in", data={"csrf_token": token, "username": ORG_USER,
                                                "password": ORG_PASSWORD, "next": "/organiser"},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
