"""Panel pages: upload, draw, print letters, and an invited person using their code (once)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from pagehelp import csrf, sign_in
from tests.fieldwork._pool import pool_csv, quotas_csv


def test_organiser_draws_a_panel_prints_letters_and_a_code_works_once(client, seeded, app):
    cid = seeded["cid"]
    sign_in(client)
    page = client.get(f"/organiser/c/{cid}/panels")
    assert page.status_code == 200 and "New panel" in page.text
    r = client.post(f"/organiser/c/{cid}/panels", data={"csrf_token": csrf(page.text), "size": "40", "name": "Spring"},
                    files={"pool": ("pool.csv", pool_csv(200), "text/csv"),
                           "quotas": ("quotas.csv", quotas_csv(40), "text/csv")}, follow_redirects=False)
    assert r.status_code == 303, r.text
    panel_url = r.headers["location"]
    page = client.get(panel_url)
    assert "Draw the panel by lot" in page.text
    r = client.post(panel_url + "/draw", data={"csrf_token": csrf(page.text), "algorithm": "legacy",
                                               "estimate_draws": "10"}, follow_redirects=True)
    assert r.status_code == 200 and "Who was drawn" in r.text and "NO" not in r.text
    letters = client.get(panel_url + "/letters")
    assert letters.status_code == 200 and letters.text.count('class="print-page letter"') == 40
    assert letters.text.count("<svg") >= 40
    code = re.search(r'<p class="code">([A-Z0-9]{5}-[A-Z0-9]{5})</p>', letters.text).group(1)

    with TestClient(app) as reader:  # an invited person who reads Arabic: the invitation is in Arabic (it was English)
        ar = reader.get(f"/i/{code}?lang=ar").text
        assert "<title>دعوتك · voxpop</title>" in ar and "أنت مدعو:" in ar and ">ابدأ</button>" in ar
        assert "You are invited" not in ar and "chosen by lot" not in ar
        blank = reader.get("/i?lang=ar").text
        assert "الرمز الموجود في رسالتك" in blank and "The code on your letter" not in blank
    with TestClient(app) as person:
        typed = person.get("/i", params={"code": code.lower().replace("-", " ")}, follow_redirects=True)
        assert typed.status_code == 200 and "Start" in typed.text
        r = person.post(f"/i/{code}", data={"csrf_token": csrf(typed.text)}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == f"/c/{cid}"
    with TestClient(app) as other:
        page = other.get(f"/i/{code}")
        assert "already been used" in page.text
    bad = client.get("/i/ZZZZZ-ZZZZZ")
    assert bad.status_code == 404 and "not known" in bad.text


def test_bad_pool_upload_is_an_error_page_that_says_what_to_fix(client, seeded):
    cid = seeded["cid"]
    sign_in(client)
    page = client.get(f"/organiser/c/{cid}/panels")
    r = client.post(f"/organiser/c/{cid}/panels", data={"csrf_token": csrf(page.text), "size": "2"},
                    files={"pool": ("pool.csv", b"name\nA\n", "text/csv"),
                           "quotas": ("q.csv", b"feature,value,min,max\nsex,f,1,1\n", "text/csv")})
    assert r.status_code == 422 and "no id column" in r.text


def test_too_many_draws_for_the_estimate_is_a_page_that_says_the_range(client, seeded):
    cid = seeded["cid"]
    sign_in(client)
    page = client.get(f"/organiser/c/{cid}/panels")
    r = client.post(f"/organiser/c/{cid}/panels", data={"csrf_token": csrf(page.text), "size": "40", "name": "Spring"},
                    files={"pool": ("pool.csv", pool_csv(200), "text/csv"),
                           "quotas": ("quotas.csv", quotas_csv(40), "text/csv")}, follow_redirects=False)
    panel_url = r.headers["location"]
    page = client.get(panel_url)
    r = client.post(panel_url + "/draw", data={"csrf_token": csrf(page.text), "algorithm": "legacy",
                                               "estimate_draws": "99999"})
    assert r.status_code == 422 and "from 0 to 10000" in r.text
