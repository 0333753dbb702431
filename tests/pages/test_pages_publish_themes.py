"""Publishing listening themes on the results page, through the organiser's listening page and its JSON twin
/api/v1/conversations/{cid}/listen/published (the real app on SQLite, in-process): nothing public until the
organiser publishes; withdraw takes them off; a newer run waits for its own publishing; only the organisers
who manage the conversation can publish, with the forms' CSRF token."""

from __future__ import annotations

import re

import pytest
from pagehelp import csrf, sign_in
from sqlalchemy import func

from voxpop.places.io import read_places
from voxpop.places.layout import referendum_places_path
from voxpop.services import accounts
from voxpop.store.models import Artifact, PublishedThemes
from voxpop.store.places import replace_places
from voxpop.store.queries import add_artifact
from voxpop.web.api.listen import THEMES_KIND


def _section(label: str, n: int = 6) -> dict:
    return {"schema": "voxpop.themes", "themes": [{"id": 0, "label": label}],
            "testimonies": [{"id": f"t{k}", "speaker": f"P{k}", "place": "Leeds", "claims": [f"t{k}:0"], "text": "."}
                            for k in range(n)],
            "claims": [{"id": f"t{k}:0", "testimony": f"t{k}", "theme": 0} for k in range(n)]}


def _run(app, cid: str, label: str) -> None:
    """A finished listening run (stored as the worker stores it, without the parts this page does not read)."""
    with app.state.voxpop.db.write() as s:
        add_artifact(s, cid, THEMES_KIND, _section(label))


@pytest.fixture
def cid(app, seeded):
    with app.state.voxpop.db.write() as s:
        replace_places(s, seeded["cid"], read_places(referendum_places_path(), "eu-referendum-2016"))
    _run(app, seeded["cid"], "Bus services")
    return seeded["cid"]


def _public(app, cid: str) -> str:
    """The results page as a reader who is not signed in sees it."""
    from fastapi.testclient import TestClient

    with TestClient(app) as anon:
        return anon.get(f"/c/{cid}/results").text


def _publish_form(page: str) -> dict:
    return {"csrf_token": csrf(page), "artifact": re.search(r'name="artifact" value="(\d+)"', page)[1]}


def test_organiser_publishes_then_withdraws(client, app, cid):
    assert 'id="themes-by-place"' not in _public(app, cid)  # finished, not yet checked: not public
    assert client.get(f"/api/v1/conversations/{cid}/listen/places").status_code == 404
    sign_in(client)
    page = client.get(f"/organiser/c/{cid}/listen").text
    assert "Not on the results page." in page and "Bus services" in page  # the organiser sees them
    assert f'href="/api/v1/conversations/{cid}/listen/places?themes=latest"' in page
    assert "Withdraw the themes" not in page
    r = client.post(f"/organiser/c/{cid}/listen/publish", data=_publish_form(page), follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("/listen?msg=themes-published")
    page = client.get(r.headers["location"]).text
    assert "The themes are on the results page now." in page
    said = re.search(r"On the results page since \w+ \d+, \d{4} at (\d\d:\d\d) UTC: the themes of the run that "
                     r"finished (then|at (\d\d:\d\d) UTC that day)\.", page)
    assert said and said[1] != said[3]  # each time said once (published as soon as it finished: "then")
    assert "Publish these themes" not in page and "Withdraw the themes from the results page" in page
    public = _public(app, cid)
    assert 'id="themes-by-place"' in public and "Bus services" in public and 'id="themes-note"' not in public
    assert client.get(f"/api/v1/conversations/{cid}/listen/places").status_code == 200
    r = client.post(f"/organiser/c/{cid}/listen/withdraw", data={"csrf_token": csrf(page)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("msg=themes-withdrawn")
    page = client.get(r.headers["location"]).text
    assert "The themes were taken off the results page." in page and "Not on the results page." in page
    assert 'id="themes-by-place"' not in _public(app, cid)
    assert "Bus services" in page  # kept for the organisers


def test_a_newer_run_is_not_public_until_published(client, app, cid):
    sign_in(client)
    page = client.get(f"/organiser/c/{cid}/listen").text
    client.post(f"/organiser/c/{cid}/listen/publish", data=_publish_form(page))
    _run(app, cid, "Rent and housing")
    page = client.get(f"/organiser/c/{cid}/listen").text
    assert "A newer run is not published yet" in page and "Publish the newer themes instead" in page
    assert "Rent and housing" in page  # the listening page shows the latest run
    public = _public(app, cid)
    assert "Bus services" in public and "Rent and housing" not in public
    # the organiser reading the results page sees what the public sees, and a note where to publish
    mine = client.get(f"/c/{cid}/results")
    assert "Bus services" in mine.text and "Rent and housing" not in mine.text
    note = re.search(r'<p class="notice" id="themes-note">.*?</p>', mine.text, re.S)[0]
    assert f'href="/organiser/c/{cid}/listen#publishing"' in note
    assert mine.headers["cache-control"].startswith("private")  # never kept by a shared cache
    assert 'id="themes-note"' not in public
    client.post(f"/organiser/c/{cid}/listen/publish", data=_publish_form(page))
    public = _public(app, cid)
    assert "Rent and housing" in public and "Bus services" not in public
    assert 'id="themes-note"' not in client.get(f"/c/{cid}/results").text


def test_publishing_needs_the_forms_token_and_a_manager(client, app, cid):
    sign_in(client)
    page = client.get(f"/organiser/c/{cid}/listen").text
    for path in ("publish", "withdraw"):
        r = client.post(f"/organiser/c/{cid}/listen/{path}", data={}, follow_redirects=False)
        assert r.status_code == 403 and "reload the page" in r.text
    client.post("/organiser/sign-out", data={"csrf_token": csrf(page)})
    r = client.post(f"/organiser/c/{cid}/listen/publish", data=_publish_form(page), follow_redirects=False)
    assert r.status_code == 303 and "/organiser/sign-in" in r.headers["location"]  # signed out: sign in first
    assert 'id="themes-by-place"' not in _public(app, cid)
    with app.state.voxpop.db.write() as s:
        accounts.create_organiser(s, "someone-else", "another-long-password")
    html = client.get("/organiser/sign-in").text
    client.post("/organiser/sign-in", data={"csrf_token": csrf(html), "username": "someone-else",
                                            "password": "another-long-password"})
    token = csrf(client.get("/organiser").text)
    r = client.post(f"/organiser/c/{cid}/listen/publish", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 403 and "another organiser" in r.text
    assert client.get(f"/organiser/c/{cid}/listen").status_code == 403
    assert 'id="themes-by-place"' not in _public(app, cid)
    # the JSON twins: another organiser gets 403, so does asking for the unpublished themes by place
    assert client.post(f"/api/v1/conversations/{cid}/listen/published").status_code == 403
    assert client.get(f"/api/v1/conversations/{cid}/listen/published").status_code == 403
    r = client.get(f"/api/v1/conversations/{cid}/listen/places?themes=latest")
    assert r.status_code == 403 and "not published" in r.text


def test_the_json_twin(client, app, seeded):
    cid = seeded["cid"]
    api = f"/api/v1/conversations/{cid}/listen/published"
    assert client.get(api).status_code == 401
    assert client.post(api).status_code == 401 and client.delete(api).status_code == 401
    sign_in(client)
    assert client.get(api).json() == {"status": "no_themes", "published": None, "latest": None,
                                      "newer_not_published": False}
    r = client.post(api)
    assert r.status_code == 409 and "no listening themes to publish yet" in r.json()["message"]
    _run(app, cid, "Bus services")
    state = client.get(api).json()
    assert state["status"] == "not_published" and state["newer_not_published"]
    first = state["latest"]["artifact"]
    r = client.post(api, json={"artifact": first + 1000})
    assert r.status_code == 404 and f"no listening themes with id {first + 1000}" in r.text
    assert client.post(api, json={"artifact": "x"}).status_code == 422
    assert client.post(api, json={"artifact": first, "extra": 1}).status_code == 422
    r = client.post(api, json={"artifact": first})
    assert r.status_code == 200 and r.json()["status"] == "published"
    assert r.json()["published"]["by"] == "organiser" and r.json()["published"]["artifact"] == first
    _run(app, cid, "Rent and housing")
    state = client.get(api).json()
    assert state["status"] == "newer_not_published" and state["latest"]["artifact"] > first
    assert client.post(api).json()["published"]["artifact"] == state["latest"]["artifact"]  # no body: the latest
    r = client.delete(api)
    assert r.status_code == 200 and r.json()["status"] == "not_published" and r.json()["published"] is None
    assert client.delete(api).status_code == 200  # nothing left to withdraw: the same state, not an error


def _panel(page: str) -> str:
    return re.search(r'<section class="panel" id="publishing".*?</section>', page, re.S)[0]


def _published_at(app, cid: str, *, run_ms: int, published_ms: int) -> None:
    """Move the published run's finishing time and its publishing time (as if it happened then)."""
    with app.state.voxpop.db.write() as s:
        row = s.get(PublishedThemes, cid)
        s.get(Artifact, row.artifact_id).created_ms = run_ms
        row.published_ms = published_ms


def test_the_panel_says_each_time_once_and_groups_its_buttons(client, app, cid):
    sign_in(client)
    page = client.get(f"/organiser/c/{cid}/listen").text
    client.post(f"/organiser/c/{cid}/listen/publish", data=_publish_form(page))
    day = 1_764_547_200_000  # 2025-12-01 00:00 UTC
    _published_at(app, cid, run_ms=day + (6 * 60 + 53) * 60_000 + 5_000, published_ms=day + (6 * 60 + 53) * 60_000 + 40_000)
    panel = _panel(client.get(f"/organiser/c/{cid}/listen").text)
    assert ("On the results page since December 1, 2025 at 06:53 UTC: the themes of the run that finished then."
            in panel) and panel.count("06:53") == 1
    _published_at(app, cid, run_ms=day + (6 * 60 + 10) * 60_000, published_ms=day + (9 * 60 + 5) * 60_000)
    panel = _panel(client.get(f"/organiser/c/{cid}/listen").text)
    assert ("On the results page since December 1, 2025 at 09:05 UTC: the themes of the run that finished at "
            "06:10 UTC that day.") in panel
    _published_at(app, cid, run_ms=day - 3_600_000, published_ms=day + 60_000)
    panel = _panel(client.get(f"/organiser/c/{cid}/listen").text)
    assert ("On the results page since December 1, 2025 at 00:01 UTC: the themes of the run that finished on "
            "November 30, 2025 at 23:00 UTC.") in panel
    cy = _panel(client.get(f"/organiser/c/{cid}/listen?lang=cy").text)
    assert "Ar y dudalen ganlyniadau ers" in cy and "themâu’r rhediad a orffennodd ar" in cy and "the run" not in cy
    # a newer run: publish it instead, withdraw, or see the results page: one group of buttons with a gap
    _run(app, cid, "Rent and housing")
    panel = _panel(client.get(f"/organiser/c/{cid}/listen?lang=en").text)  # another day: the date is said
    assert "A newer run is not published yet: the themes below are from the run of " in panel
    with app.state.voxpop.db.write() as s:  # the same day as the published run was published: the time alone
        s.get(Artifact, s.query(func.max(Artifact.id)).scalar()).created_ms = day + 10 * 3_600_000
    panel = _panel(client.get(f"/organiser/c/{cid}/listen").text)
    assert "A newer run is not published yet: the themes below are from the run that finished at 10:00 UTC." in panel
    group = re.search(r'<div class="actions publishing-actions">(.*?)</div>', panel, re.S)[1]
    assert group.count("<form") == 2 and "Publish the newer themes instead" in group
    assert "Withdraw the themes from the results page" in group and f'href="/c/{cid}/results"' in group
    css = client.get("/static/css/voxpop.css").text
    assert ".actions { display: flex; flex-wrap: wrap; gap: 0.5rem;" in css
