"""Statements in several languages: the organiser gives the conversation its languages and translations
(page, API, seed CSV `text_cy`); a participant reads their language with the original one tap away; a
statement added in Welsh is marked Welsh and waits for translation; votes count per statement whatever
language was read; exports carry every translation."""

from __future__ import annotations

import csv
import io
import re

import pytest
from fastapi.testclient import TestClient

from voxpop.services import accounts, conversations
from voxpop.store.models import Statement
from voxpop.web.app import create_app

USER, PASSWORD = "organiser-langs", "correct horse battery staple"
SEED = ("text,text_cy\n"
        "\"Buses should reach every village.\",\"Dylai bysiau gyrraedd pob pentref.\"\n"
        "\"Keep the library open on Sundays.\",\"Cadwch y llyfrgell ar agor ar ddydd Sul.\"\n")


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.fixture
def conv(tmp_path):
    app = create_app(f"sqlite:///{tmp_path}/langs.db", background="off")
    with TestClient(app) as c:
        with app.state.voxpop.db.write() as s:
            org = accounts.create_organiser(s, USER, PASSWORD)
            cid = conversations.create_conversation(s, topic="Our valley", owner_id=org.id).id
        token = c.post("/api/v1/tokens", json={"username": USER, "password": PASSWORD, "name": "t"}).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        r = c.post(f"/api/v1/conversations/{cid}/statements/csv", content=SEED.encode(),
                   headers={**auth, "Content-Type": "text/csv"})
        assert r.status_code in (200, 201), r.text
        yield {"c": c, "app": app, "cid": cid, "auth": auth}


def test_seed_csv_translations_and_languages(conv):
    c, cid = conv["c"], conv["cid"]
    assert [x["code"] for x in c.get(f"/api/v1/conversations/{cid}/languages").json()["languages"]] == ["en", "cy"]
    body = c.get(f"/api/v1/conversations/{cid}/translations").json()
    assert body["statements"][0]["translations"] == {"cy": "Dylai bysiau gyrraedd pob pentref."}


def test_welsh_reader_sees_welsh_with_the_original_one_tap_away(conv):
    c, cid = conv["c"], conv["cid"]
    nxt = c.get(f"/api/v1/conversations/{cid}/next", headers={"Accept-Language": "cy"}).json()["statement"]
    assert nxt["language"] == "cy" and nxt["original_language"] == "en"
    assert nxt["text"] in ("Dylai bysiau gyrraedd pob pentref.", "Cadwch y llyfrgell ar agor ar ddydd Sul.")
    page = c.get(f"/c/{cid}", headers={"Accept-Language": "cy"}).text
    shown = re.search(r'id="statement-text" lang="cy">([^<]+)<', page).group(1)
    assert shown.startswith(("Dylai", "Cadwch"))
    assert "Dangos y gwreiddiol (Saesneg)" in page and ("Buses should" in page or "Keep the library" in page)
    # an English reader sees the original, no "original" box shown
    page_en = c.get(f"/c/{cid}", headers={"Accept-Language": "en"}).text
    assert re.search(r'<details class="original" id="statement-original" hidden>', page_en)


def test_votes_count_per_statement_whatever_language_was_read(conv):
    c, cid, app = conv["c"], conv["cid"], conv["app"]
    for lang in ("cy", "en"):
        c.cookies.clear()
        page = c.get(f"/c/{cid}", headers={"Accept-Language": lang}).text
        tid = re.search(r'name="statement_id" value="(\d+)"', page).group(1)
        r = c.post(f"/c/{cid}/vote", data={"csrf_token": csrf(page), "statement_id": tid, "vote": "agree"},
                   headers={"Accept-Language": lang}, follow_redirects=False)
        assert r.status_code == 303
    with app.state.voxpop.db.read() as s:
        assert s.query(Statement).filter_by(conversation_id=cid).count() == 2  # no per-language copies


def test_statement_added_in_welsh_waits_for_translation(conv):
    c, cid, auth = conv["c"], conv["cid"], conv["auth"]
    page = c.get(f"/c/{cid}?lang=cy").text
    r = c.post(f"/c/{cid}/statements", data={"csrf_token": csrf(page), "text": "Mae angen meddyg teulu yn y dref."},
               follow_redirects=False)
    assert r.status_code == 303
    body = c.get(f"/api/v1/conversations/{cid}/translations").json()
    mine = [x for x in body["statements"] if x["text"].startswith("Mae angen")]
    assert mine and mine[0]["language"] == "cy" and mine[0]["translations"] == {}
    # the organiser's translation queue lists it first, then they translate it there
    c.post("/organiser/sign-in", data={"username": USER, "password": PASSWORD,
                                       "csrf_token": csrf(c.get("/organiser/sign-in").text)})
    q = c.get(f"/organiser/c/{cid}/translations?lang=en").text
    assert "1 statement is waiting for a translation." in q
    assert q.index("Mae angen meddyg") < q.index("Buses should reach")
    tid = mine[0]["id"]
    r = c.post(f"/organiser/c/{cid}/statements/{tid}/translations",
               data={"csrf_token": csrf(q), "text_en": "The town needs a GP."}, follow_redirects=False)
    assert r.status_code == 303
    assert "0 statements are waiting" in c.get(f"/organiser/c/{cid}/translations?lang=en").text
    # an English reader now sees the English, the Welsh original one tap away
    c.cookies.set("voxpop_lang", "en")
    r = c.put(f"/api/v1/conversations/{cid}/statements/{tid}/translations/fr", json={"text": "x"}, headers=auth)
    assert r.status_code == 422 and "not one of this conversation's languages" in r.json()["message"]


def test_exports_carry_every_translation(conv):
    c, cid, auth = conv["c"], conv["cid"], conv["auth"]
    r = c.get(f"/api/v1/conversations/{cid}/exports/translations.csv", headers=auth)
    assert r.status_code == 200
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert {(x["comment-id"], x["language"], x["original"]) for x in rows} == {
        ("0", "en", "1"), ("0", "cy", "0"), ("1", "en", "1"), ("1", "cy", "0")}


def test_bad_language_codes_are_refused_with_what_to_do(conv):
    c, cid, auth = conv["c"], conv["cid"], conv["auth"]
    r = c.put(f"/api/v1/conversations/{cid}/languages", json={"languages": ["en", "klingon-x"]}, headers=auth)
    assert r.status_code == 422 and "language code" in r.json()["message"]
    r = c.put(f"/api/v1/conversations/{cid}/languages", json={"languages": ["cy", "en", "pl"]}, headers=auth)
    assert r.status_code == 200 and r.json()["default"] == "cy"


def test_the_results_read_in_the_readers_language(conv):
    from voxpop.services import translations as T
    from voxpop.services.conversations import get_conversation

    doc = {"statements": [{"id": "0", "text": "Buses should reach every village."},
                          {"id": "1", "text": "(hidden)", "moderated_out": True}]}
    with conv["app"].state.voxpop.db.read() as s:
        c = get_conversation(s, conv["cid"])
        cy = T.document_for_reader(s, c, doc, "cy")
        en = T.document_for_reader(s, c, doc, "en")
    assert cy["statements"][0]["text"] == "Dylai bysiau gyrraedd pob pentref."
    assert cy["statements"][1]["text"] == "(hidden)"  # a hidden statement's words never come back
    assert en is doc


def test_a_reader_without_a_preference_gets_the_conversations_default_language(conv):
    c, cid, auth = conv["c"], conv["cid"], conv["auth"]
    assert c.put(f"/api/v1/conversations/{cid}/languages", json={"languages": ["cy", "en"]},
                 headers=auth).status_code == 200
    c.cookies.clear()
    page = c.get(f"/c/{cid}")  # no Accept-Language, no choice made
    assert '<html lang="cy"' in page.text and "Ydych chi’n cytuno?" in page.text
    english = c.get(f"/c/{cid}", headers={"Accept-Language": "en-GB"})  # the browser's wish comes first
    assert '<html lang="en"' in english.text


def test_changing_the_default_language_keeps_what_statements_were_written_in(conv):
    c, cid, auth = conv["c"], conv["cid"], conv["auth"]
    c.put(f"/api/v1/conversations/{cid}/languages", json={"languages": ["cy", "en"]}, headers=auth)
    body = c.get(f"/api/v1/conversations/{cid}/translations").json()
    assert body["default"] == "cy" and {x["language"] for x in body["statements"]} == {"en"}
    nxt = c.get(f"/api/v1/conversations/{cid}/next", headers={"Accept-Language": "cy"}).json()["statement"]
    assert nxt["language"] == "cy" and nxt["original_language"] == "en"
