"""Errors by content negotiation: a browser gets an HTML page in plain words, an API client JSON."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from voxpop.web.app import create_app

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    app = create_app(f"sqlite:///{tmp_path_factory.mktemp('err')}/voxpop.db", background="off")
    with TestClient(app) as c:
        yield c


def test_a_bad_address_in_a_browser_is_a_page(client):
    r = client.get("/no/such/page", headers=BROWSER)
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "<h1>Not found</h1>" in r.text
    assert "there is no page at this address: check it for typing mistakes" in r.text
    assert '"error"' not in r.text


def test_an_unknown_conversation_in_a_browser_is_a_page_in_plain_words(client):
    for path in ("/c/nope-nope", "/c/nope-nope/results"):
        r = client.get(path, headers=BROWSER)
        assert r.status_code == 404 and r.headers["content-type"].startswith("text/html"), path
        assert "there is no conversation &#39;nope-nope&#39; here: check the link or the id" in r.text, path


def test_api_clients_get_json(client):
    for headers in ({}, {"Accept": "application/json"}, {"Accept": "*/*"}, BROWSER):
        r = client.get("/api/v1/conversations/nope-nope", headers=headers)
        assert r.status_code == 404 and r.json()["error"] == "not_found", headers
        assert r.json()["message"].startswith("there is no conversation 'nope-nope' here")
    for headers in ({}, {"Accept": "application/json"}, {"Accept": "application/json, text/html"}):
        r = client.get("/no/such/page", headers=headers)
        assert r.status_code == 404 and r.json() == {
            "error": "not_found", "message": "no such page or API endpoint; see /docs for the API"}, headers


def test_a_wrong_method_in_a_browser_is_a_page(client):
    r = client.get("/c/anything/vote", headers=BROWSER)
    assert r.status_code == 405 and r.headers["content-type"].startswith("text/html")
    assert "this address cannot be used that way" in r.text
