"""The archive over the web (SQLite and PostgreSQL): GET .../archive is a zip that POST /imports (and the
organiser's import page) turns back into the conversation; a Pol.is export uploaded as a zip or as files
becomes a live conversation owned by the uploader; hostile zips are refused."""

from __future__ import annotations

import io
import zipfile

import pytest
from tests.api.conftest import PASSWORD, make_organiser
from tests.roundtrip.build import build_conversation
from tests.roundtrip.compare import assert_same_analysis

from voxpop.cli import _register, app
from voxpop.services.analyses import run_analysis
from voxpop.store.db import get_database

_register()


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def _own(api, db, cid: str) -> None:
    """Make the API's organiser the conversation's owner."""
    from voxpop.store.models import Conversation

    me = api.c.get("/api/v1/whoami", headers=api.auth).json()["organiser"]["id"]
    with db.write() as s:
        s.get(Conversation, cid).owner_id = me


@pytest.fixture(scope="module")
def polis_files(tmp_path_factory) -> dict[str, bytes]:
    from typer.testing import CliRunner

    out = tmp_path_factory.mktemp("polis")
    r = CliRunner().invoke(app, ["simulate", str(out), "--participants", "150", "--statements", "12", "--seed", "6",
                                 "--format", "polis"])
    assert r.exit_code == 0, r.output
    return {p.name: p.read_bytes() for p in out.iterdir()}


def test_archive_download_and_import_as_a_copy(api):
    db = get_database(api.db_url)
    cid, _ = build_conversation(db, seed=21)
    _own(api, db, cid)
    r = api.c.get(f"/api/v1/conversations/{cid}/archive", headers=api.auth)
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    assert f'filename="voxpop-{cid}-archive.zip"' in r.headers["content-disposition"]
    names = zipfile.ZipFile(io.BytesIO(r.content)).namelist()
    assert f"voxpop-{cid}-archive/manifest.json" in names
    again = api.c.post("/api/v1/imports", files={"files": ("a.zip", r.content, "application/zip")}, headers=api.auth)
    assert again.status_code == 409 and "--as-copy" in again.json()["message"]
    copy = api.c.post("/api/v1/imports", files={"files": ("a.zip", r.content, "application/zip")},
                      data={"as_copy": "true"}, headers=api.auth)
    assert copy.status_code == 201, copy.text
    body = copy.json()
    assert body["copied"] and body["source_id"] == cid and body["topic"] == "Round trip"
    assert api.c.get(f"/api/v1/conversations/{body['id']}", headers=api.auth).json()["topic"] == "Round trip (copy)"
    a, b = run_analysis(db, cid), run_analysis(db, body["id"])
    assert [g["size"] for g in a["groups"]] == [g["size"] for g in b["groups"]]
    assert a["consensus"] == b["consensus"]
    other = api.c.get(f"/api/v1/conversations/{cid}/archive")
    assert other.status_code == 401


@pytest.mark.parametrize("as_zip", [True, False])
def test_a_polis_export_uploaded_becomes_a_live_conversation(api, polis_files, as_zip):
    files = ([("files", ("export.zip", _zip({f"my-export/{n}": d for n, d in polis_files.items()}) , "application/zip"))]
             if as_zip else [("files", (n, d, "text/csv")) for n, d in polis_files.items()])
    r = api.c.post("/api/v1/imports", files=files, headers=api.auth)
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    assert api.c.get(f"/api/v1/conversations/{cid}", headers=api.auth).status_code == 200  # the uploader owns it
    first = api.fresh_analysis(cid)
    assert first["meta"]["status"] == "ok"
    nxt = api.c.get(f"/api/v1/conversations/{cid}/next").json()["statement"]
    assert api.vote(cid, nxt["id"], "agree").status_code in (200, 201)


def test_bad_uploads_say_what_to_do(api, polis_files):
    def post(files):
        return api.c.post("/api/v1/imports", files=files, headers=api.auth)

    r = post([("files", ("notes.pdf", b"%PDF", "application/pdf"))])
    assert r.status_code == 422 and "not a file voxpop imports" in r.json()["message"]
    r = post([("files", ("x.zip", b"not a zip", "application/zip"))])
    assert r.status_code == 422 and "damaged or not a zip" in r.json()["message"]
    r = post([("files", ("comments.csv", polis_files["comments.csv"], "text/csv"))])
    assert r.status_code == 422 and "no votes here" in r.json()["message"]
    bomb = _zip({f"f{i}.csv": b"x" for i in range(150)})
    r = post([("files", ("many.zip", bomb, "application/zip"))])
    assert r.status_code == 422 and "at most 100" in r.json()["message"]
    sneaky = _zip({"../../etc/votes.csv": polis_files["votes.csv"], "comments.csv": polis_files["comments.csv"]})
    r = post([("files", ("sneaky.zip", sneaky, "application/zip"))])
    assert r.status_code == 201, r.text  # the path is dropped: only the file's own name is used
    r = api.c.post("/api/v1/imports", files=[("files", ("votes.csv", polis_files["votes.csv"], "text/csv"))])
    assert r.status_code == 401


def test_the_organiser_import_page(api, polis_files):
    name, _ = make_organiser(api.db_url)
    page = api.c.get("/organiser/sign-in")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    r = api.c.post("/organiser/sign-in", data={"csrf_token": token, "username": name, "password": PASSWORD},
                   follow_redirects=False)
    assert r.status_code == 303, r.text
    page = api.c.get("/organiser/import")
    assert page.status_code == 200 and "Import a conversation" in page.text and 'type="file"' in page.text
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    r = api.c.post("/organiser/import", data={"csrf_token": token},
                   files=[("files", (n, d, "text/csv")) for n, d in polis_files.items()], follow_redirects=False)
    assert r.status_code == 303 and "msg=imported" in r.headers["location"], r.text
    manage = api.c.get(r.headers["location"])
    assert "Conversation imported" in manage.text and "Archive (zip)" in manage.text
    bad = api.c.post("/organiser/import", data={"csrf_token": token},
                     files=[("files", ("x.zip", b"nope", "application/zip"))])
    assert bad.status_code == 422 and "damaged or not a zip" in bad.text
    assert "<h1>" in bad.text and bad.headers["content-type"].startswith("text/html")


def test_archive_round_trip_equals_through_the_web(api, tmp_path):
    """The same analysis after GET archive -> POST imports into another database."""
    db = get_database(api.db_url)
    cid, _ = build_conversation(db, seed=22)
    _own(api, db, cid)
    data = api.c.get(f"/api/v1/conversations/{cid}/archive", headers=api.auth).content
    from tests.api.conftest import open_api

    other = f"sqlite:///{tmp_path}/other.db"
    with open_api(other) as api2:
        r = api2.c.post("/api/v1/imports", files={"files": ("a.zip", data, "application/zip")}, headers=api2.auth)
        assert r.status_code == 201 and r.json()["id"] == cid, r.text
    assert_same_analysis(run_analysis(get_database(other), cid), run_analysis(db, cid))
