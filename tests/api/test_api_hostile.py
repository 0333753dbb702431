"""Hostile and malformed input: escaped, refused with a clear 4xx message, never a 500."""

from __future__ import annotations

import json
import random

SCRIPT = '<script>alert("x")</script>'


def test_script_tags_escaped_in_json_and_csv(api):
    cid = api.conversation(n_statements=0, topic=f"Topic {SCRIPT}", description=f"=HYPERLINK(\"http://e\") {SCRIPT}")
    r = api.c.post(f"/api/v1/conversations/{cid}/statements", json={"text": f"{SCRIPT} & more"}, headers=api.auth)
    assert r.status_code == 201
    assert "<script>" not in r.text and "\\u003cscript\\u003e" in r.text
    assert json.loads(r.text)["text"] == f"{SCRIPT} & more"  # escaped on the wire, exact when parsed
    api.c.post(f"/api/v1/conversations/{cid}/statements", json={"text": "=1+2 formula text"}, headers=api.auth)
    api.vote(cid, 0, "agree")
    for path in ("/statements", "", "/next"):
        body = api.c.get(f"/api/v1/conversations/{cid}{path}").text
        assert "<script>" not in body
    r = api.c.get(f"/api/v1/conversations/{cid}/exports/comments.csv", headers=api.auth)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.headers["x-content-type-options"] == "nosniff" and "attachment" in r.headers["content-disposition"]
    assert '"<script>alert(""x"")</script> & more"' in r.text  # CSV-quoted, never interpreted as HTML
    assert ",'=1+2 formula text" in r.text  # no spreadsheet formula injection
    summary = api.c.get(f"/api/v1/conversations/{cid}/exports/summary.csv", headers=api.auth).text
    assert "'=HYPERLINK" in summary
    doc = api.c.get(f"/api/v1/conversations/{cid}/exports/analysis.json", headers=api.auth)
    assert doc.status_code == 200 and "<script>" not in doc.text


def test_malformed_bodies_are_4xx_with_a_message(api):
    cid = api.conversation()
    url = f"/api/v1/conversations/{cid}/votes"
    bad = [b"{bad json", b"", b"null", b"[]", b'"text"', b"123", b'{"statement": "zero", "vote": "agree"}',
           b'{"statement": -1, "vote": "agree"}', b'{"statement": 99999999999, "vote": "agree"}',
           b'{"statement": 0}', b'{"statement": 0, "vote": true}', b'{"statement": 0, "vote": 2}',
           b'{"statement": 0, "vote": "agree", "client_key": ""}',
           b'{"statement": 0, "vote": "agree", "client_key": "' + b"k" * 65 + b'"}',
           b'{"statement": 0, "vote": "agree", "extra": 1}', b"\xff\xfe\x00garbage",
           b'{"statement": 0, "vote": {"a": [1, 2, {"b": null}]}}']
    for body in bad:
        r = api.c.post(url, content=body, headers={"content-type": "application/json"})
        assert 400 <= r.status_code < 500, (body, r.status_code, r.text)
        assert r.json()["message"], body


def test_random_junk_never_500(api):
    cid = api.conversation()
    rng = random.Random(7)
    endpoints = [("post", f"/api/v1/conversations/{cid}/votes"), ("post", f"/api/v1/conversations/{cid}/statements"),
                 ("patch", f"/api/v1/conversations/{cid}"), ("post", "/api/v1/conversations"),
                 ("post", f"/api/v1/conversations/{cid}/statements/0/moderation"), ("post", "/api/v1/tokens"),
                 ("post", f"/api/v1/conversations/{cid}/statements/csv")]
    values = [None, 0, -1, 2**70, 1.5, "", "x" * 5000, "\x00", [], {}, True, "agree", "<b>", "\ud800" * 0 + "é"]
    keys = ["statement", "vote", "text", "texts", "topic", "client_key", "xid", "action", "username", "password"]
    for _ in range(150):
        method, url = rng.choice(endpoints)
        body = {rng.choice(keys): rng.choice(values) for _ in range(rng.randint(0, 4))}
        r = getattr(api.c, method)(url, json=body, headers=api.auth if rng.random() < 0.5 else {})
        assert r.status_code < 500, (url, body, r.text)
        if r.status_code >= 400:
            assert r.json()["message"]


def test_oversize_json_413_and_bad_params(api):
    cid = api.conversation()
    r = api.c.post(f"/api/v1/conversations/{cid}/statements", content=b'{"text": "' + b"a" * 100_000 + b'"}',
                   headers={"content-type": "application/json"})
    assert r.status_code == 413 and "bytes" in r.json()["message"]
    r = api.c.post(f"/api/v1/conversations/{cid}/statements", json={"text": "a" * 3000})
    assert r.status_code == 422 and "limit" in r.json()["message"]
    r = api.c.get(f"/api/v1/conversations/{cid}/next?without=a,b")
    assert r.status_code == 422 and "without" in r.json()["message"]
    r = api.c.get(f"/api/v1/conversations/{cid}/next?xid=" + "x" * 500)
    assert r.status_code == 422
    r = api.c.get("/api/v1/conversations/" + "z" * 5000)
    assert r.status_code == 404
    r = api.c.get(f"/api/v1/conversations/{cid}/exports/passwords.csv", headers=api.auth)
    assert r.status_code == 404 and "comments.csv" in r.json()["message"]


def test_openapi_published(api):
    spec = api.c.get("/openapi.json").json()
    assert "/api/v1/conversations/{cid}/votes" in spec["paths"]
    assert api.c.get("/docs").status_code == 200


def test_junk_cookies_and_headers_never_500(api):
    cid = api.conversation()
    for cookie in ['voxpop_anon="unterminated', "voxpop_anon=" + "a" * 5000, "a=b; c", "voxpop_anon=x.y.z", ";;;="]:
        r = api.c.post(f"/api/v1/conversations/{cid}/votes", content=b'{"statement": 0, "vote": "agree"}',
                       headers={"content-type": "application/json", "cookie": cookie})
        assert r.status_code in (200, 400, 413, 422), (cookie, r.status_code, r.text)
    r = api.c.post(f"/api/v1/conversations/{cid}/votes", content=b'{"statement": 0, "vote": "agree"}',
                   headers={"content-type": "application/json", "content-length": "abc"})
    assert r.status_code < 500


def test_out_of_range_numbers_are_4xx(api):
    cid = api.conversation()
    huge = 10**20
    r = api.c.post(f"/api/v1/conversations/{cid}/statements/{huge}/moderation", json={"action": "accept"},
                   headers=api.auth)
    assert r.status_code == 422
    assert api.c.delete(f"/api/v1/conversations/{cid}/votes/{huge}").status_code == 422
    assert api.c.get(f"/api/v1/conversations/{cid}/next?without={huge},1").status_code < 500
    r = api.c.patch(f"/api/v1/conversations/{cid}", json={"statement_max_len": huge}, headers=api.auth)
    assert r.status_code == 422
