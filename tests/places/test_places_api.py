"""Places over the JSON API (real app, real SQLite): registry upload, search, settings, xid places,
place links and QR codes, and an analysis from the stored places."""

from __future__ import annotations

import pytest
from tests.api.conftest import open_api
from tests.conftest import require_shared

PLACES = ("id,name,kind,parent,population\nN,North,,,\nS,South,,,\n"
          "a,Ábbeytown,rural,N,1000\nb,Port Town,coastal,N,3000\nc,Cham,city,S,5000\n")


@pytest.fixture
def api(tmp_path):
    with open_api(f"sqlite:///{tmp_path}/voxpop.db") as a:
        yield a


def test_upload_search_settings_and_links(api):
    cid = api.conversation(n_statements=2)
    base = f"/api/v1/conversations/{cid}/places"
    r = api.c.put(base, content=PLACES, headers=api.auth | {"content-type": "text/csv"})
    assert r.status_code == 200, r.text
    assert r.json()["leaves"] == 3 and r.json()["kinds"] == ["city", "coastal", "rural"]
    assert api.c.put(base, content=PLACES).status_code in (401, 403)  # organisers only
    bad = api.c.put(base, content="id,name,parent,population\na,A,,10\nb,B,zz,5\n",
                    headers=api.auth | {"content-type": "text/csv"})
    assert bad.status_code == 422 and "line 3" in bad.json()["message"] and "unknown parent" in bad.json()["message"]
    assert len(api.c.get(base).json()["places"]) == 5  # the bad upload changed nothing
    hits = api.c.get(f"{base}/search", params={"q": "abbey"}).json()["places"]
    assert hits == [{"id": "a", "name": "Ábbeytown", "label": "Ábbeytown, North", "kind": "rural", "level": "level 1",
                     "matched": "Ábbeytown", "how": "prefix"}]
    st = api.c.put(f"{base}/settings", json={"policy": "sqrt", "min_cell": 3}, headers=api.auth).json()
    assert st["policy"] == "sqrt" and st["policy_label"] == "square root of population" and st["min_cell"] == 3
    assert api.c.get(f"{base}/settings").json()["policy"] == "sqrt"
    r = api.c.put(f"/api/v1/conversations/{cid}/participants/alice/place", json={"place_id": "c"}, headers=api.auth)
    assert r.status_code == 200 and r.json()["place_id"] == "c"
    r = api.c.put(f"/api/v1/conversations/{cid}/participants/bob/place", json={"place_id": "nowhere"},
                  headers=api.auth)
    assert r.status_code == 422 and "unknown place id" in r.json()["message"]
    link = api.c.get(f"{base}/b/link", headers=api.auth).json()
    assert link["url"].endswith(f"/c/{cid}?place=b")
    svg = api.c.get(link["qr_svg"], headers=api.auth)
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text.lstrip().startswith("<svg") and "<path" in svg.text
    assert api.c.get(f"{base}/zz/link", headers=api.auth).status_code == 404


def test_referendum_file_uploads_and_feeds_the_analysis(api):
    from voxpop.analysis.run import analyze
    from voxpop.store.db import get_database
    from voxpop.store.load import load_conversation
    from voxpop.store.places import analysis_inputs

    data = require_shared("data", "places", "eu-referendum-2016-by-area.csv").read_bytes()
    cid = api.conversation(n_statements=3)
    r = api.c.put(f"/api/v1/conversations/{cid}/places", files={"file": ("eu.csv", data, "text/csv")},
                  headers=api.auth)
    assert r.status_code == 200, r.text
    assert r.json()["leaves"] == 382 and r.json()["levels"] == ["region", "area"]
    for k, area in enumerate(["E09000002", "E09000003", "S12000033", "W06000019"] * 3):
        xid = f"x{k}"
        api.c.put(f"/api/v1/conversations/{cid}/participants/{xid}/place", json={"place_id": area},
                  headers=api.auth)
        for j in range(3):
            assert api.vote(cid, j, "agree" if (k + j) % 3 else "disagree", xid=xid).status_code in (200, 201)
    with get_database(api.db_url).read() as s:
        inputs = analysis_inputs(s, cid)
        conv = load_conversation(s, cid)
    assert inputs["policy"] == "population" and len(inputs["places"]) == 393
    doc = analyze(conv, **inputs)
    assert doc["places"]["levels"] == ["region", "area"]
    assert doc["statements"][0]["support"]["weighted"]["n"] == 12
    london = next(p for p in doc["places"]["places"] if p["id"] == "E12000007")
    assert london["participants"] == 6
