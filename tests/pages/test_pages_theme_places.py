"""Themes by place on the listening page and the results page, and their JSON twin
GET /api/v1/conversations/{cid}/listen/places (the real app on SQLite, in-process)."""

from __future__ import annotations

import re

import pytest
from pagehelp import sign_in

from voxpop.places.io import read_places
from voxpop.places.layout import referendum_places_path
from voxpop.services import theme_publishing
from voxpop.store.models import Conversation
from voxpop.store.places import replace_places
from voxpop.store.queries import add_artifact
from voxpop.web.api.listen import THEMES_KIND

THEMES = {0: "Bus services", 1: "Rent and housing", 2: "Libraries"}


def _section(people: list[tuple[str, str | None, int]]) -> dict:
    testimonies, claims = [], []
    for k, (speaker, place, theme) in enumerate(people):
        testimonies.append({"id": f"t{k}", "speaker": speaker, "place": place, "claims": [f"t{k}:0"], "text": "..."})
        claims.append({"id": f"t{k}:0", "testimony": f"t{k}", "theme": theme})
    return {"schema": "voxpop.themes", "testimonies": testimonies, "claims": claims,
            "themes": [{"id": i, "label": label} for i, label in THEMES.items()]}


PEOPLE = ([(f"L{i}", "Leeds", 0) for i in range(6)] + [(f"C{i}", "Cornwall", 1) for i in range(7)]
          + [(f"Y{i}", "York", 2) for i in range(3)] + [("A0", "Atlantis", 2), ("A1", "Atlantis", 2)])


def _store(s, cid: str, section: dict, *, publish: bool = True) -> None:
    """Only the parts of a themes section that themes-by-place reads (save_themes would refuse it); published
    on the results page, as an organiser does after checking them (services.theme_publishing)."""
    add_artifact(s, cid, THEMES_KIND, section)
    s.flush()
    if publish:
        theme_publishing.publish(s, cid, organiser_id=None)


@pytest.fixture
def with_themes(app, seeded):
    cid = seeded["cid"]
    with app.state.voxpop.db.write() as s:
        replace_places(s, cid, read_places(referendum_places_path(), "eu-referendum-2016"))
        _store(s, cid, _section(PEOPLE))
    return cid


def test_the_json_twin_gives_each_place_its_theme_with_small_places_suppressed(client, with_themes):
    cid = with_themes
    data = client.get(f"/api/v1/conversations/{cid}/listen/places").json()
    assert data["schema"] == "voxpop.themes_by_place" and data["level"] == "area" and data["min_cell"] == 5
    rows = {r["name"]: r for r in data["places"]}
    assert rows["Leeds"]["top"]["label"] == "Bus services" and rows["Leeds"]["n_people"] == 6
    assert rows["Cornwall"]["top"]["label"] == "Rent and housing"
    assert rows["York"] == {**rows["York"], "status": "too_few", "n_people": None, "top": None, "themes": []}
    assert "unmatched" not in data  # what people typed is for the organisers only
    assert data["not_placed"] == {"n_people": None, "status": "too_few"}
    # the organiser also sees the place names that matched nothing
    sign_in(client)
    org = client.get(f"/api/v1/conversations/{cid}/listen/places").json()
    assert org["unmatched"] == [{"place": "Atlantis", "n_testimonies": 2}]
    forced = client.get(f"/api/v1/conversations/{cid}/listen/places?level=region").json()
    assert forced["level"] == "region"
    r = client.get(f"/api/v1/conversations/{cid}/listen/places?level=parish")
    assert r.status_code == 422 and "choose one of region, area" in r.text


def test_no_themes_or_no_places_is_404_and_hidden_results_403(client, app, seeded):
    cid = seeded["cid"]
    r = client.get(f"/api/v1/conversations/{cid}/listen/places")
    assert r.status_code == 404 and "no listening themes by place" in r.text
    with app.state.voxpop.db.write() as s:
        _store(s, cid, _section(PEOPLE))  # themes, but the conversation has no places
    assert client.get(f"/api/v1/conversations/{cid}/listen/places").status_code == 404
    with app.state.voxpop.db.write() as s:
        replace_places(s, cid, read_places(referendum_places_path(), "eu-referendum-2016"))
        s.get(Conversation, cid).show_results = False
    assert client.get(f"/api/v1/conversations/{cid}/listen/places").status_code == 403
    sign_in(client)  # the organisers who manage it still read it
    assert client.get(f"/api/v1/conversations/{cid}/listen/places").status_code == 200


def _section_html(page: str) -> str:
    m = re.search(r'<section id="themes-by-place".*?</section>', page, re.S)
    assert m, "no themes-by-place section"
    return m.group(0)


def test_results_page_shows_the_map_the_key_and_the_table(client, with_themes):
    page = client.get(f"/c/{with_themes}/results")
    assert page.status_code == 200
    html = _section_html(page.text)
    assert "<h2 id=\"themes-by-place-h\">Themes by place</h2>" in html
    # a shape per district; the places with testimony are links to their row in the table, the others are not
    assert html.count('<a href="#themes-map-row-') == 3 and html.count("<path ") >= 380
    assert 'aria-label="York: too few to show (fewer than 5 people)"' in html
    assert "<title>Barnsley: no testimony from here</title>" in html
    # the key: colour AND pattern for each theme, the grey band for too few
    legend = re.search(r'<ul class="map-legend themes-legend".*?</ul>', html, re.S).group(0)
    assert "Bus services" in legend and "Rent and housing" in legend and "too few to show" in legend
    assert 'fill="url(#themes-map-p0)"' in legend and "Libraries" not in legend
    # the table: one row per place with testimony; York says too few, never its theme or counts
    york = re.search(r'<tr id="themes-map-row-E06000014".*?</tr>', html, re.S).group(0)
    assert "too few to show" in york
    assert "Libraries" not in html
    assert '<tr id="themes-map-row-E08000035" class="shown"><th scope="row">Leeds</th>' in html
    # counts and shares only inside a details element; the JSON twin is linked
    details = re.search(r'<details class="more">\s*<summary>Counts and shares by place</summary>.*?</details>', html,
                        re.S).group(0)
    assert "<li>Bus services: 6 (100%)</li>" in details
    assert f'href="/api/v1/conversations/{with_themes}/listen/places"' in html


def test_listening_page_shows_it_too_and_welsh_readers_read_welsh(client, with_themes):
    sign_in(client)
    page = client.get(f"/organiser/c/{with_themes}/listen").text
    html = _section_html(page)
    assert "Themes by place" in html and "Bus services" in html
    # the organiser sees the place names that matched none of the places, and where to add them
    assert "Place names not found (1)" in html and "Atlantis" in html
    assert f'href="/organiser/c/{with_themes}/places"' in html
    public = _section_html(client.get(f"/c/{with_themes}/results").text)
    assert "Atlantis" not in public and "Place names not found" not in public
    cy = client.get(f"/c/{with_themes}/results", headers={"Accept-Language": "cy"}).text
    html = _section_html(cy)
    assert "Themes by place" not in html and "Skip the map" not in html
    assert "Bus services" in html  # theme names are the testimony's own words


def test_no_section_without_themes(client, seeded):
    assert 'id="themes-by-place"' not in client.get(f"/c/{seeded['cid']}/results").text


def test_the_reader_can_choose_the_level_and_an_unknown_one_shows_the_default(client, with_themes):
    cid = with_themes
    html = _section_html(client.get(f"/c/{cid}/results").text)
    assert '<option value="area" selected>area</option>' in html and '<option value="region">region</option>' in html
    assert '<tr id="themes-map-row-E08000035"' in html  # Leeds, an area
    html = _section_html(client.get(f"/c/{cid}/results?level=region&group=A").text)
    assert '<option value="region" selected>region</option>' in html
    assert '<input type="hidden" name="group" value="A">' in html  # the page's other choice is kept
    assert '<tr id="themes-map-row-E12000003" class="shown"><th scope="row">Yorkshire and The Humber</th>' in html
    assert "grouped by" not in html  # the reader asked for regions: nothing was grouped for want of people
    assert f'href="/api/v1/conversations/{cid}/listen/places?level=region"' in html
    html = _section_html(client.get(f"/c/{cid}/results?level=parish").text)
    assert '<option value="area" selected>area</option>' in html


def test_the_service_reads_the_themes_the_listening_api_stores():
    from voxpop.services import listen_jobs
    from voxpop.store import published_themes
    from voxpop.web.api import listen

    assert published_themes.THEMES_KIND == listen_jobs.THEMES_KIND == listen.THEMES_KIND


def test_testimony_uploaded_and_themed_by_the_worker_appears_by_place(client, app, seeded):
    """End to end: a CSV with a place column, through the listening job, onto the map (no stored section)."""
    import csv
    import io

    from pagehelp import csrf

    from voxpop.worker import Worker

    cid = seeded["cid"]
    with app.state.voxpop.db.write() as s:
        replace_places(s, cid, read_places(referendum_places_path(), "eu-referendum-2016"))
    bus = ["The bus to the villages stopped running after six in the evening.",
           "I cannot get to my shift because the last bus leaves at half past five.",
           "Bus fares went up again and my pension does not cover the weekly ticket.",
           "Without a car you are stuck here because the bus comes twice a day.",
           "My daughter takes two buses to college and is late when one is cancelled.",
           "The bus shelter on Mill Lane has no roof and the timetable is never right."]
    rent = ["Rents in the town centre have doubled and young families are moving away.",
            "I pay more than half my wages in rent for a damp flat with mould on the walls.",
            "Landlords keep raising the rent and there is nothing we can do about it.",
            "My son is thirty and still lives with us because he cannot afford the rent.",
            "Holiday lets have taken over and locals cannot find homes to rent.",
            "Young couples cannot save for a deposit when rent takes everything they earn."]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["id", "text", "place"])
    for i, text in enumerate(bus):
        w.writerow([f"b{i}", text, "Leeds"])
    for i, text in enumerate(rent):
        w.writerow([f"r{i}", text, "cornwall"])  # found whatever the case
    w.writerow(["x0", rent[0], "Hackney"])  # one person: too few to show...
    for i, text in enumerate(bus[:5]):  # ...hidden together with 5 people who gave no place (1 alone could be
        w.writerow([f"n{i}", text, ""])  # worked out from the total, and Leeds or Cornwall would be hidden too)
    sign_in(client)
    token = csrf(client.get(f"/organiser/c/{cid}/listen").text)
    r = client.post(f"/organiser/c/{cid}/listen", data={"csrf_token": token, "model": "tfidf"},
                    files=[("files", ("testimony.csv", buf.getvalue().encode(), "text/csv"))], follow_redirects=False)
    assert r.status_code == 303, r.text
    assert Worker(app.state.voxpop.db, poll_s=0.001).step_listen()
    # not public until the organiser publishes them from the listening page
    assert client.get(f"/api/v1/conversations/{cid}/listen/places").status_code == 404
    page = client.get(f"/organiser/c/{cid}/listen").text
    assert "Not on the results page." in page
    r = client.post(f"/organiser/c/{cid}/listen/publish", follow_redirects=False,
                    data={"csrf_token": csrf(page), "artifact": re.search(r'name="artifact" value="(\d+)"', page)[1]})
    assert r.status_code == 303 and "msg=themes-published" in r.headers["location"]
    data = client.get(f"/api/v1/conversations/{cid}/listen/places").json()
    rows = {r["name"]: r for r in data["places"]}
    assert data["level"] == "area" and rows["Leeds"]["n_people"] == 6 and rows["Cornwall"]["n_people"] == 6
    labels = {t["id"]: t["label"] for t in client.get(f"/api/v1/conversations/{cid}/listen/themes").json()["themes"]}
    for name in ("Leeds", "Cornwall"):  # each place's theme is one of the themes found, named as they are
        top = rows[name]["top"]
        assert labels[top["theme"]] == top["label"] and top["n_people"] == max(t["n_people"] for t in rows[name]["themes"])
    assert rows["Hackney"]["status"] == "too_few" and rows["Hackney"]["top"] is None
    assert data["not_placed"] == {"n_people": None, "status": "hidden"}  # hidden with Hackney, not Leeds
    html = _section_html(client.get(f"/organiser/c/{cid}/listen").text)
    assert rows["Leeds"]["top"]["label"] in html and "too few to show" in html
