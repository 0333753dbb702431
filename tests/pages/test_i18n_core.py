"""The reader's language: choice, cookie, Accept-Language, default; catalogs complete and compiling;
locale-aware numbers; right-to-left pages."""

from __future__ import annotations

import re

from pagehelp import csrf

from voxpop import i18n
from voxpop.i18n_catalogs import problems


def test_catalogs_compile_and_complete_languages_are_complete():
    assert problems() == []


def test_negotiation_order():
    assert i18n.negotiate("cy", "en-GB,en;q=0.9") == "cy"          # a choice beats the browser
    assert i18n.negotiate(None, "fr-FR, cy;q=0.8, en;q=0.5") == "cy"  # best offered match
    assert i18n.negotiate(None, "fr, de;q=0.5", default="cy") == "cy"  # then the conversation's default
    assert i18n.negotiate(None, "", None) == "en"
    assert i18n.negotiate("xx", "ar") == "ar"


def test_numbers_plurals_and_direction_by_locale():
    with i18n.use_locale("cy"):
        assert i18n.format_percent(0.634) == "63%"
        assert i18n.text_direction() == "ltr"
    with i18n.use_locale("ar"):
        assert i18n.text_direction() == "rtl"
    with i18n.use_locale("en"):
        assert i18n.format_number(1234567) == "1,234,567"


def test_accept_language_gives_welsh_page(client, seeded):
    r = client.get(f"/c/{seeded['cid']}", headers={"Accept-Language": "cy,en;q=0.5"})
    assert r.status_code == 200
    assert re.search(r'<html lang="cy" dir="ltr">', r.text)
    assert "Neidio i’r prif gynnwys" in r.text
    assert r.headers["content-language"] == "cy"


def test_switcher_choice_is_remembered(client, seeded):
    cid = seeded["cid"]
    r = client.get(f"/c/{cid}?lang=cy", headers={"Accept-Language": "en"})
    assert '<html lang="cy"' in r.text
    assert "voxpop_lang=cy" in r.headers.get("set-cookie", "")
    r2 = client.get(f"/c/{cid}", headers={"Accept-Language": "en"})  # the cookie now decides
    assert '<html lang="cy"' in r2.text
    r3 = client.get(f"/c/{cid}?lang=en")
    assert '<html lang="en"' in r3.text
    # every page offers every language, each link keeps the page
    assert f'href="/c/{cid}?lang=cy"' in r3.text and 'lang="ar"' in r3.text


def test_arabic_page_is_right_to_left(client, seeded):
    r = client.get(f"/c/{seeded['cid']}", headers={"Accept-Language": "ar"})
    assert '<html lang="ar" dir="rtl">' in r.text


def test_api_errors_speak_the_readers_language(client, seeded):
    cid = seeded["cid"]
    r = client.get("/api/v1/conversations/nope-nope/next", headers={"Accept-Language": "cy"})
    assert r.status_code == 404 and r.json()["message"].startswith("nid oes sgwrs 'nope-nope' yma")
    r = client.post(f"/api/v1/conversations/{cid}/statements", json={"text": "   "}, headers={"Accept-Language": "cy"})
    assert r.status_code == 422 and r.json()["message"] == "mae’r datganiad yn wag", r.json()
    r = client.post(f"/api/v1/conversations/{cid}/statements", json={"text": "   "}, headers={"Accept-Language": "en"})
    assert r.json()["message"] == "statement is empty"
    page = client.get("/c/nope-nope", headers={"Accept-Language": "cy", "Accept": "text/html"})
    assert page.status_code == 404 and "nid oes sgwrs" in page.text and '<html lang="cy"' in page.text


def test_a_participants_form_errors_speak_the_readers_language(client, seeded):
    cid = seeded["cid"]
    page = client.get(f"/c/{cid}?lang=cy")
    r = client.post(f"/c/{cid}/vote", data={"csrf_token": csrf(page.text), "vote": "agree"})
    assert r.status_code == 422 and "ail-lwythwch y dudalen" in r.text and "reload the page" not in r.text
    tid = re.search(r'name="statement_id" value="(\d+)"', page.text).group(1)
    client.post(f"/c/{cid}/vote", data={"csrf_token": csrf(page.text), "statement_id": tid, "vote": "pass"})
    page = client.get(f"/c/{cid}/my-data")
    r = client.post(f"/c/{cid}/my-data/erase", data={"csrf_token": csrf(page.text)})
    assert r.status_code == 422 and "ticiwch y blwch" in r.text and "tick the box" not in r.text
