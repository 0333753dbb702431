"""A place anyone can find, in the service: UK areas by official, short and Welsh names, an organiser's alias
table (towns, postcode districts), a choice for ambiguous names, suggestions for unknown ones, and "I'd
rather not say" — on the participant page and its JSON twin."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from voxpop.places.finder import uk_area_names
from voxpop.services import accounts, conversations, statements
from voxpop.store.models import Participant
from voxpop.web.app import create_app

USER, PASSWORD = "organiser-places", "correct horse battery staple"


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.fixture
def uk(tmp_path):
    app = create_app(f"sqlite:///{tmp_path}/finder.db", background="off")
    with TestClient(app) as c:
        with app.state.voxpop.db.write() as s:
            org = accounts.create_organiser(s, USER, PASSWORD)
            conv = conversations.create_conversation(s, topic="Where next?", owner_id=org.id)
            statements.add_statements(s, conv.id, ["More buses to the villages."])
            cid = conv.id
        token = c.post("/api/v1/tokens", json={"username": USER, "password": PASSWORD, "name": "t"}).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        places = "id,name,population\n" + "".join(f'{pid},"{r["name"]}",1000\n' for pid, r in uk_area_names().items())
        r = c.put(f"/api/v1/conversations/{cid}/places", content=places.encode(),
                  headers={**auth, "Content-Type": "text/csv"})
        assert r.status_code == 200, r.text
        aliases = "alias,place_id\nPenzance,E06000052\nTR18,E06000052\nNewlyn,E06000052\n"
        r = c.put(f"/api/v1/conversations/{cid}/places/aliases", content=aliases.encode(),
                  headers={**auth, "Content-Type": "text/csv"})
        assert r.status_code == 200 and r.json() == {"aliases": 3}, r.text
        yield {"client": c, "app": app, "cid": cid, "auth": auth}


@pytest.mark.parametrize("typed, area", [("Penzance", "E06000052"), ("Caerdydd", "W06000015"), ("hull", "E06000010"),
                                         ("Bristol", "E06000023"), ("TR18", "E06000052"), ("tr18 4ab", "E06000052"),
                                         ("Abertawe", "W06000011"), ("Birmingam", "E08000025")])
def test_search_api_finds_the_area(uk, typed, area):
    r = uk["client"].get(f"/api/v1/conversations/{uk['cid']}/places/search", params={"q": typed})
    assert r.status_code == 200
    body = r.json()
    assert body["places"][0]["id"] == area and not body["ambiguous"], body


def test_ambiguous_name_in_the_api(uk):
    body = uk["client"].get(f"/api/v1/conversations/{uk['cid']}/places/search", params={"q": "Newcastle"}).json()
    assert body["ambiguous"] and {p["id"] for p in body["places"]} >= {"E08000021", "E07000195"}


def _place_of(uk) -> str | None:
    with uk["app"].state.voxpop.db.read() as s:
        rows = s.query(Participant.place_id).filter(Participant.conversation_id == uk["cid"]).all()
    return rows[-1][0] if rows else None


def test_participant_types_an_alias_and_it_is_saved(uk):
    c, cid = uk["client"], uk["cid"]
    html = c.get(f"/c/{cid}").text
    r = c.post(f"/c/{cid}/place", data={"csrf_token": csrf(html), "place": "penzance"}, follow_redirects=False)
    assert r.status_code == 303 and "place-saved" in r.headers["location"]
    assert _place_of(uk) == "E06000052"
    assert "You said: <strong>Cornwall</strong>" in c.get(f"/c/{cid}").text
    mine = c.get(f"/c/{cid}/my-data").text  # "Your data" names the place in words, not by its code
    assert "Cornwall" in mine and "E06000052" not in mine
    # in Welsh, the place's Welsh name (packaged names; voxpop.places.names), on both pages
    mine = c.get(f"/c/{cid}/my-data?lang=cy").text
    assert re.search(r"<p>[^<]*: Cernyw</p>", mine) and "Cornwall" not in mine
    assert "<strong>Cernyw</strong>" in c.get(f"/c/{cid}").text
    assert "Your place: Cornwall" in c.get(f"/c/{cid}/my-data?lang=en").text


def test_ambiguous_name_offers_a_choice_then_saves_it(uk):
    c, cid = uk["client"], uk["cid"]
    html = c.get(f"/c/{cid}").text
    r = c.post(f"/c/{cid}/place", data={"csrf_token": csrf(html), "place": "Newcastle"})
    assert r.status_code == 200 and "Which place do you mean?" in r.text
    assert 'value="E08000021"' in r.text and 'value="E07000195"' in r.text
    r = c.post(f"/c/{cid}/place", data={"csrf_token": csrf(r.text), "place_id": "E07000195"}, follow_redirects=False)
    assert r.status_code == 303
    assert _place_of(uk) == "E07000195"


def test_unknown_place_stays_on_the_page_with_suggestions(uk):
    c, cid = uk["client"], uk["cid"]
    html = c.get(f"/c/{cid}").text
    r = c.post(f"/c/{cid}/place", data={"csrf_token": csrf(html), "place": "Penzanse town"})
    assert r.status_code == 200 and "Which place do you mean?" in r.text and 'value="E06000052"' in r.text
    r = c.post(f"/c/{cid}/place", data={"csrf_token": csrf(html), "place": "Qwxyzzz"})
    assert r.status_code == 200 and "We could not find" in r.text
    assert "I’d rather not say" in r.text


def test_rather_not_say(uk):
    c, cid = uk["client"], uk["cid"]
    html = c.get(f"/c/{cid}").text
    r = c.post(f"/c/{cid}/place", data={"csrf_token": csrf(html), "decline": "1"})
    assert r.status_code == 200 and "add your place later" in r.text


def test_bad_alias_tables_are_refused_with_what_to_fix(uk):
    c, cid, auth = uk["client"], uk["cid"], {**uk["auth"], "Content-Type": "text/csv"}
    r = c.put(f"/api/v1/conversations/{cid}/places/aliases", content=b"name,id\nx,y\n", headers=auth)
    assert r.status_code == 422 and "alias" in r.json()["message"]
    r = c.put(f"/api/v1/conversations/{cid}/places/aliases", content=b"alias,place_id\nAtlantis,NOPE\n", headers=auth)
    assert r.status_code == 422 and "NOPE" in r.json()["message"]
    assert c.get(f"/api/v1/conversations/{cid}/places/aliases").status_code in (401, 403)  # organisers only


def test_organiser_uploads_aliases_on_the_places_page(uk):
    c, cid = uk["client"], uk["cid"]
    r = c.post("/organiser/sign-in", data={"username": USER, "password": PASSWORD,
                                           "csrf_token": csrf(c.get("/organiser/sign-in").text)})
    page = c.get(f"/organiser/c/{cid}/places").text
    assert "Other names people use" in page
    r = c.post(f"/organiser/c/{cid}/places/aliases", data={"csrf_token": csrf(page)},
               files={"file": ("aliases.csv", b"alias,place_id\nMousehole,E06000052\n", "text/csv")})
    assert r.status_code == 200, r.text
    hits = c.get(f"/api/v1/conversations/{cid}/places/search", params={"q": "mousehole"}).json()["places"]
    assert hits[0]["id"] == "E06000052"


def test_the_hint_offers_postcode_districts_only_when_the_alias_table_has_them(uk):
    c, cid, auth = uk["client"], uk["cid"], {**uk["auth"], "Content-Type": "text/csv"}
    assert "postcode district such as TR18" in c.get(f"/c/{cid}").text  # TR18 is one of its aliases
    r = c.put(f"/api/v1/conversations/{cid}/places/aliases", content=b"alias,place_id\nPenzance,E06000052\n",
              headers=auth)
    assert r.status_code == 200
    page = c.get(f"/c/{cid}").text  # a postcode would not be found: the hint does not suggest one
    assert "postcode" not in page and "Type a place name, for example the nearest town." in page
    assert "Teipiwch enw lle, er enghraifft y dref agosaf." in c.get(f"/c/{cid}?lang=cy").text


def test_a_bad_alias_file_on_the_places_page_is_named_as_uploaded(uk):
    c, cid = uk["client"], uk["cid"]
    c.post("/organiser/sign-in", data={"username": USER, "password": PASSWORD,
                                       "csrf_token": csrf(c.get("/organiser/sign-in").text)})
    page = c.get(f"/organiser/c/{cid}/places").text
    r = c.post(f"/organiser/c/{cid}/places/aliases", data={"csrf_token": csrf(page)},
               files={"file": ("towns-v2.csv", b"town,code\nMousehole,E06000052\n", "text/csv")})
    assert r.status_code == 422 and "towns-v2.csv" in r.text and "aliases.csv" not in r.text
