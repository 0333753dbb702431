"""The organiser's places page (real app, real SQLite, forms with CSRF): upload, fairness, link + QR."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient

from voxpop.services import accounts, conversations, statements

USER, PASSWORD = "placesorg", "a long enough password"
PLACES = ("id,name,kind,parent,population\nN,North,,,\nS,South,,,\n"
          "a,Ábbeytown,rural,N,1000\nb,Port Town,coastal,N,3000\nc,Cham,city,S,5000\n")


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.fixture
def site(tmp_path):
    from voxpop.web.app import create_app

    app = create_app(f"sqlite:///{tmp_path}/pages.db", background="off")
    with app.state.voxpop.db.write() as s:
        org = accounts.create_organiser(s, USER, PASSWORD)
        conv = conversations.create_conversation(s, topic="Buses", owner_id=org.id)
        statements.add_statements(s, conv.id, ["More buses to the villages."])
        cid = conv.id
    with TestClient(app) as c:
        token = csrf(c.get("/organiser/sign-in").text)
        r = c.post("/organiser/sign-in", data={"csrf_token": token, "username": USER, "password": PASSWORD,
                                               "next": "/organiser"}, follow_redirects=False)
        assert r.status_code == 303, r.text
        yield c, cid


def test_places_page_upload_policy_and_qr(site):
    c, cid = site
    page = c.get(f"/organiser/c/{cid}/places")
    assert page.status_code == 200 and "No places yet" in page.text
    token = csrf(page.text)
    r = c.post(f"/organiser/c/{cid}/places", data={"csrf_token": token, "mapping": ""},
               files={"file": ("places.csv", PLACES.encode(), "text/csv")}, follow_redirects=False)
    assert r.status_code == 303, r.text
    page = c.get(f"/organiser/c/{cid}/places")
    assert "3 places" in page.text and "Where to go next" in page.text
    cy = html.unescape(c.get(f"/organiser/c/{cid}/places", params={"lang": "cy"}).text)
    assert "3 lle (" in cy and "lefelau:" in cy and "levels:" not in cy  # the summary in Welsh
    bad_csv = {"file": ("bad.csv", b"id,name,parent,population\na,A,,-1\n", "text/csv")}
    bad = c.post(f"/organiser/c/{cid}/places", data={"csrf_token": token}, files=bad_csv)  # Welsh, remembered
    assert bad.status_code == 422 and "llinell 2" in bad.text and "boblogaeth negatif" in bad.text
    bad = c.post(f"/organiser/c/{cid}/places", params={"lang": "en"}, data={"csrf_token": token}, files=bad_csv)
    assert bad.status_code == 422 and "line 2" in bad.text and "negative" in bad.text
    r = c.post(f"/organiser/c/{cid}/places/settings", data={"csrf_token": token, "policy": "equal", "min_cell": "7"},
               follow_redirects=False)
    assert r.status_code == 303
    page = c.get(f"/organiser/c/{cid}/places", params={"q": "port"})
    assert 'value="equal" checked' in page.text and 'value="7"' in page.text
    assert f"/c/{cid}?place=b" in page.text
    qr = re.search(r'<img src="([^"]+qr\.svg)"', page.text).group(1)
    svg = c.get(qr)
    assert svg.status_code == 200 and svg.text.lstrip().startswith("<svg")
    # the organiser's search matches names as participants' does: accents, typos, everyday forms
    for typed, pid in (("abbeytown", "a"), ("Port Twon", "b"), ("  CHAM ", "c")):
        assert f"/c/{cid}?place={pid}" in c.get(f"/organiser/c/{cid}/places", params={"q": typed}).text, typed
    assert "?place=" not in c.get(f"/organiser/c/{cid}/places", params={"q": "zzzz"}).text
    forged = c.post(f"/organiser/c/{cid}/places/settings", data={"csrf_token": "nope", "policy": "sqrt"})
    assert forged.status_code in (400, 403)
