"""Kiosk API: opening (PIN, questions, place), the device's configuration, people, the staff PIN."""

from __future__ import annotations

import json
import re

import pytest
from tests.api.conftest import open_api

from voxpop.fieldwork.kiosk import parse_questions


@pytest.fixture
def api(db_url):
    with open_api(db_url, background="off") as a:
        yield a


def _open(api, cid, **extra):
    body = {"pin": "1357", "place": "Harbour", "event": "Library morning",
            "questions": "Age band: 16-29, 30-44, 45-64, 65+\nSex: female, male", **extra}
    return api.c.post(f"/api/v1/conversations/{cid}/kiosks", json=body, headers=api.auth)


def test_a_kiosk_runs_people_with_place_answers_and_channel(api):
    cid = api.conversation(4)
    r = _open(api, cid)
    assert r.status_code == 201, r.text
    kid = r.json()["id"]
    cfg = api.c.get(f"/api/v1/kiosks/{kid}").json()
    assert cfg["conversation"] == cid and cfg["place"] == "Harbour" and len(cfg["statements"]) == 4
    assert [q["id"] for q in cfg["questions"]] == ["age_band", "sex"]
    person = "a" * 32
    body = {"person": person, "answers": {"age_band": "65+"}}
    first = api.c.post(f"/api/v1/kiosks/{kid}/people", json=body)
    again = api.c.post(f"/api/v1/kiosks/{kid}/people", json=body)
    assert first.status_code == 200 and again.json()["participant"] == first.json()["participant"]
    v = api.vote(cid, 0, "agree", xid=f"kiosk-{person}", client_key="k1")
    assert v.status_code == 200 and v.json()["participant"] == first.json()["participant"]
    assert api.vote(cid, 0, "agree", xid=f"kiosk-{person}", client_key="k1").json()["replayed"] is True
    bad = api.c.post(f"/api/v1/kiosks/{kid}/people", json={"person": "b" * 32, "answers": {"age_band": "12"}})
    assert bad.status_code == 422 and "options" in bad.json()["message"]
    listed = api.c.get(f"/api/v1/conversations/{cid}/kiosks", headers=api.auth).json()["kiosks"]
    assert listed[0]["people"] == 1
    # the staff PIN
    assert api.c.post(f"/api/v1/kiosks/{kid}/unlock", json={"pin": "0000"}).status_code == 403
    ok = api.c.post(f"/api/v1/kiosks/{kid}/unlock", json={"pin": "1357"})
    assert ok.status_code == 200 and ok.json()["leave_to"].endswith(f"/c/{cid}/kiosks")
    # closing the kiosk stops the device's address
    assert api.c.post(f"/api/v1/conversations/{cid}/kiosks/{kid}/close", headers=api.auth).status_code == 200
    assert api.c.get(f"/api/v1/kiosks/{kid}").status_code == 403
    assert api.c.get("/api/v1/kiosks/nope").status_code == 404


@pytest.mark.parametrize(("extra", "needle"), [
    ({"pin": "12ab"}, "4 to 12 digits"),
    ({"questions": "Age band 16-29"}, "line 1"),
    ({"questions": "Age: one"}, "two options"),
    ({"idle_seconds": 5}, "idle_seconds"),
])
def test_bad_kiosk_settings_say_what_to_fix(api, extra, needle):
    cid = api.conversation(1)
    r = _open(api, cid, **extra)
    assert r.status_code == 422 and needle in r.text, r.text


def test_kiosks_are_opened_by_organisers_only(api):
    cid = api.conversation(1)
    assert api.c.post(f"/api/v1/conversations/{cid}/kiosks", json={"pin": "1234"}).status_code in (401, 403)


def test_question_lines():
    qs = parse_questions("Age band: 16-29, 30-44\n\nWhere do you live?: town, village, countryside")
    assert qs[1] == {"id": "where_do_you_live", "label": "Where do you live?", "options": ["town", "village", "countryside"]}


def test_organiser_page_opens_a_kiosk_on_this_device(client, seeded):
    from pagehelp import csrf, sign_in

    cid = seeded["cid"]
    sign_in(client)
    page = client.get(f"/organiser/c/{cid}/kiosks")
    assert page.status_code == 200 and "Open a kiosk" in page.text
    r = client.post(f"/organiser/c/{cid}/kiosks", data={"csrf_token": csrf(page.text), "pin": "2468", "place": "Quay",
                                                        "questions": "Age band: young, old", "idle_seconds": "60"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/k/")
    kiosk = client.get(r.headers["location"])
    assert kiosk.status_code == 200 and 'id="k-strings"' in kiosk.text and "Quay" in kiosk.text
    assert "site-nav" not in kiosk.text  # nowhere to wander off to
    sw = client.get("/k/sw.js")
    assert sw.status_code == 200 and "javascript" in sw.headers["content-type"]
    listed = client.get(f"/organiser/c/{cid}/kiosks")
    assert r.headers["location"] in listed.text
    bad = client.post(f"/organiser/c/{cid}/kiosks", data={"csrf_token": csrf(page.text), "pin": "12"})
    assert bad.status_code == 422 and "PIN" in bad.text
    # what the kiosk's script says (progress, sent, PIN) is in the kiosk's language too
    welsh = client.get(r.headers["location"] + "?lang=cy").text
    said = json.loads(re.search(r'id="k-strings"[^>]*>(.*?)</script>', welsh, re.S).group(1))
    assert said["all_sent"] == "Mae popeth wedi’i anfon." and said["progress"] == "%(n)s o %(total)s datganiad wedi’u hateb"
    assert "Everything is sent." not in welsh and "answered" not in welsh
