"""Reads that stay fast: the analysis JSON and the results page carry a strong ETag; a reader who has the
current bytes gets an empty 304; Cache-Control says who may keep a copy (public results vs organiser-only
results or a participant's own page)."""

from __future__ import annotations

import hashlib


def _populate(api, cid, people=16, statements=5):
    for p in range(people):
        for t in range(statements):
            assert api.vote(cid, t, "agree" if (p % 2) == (t % 2) else "disagree", xid=f"c{p}").status_code == 200


def test_analysis_json_revalidates_with_an_etag(api):
    cid = api.conversation()
    _populate(api, cid)
    api.fresh_analysis(cid)
    url = f"/api/v1/conversations/{cid}/analysis"
    r = api.c.get(url)
    assert r.status_code == 200
    tag = r.headers["etag"]
    assert tag.startswith('"') and not tag.startswith("W/")  # strong
    assert tag == '"' + hashlib.sha256(r.content).hexdigest()[:32] + '"'
    assert r.headers["cache-control"] == "public, no-cache"
    again = api.c.get(url, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == tag
    assert api.c.get(url, headers={"If-None-Match": f'"other", W/{tag}'}).status_code == 304
    assert api.c.get(url, headers={"If-None-Match": '"stale"'}).status_code == 200
    # a rejected statement changes the document at once: the old tag no longer matches
    rej = api.c.post(f"/api/v1/conversations/{cid}/statements/1/moderation", json={"action": "reject"},
                     headers=api.auth)
    assert rej.status_code in (200, 201), rej.text
    changed = api.c.get(url, headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["etag"] != tag


def test_organiser_only_results_are_private(api):
    cid = api.conversation(show_results=False)
    _populate(api, cid)
    r = api.c.get(f"/api/v1/conversations/{cid}/analysis", headers=api.auth)
    assert r.status_code == 200 and r.headers["cache-control"] == "private, no-cache"
    assert api.c.get(f"/api/v1/conversations/{cid}/analysis").status_code == 403  # no ETag leaks a 304
    assert api.c.get(f"/api/v1/conversations/{cid}/analysis",
                     headers={"If-None-Match": r.headers["etag"]}).status_code == 403


def test_results_page_revalidates_with_an_etag(api):
    cid = api.conversation()
    _populate(api, cid)
    api.fresh_analysis(cid)
    page = api.c.get(f"/c/{cid}/results")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    tag = page.headers["etag"]
    assert page.headers["cache-control"] == "public, no-cache"
    assert "Cookie" in page.headers["vary"]
    again = api.c.get(f"/c/{cid}/results", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["content-security-policy"] == page.headers["content-security-policy"]
    # another language is another page
    welsh = api.c.get(f"/c/{cid}/results", headers={"If-None-Match": tag, "Accept-Language": "cy"})
    assert welsh.status_code == 200 and welsh.headers["etag"] != tag
