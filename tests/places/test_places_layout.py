"""Map layouts (HexJSON, GeoJSON, the packaged UK hex map) and the server-drawn map of places."""

from __future__ import annotations

import json
import re

import pytest
from tests.api.conftest import open_api

from voxpop.places.io import read_places
from voxpop.places.layout import (
    default_layout_for,
    default_uk_layout,
    from_geojson,
    from_hexjson,
    match,
    read_layout,
    referendum_places_path,
)
from voxpop.places.registry import PlaceError
from voxpop.report.placemap import place_map

PLACES = ("id,name,kind,parent,population\nN,North,,,\nS,South,,,\n"
          "a,Abbeytown,rural,N,1000\nb,Port Town,coastal,N,3000\nc,Cham,city,S,5000\n")


def _square(pid, x, y, **props):
    ring = [[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1], [x, y]]
    return {"type": "Feature", "properties": {"code": pid, **props},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


GEO = {"type": "FeatureCollection", "features": [_square("a", 0, 50), _square("b", 1, 50), _square("c", 0, 51)]}


def test_the_packaged_uk_map_covers_every_counting_area():
    reg = read_places(referendum_places_path(), "eu-referendum-2016")
    uk = default_uk_layout()
    assert len(uk["shapes"]) == 391
    n, unknown = match(uk, set(reg.ids))
    assert n == 391 and unknown == []
    drawn = {s["place"] for s in uk["shapes"]}
    leaves = {reg.ids[i] for i in range(len(reg)) if reg.is_leaf[i]}
    assert leaves - drawn == {"GI"}  # Gibraltar has no hex; it stays in the table of places
    ni = [s for s in uk["shapes"] if s["place"] == "N92000002"]
    assert len(ni) == 11 and all(s["id"].startswith("N09") for s in ni)
    assert default_layout_for(set(reg.ids)) is uk and default_layout_for({"a", "b"}) is None
    # shapes are closed hexagons inside the box, north up (Shetland above Cornwall)
    y = {s["id"]: float(re.match(r"M[\d.]+ ([\d.]+)", s["d"]).group(1)) for s in uk["shapes"]}
    assert y["S12000027"] < y["E06000052"]
    assert all(s["d"].count("L") == 5 and s["d"].endswith("Z") for s in uk["shapes"])


def test_hexjson_and_geojson_errors_say_what_to_fix():
    with pytest.raises(PlaceError, match="HexJSON"):
        from_hexjson({"layout": "odd-r"})
    with pytest.raises(PlaceError, match="q and r"):
        from_hexjson({"layout": "odd-r", "hexes": {"a": {"q": "x"}}})
    with pytest.raises(PlaceError, match="unknown hex layout"):
        from_hexjson({"layout": "diagonal", "hexes": {"a": {"q": 0, "r": 0}}})
    with pytest.raises(PlaceError, match="FeatureCollection"):
        from_geojson({"type": "Feature"})
    with pytest.raises(PlaceError, match="not JSON"):
        read_layout(b"{nope", "map.geojson")
    geo = from_geojson(GEO)
    assert [s["place"] for s in geo["shapes"]] == ["a", "b", "c"] and geo["width"] == 600
    hexes = read_layout(json.dumps({"layout": "even-q", "hexes": {"a": {"q": 0, "r": 0}, "b": {"q": 1, "r": 0,
                                                                                             "place": "c"}}}), "h")
    assert [s["place"] for s in hexes["shapes"]] == ["a", "c"]


def test_layout_upload_over_the_api(tmp_path):
    with open_api(f"sqlite:///{tmp_path}/voxpop.db") as api:
        cid = api.conversation(n_statements=2)
        base = f"/api/v1/conversations/{cid}/places"
        r = api.c.put(f"{base}/layout", content=json.dumps(GEO), headers=api.auth)
        assert r.status_code == 422 and "upload the places first" in r.json()["message"]
        api.c.put(base, content=PLACES, headers=api.auth | {"content-type": "text/csv"})
        assert api.c.get(f"{base}/layout").status_code == 404
        bad = {"type": "FeatureCollection", "features": [*GEO["features"], _square("zz", 5, 5)]}
        r = api.c.put(f"{base}/layout", files={"file": ("map.geojson", json.dumps(bad), "application/json")},
                      headers=api.auth)
        assert r.status_code == 422 and "1 of 4 shapes match no place id, e.g. zz" in r.json()["message"]
        assert api.c.put(f"{base}/layout", content=json.dumps(GEO)).status_code in (401, 403)
        r = api.c.put(f"{base}/layout", files={"file": ("map.geojson", json.dumps(GEO), "application/json")},
                      headers=api.auth)
        assert r.status_code == 200 and r.json() == {"kind": "geojson", "shapes": 3, "source": "map.geojson"}
        layout = api.c.get(f"{base}/layout").json()
        assert layout["kind"] == "geojson" and len(layout["shapes"]) == 3
        assert api.c.delete(f"{base}/layout", headers=api.auth).json() == {"deleted": True}
        assert api.c.get(f"{base}/layout").status_code == 404


def _section():
    places = [{"id": "N", "name": "North", "parent": None, "is_leaf": False, "participants_band": "5+",
               "voices_per_100k": 300.0},
              {"id": "a", "name": "Abbeytown", "parent": "N", "is_leaf": True, "participants_band": "0",
               "voices_per_100k": None, "participants": 0},
              {"id": "b", "name": "Port Town", "parent": "N", "is_leaf": True, "participants_band": "<5",
               "voices_per_100k": None, "participants": None},
              {"id": "c", "name": "Cham", "parent": "S", "is_leaf": True, "participants_band": "5+",
               "voices_per_100k": 240.0, "participants": 12}]
    cols = ["statement", "group", "dimension", "level", "cell", "w_agree"]
    rows = [["s1", None, "place", "area", "c", 0.83], ["s1", 0, "place", "area", "b", 0.1]]
    return {"min_cell": 5, "places": places, "breakdowns": {"columns": cols, "rows": rows}}


def test_the_map_greys_small_cells_and_never_shows_their_numbers():
    layout = from_geojson(GEO)
    m = place_map(layout, _section())
    svg = str(m.svg)
    assert m.shapes == 3 and svg.count("<a href=") == 3 and svg.count("<title") == 4
    assert 'role="group"' in svg and "<text" not in svg  # no text in the drawing: legend and table are HTML
    assert "Abbeytown: not yet heard" in svg and "Port Town: too few voices to show (fewer than 5)" in svg
    assert "Cham: 240 voices per 100,000 people" in svg
    values = {r.name: r.value for r in m.rows}
    assert values == {"Abbeytown": "not yet heard", "Port Town": "too few voices to show (fewer than 5)",
                      "Cham": "240 voices per 100,000 people"}
    s = place_map(layout, _section(), mode="s1", statement_text="More buses")
    values = {r.name: r.value for r in s.rows}
    # only everyone's (not a group's) already-suppressed rows colour the map
    assert values["Cham"] == "83% agree (weighted)" and values["Port Town"].startswith("not shown: fewer than 5")
    assert "More buses" in s.title
    # a count hidden to protect a smaller neighbour (band 5+, no number) says so, and shows no number
    sec = _section()
    sec["places"][3].update(participants=None, voices_per_100k=None)
    hidden = {r.name: r.value for r in place_map(layout, sec).rows}
    assert hidden["Cham"] == "not shown, so that a smaller count nearby cannot be worked out"


def test_the_organiser_uploads_and_removes_a_map_on_the_places_page(tmp_path):
    from fastapi.testclient import TestClient

    from voxpop.services import accounts, conversations
    from voxpop.web.app import create_app

    def token(html):
        return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)

    app = create_app(f"sqlite:///{tmp_path}/pages.db", background="off")
    with app.state.voxpop.db.write() as s:
        org = accounts.create_organiser(s, "maporg", "a long enough password")
        cid = conversations.create_conversation(s, topic="Buses", owner_id=org.id).id
    with TestClient(app) as c:
        t = token(c.get("/organiser/sign-in").text)
        c.post("/organiser/sign-in", data={"csrf_token": t, "username": "maporg", "password": "a long enough password",
                                           "next": "/organiser"})
        page = c.get(f"/organiser/c/{cid}/places").text
        c.post(f"/organiser/c/{cid}/places", data={"csrf_token": token(page)},
               files={"file": ("places.csv", PLACES.encode(), "text/csv")})
        page = c.get(f"/organiser/c/{cid}/places").text
        assert "Map of the places" in page and "No map yet" in page
        bad = c.post(f"/organiser/c/{cid}/places/layout", data={"csrf_token": token(page)},
                     files={"file": ("map.geojson", b'{"type": "Feature"}', "application/json")})
        assert bad.status_code == 422 and "FeatureCollection" in bad.text
        r = c.post(f"/organiser/c/{cid}/places/layout", data={"csrf_token": token(page), "id_property": "code"},
                   files={"file": ("map.geojson", json.dumps(GEO).encode(), "application/json")},
                   follow_redirects=False)
        assert r.status_code == 303
        page = c.get(f"/organiser/c/{cid}/places").text
        assert "draws 3 shapes (boundaries: map.geojson)" in page
        r = c.post(f"/organiser/c/{cid}/places/layout/delete", data={"csrf_token": token(page)}, follow_redirects=False)
        assert r.status_code == 303 and "No map yet" in c.get(f"/organiser/c/{cid}/places").text
        # the meeting link's QR code, read in Welsh: the image's text alternative was English
        cy = c.get(f"/organiser/c/{cid}/places?q=Cham&lang=cy").text
        alt = re.search(r'<img src="[^"]*" alt="([^"]*)"', cy).group(1)
        assert alt == "Cod QR ar gyfer Cham, South", alt
