"""Listening over the JSON API (real app, real SQLite): upload (a background job), themes, accept candidates."""

from __future__ import annotations

import pytest
from tests.api.conftest import open_api

from voxpop.store.db import get_database
from voxpop.worker import Worker


def run_jobs(db_url: str) -> int:
    """Run the waiting listening jobs as `voxpop worker` would; how many ran."""
    w, n = Worker(get_database(db_url), poll_s=0.001), 0
    while w.step_listen():
        n += 1
    return n

CSV = "id,text,place\n" + "".join(f'{i},"{t}",{("Leeds", "York")[i % 2]}\n' for i, t in enumerate([
    "The buses are always late. We need more buses at night.", "Bus fares went up again this year.",
    "Night buses stopped running after ten.", "Rents are too high for young people here.",
    "My landlord never fixes the damp.", "Housing is the biggest problem in this town.",
    "The park by the river needs cleaning.", "More trees and benches in the parks, please.",
    "Parks are where kids play; keep them safe.", "Buses and trains should connect better."]))


@pytest.fixture
def api(tmp_path):
    with open_api(f"sqlite:///{tmp_path}/voxpop.db", background="off") as a:
        yield a


def test_upload_list_and_accept(api):
    cid = api.conversation(n_statements=1)
    base = f"/api/v1/conversations/{cid}/listen"
    files = [("files", ("voices.csv", CSV.encode(), "text/csv")),
             ("files", ("note.txt", b"# place: Hull\nThe buses never come on Sundays. Please fix it.", "text/plain"))]
    assert api.c.post(base, files=files, params={"model": "tfidf"}).status_code in (401, 403)
    assert api.c.get(f"{base}/themes", headers=api.auth).status_code == 404
    r = api.c.post(base, files=files, params={"model": "tfidf"}, headers=api.auth)
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["job"]["status"] == "queued" and r.headers["location"] == job["url"]
    assert job["url"] == f"{base}/jobs/{job['job']['id']}"
    assert api.c.get(job["url"]).status_code in (401, 403)
    assert api.c.get(f"{base}/themes", headers=api.auth).status_code == 404  # not yet
    assert run_jobs(api.db_url) == 1
    done = api.c.get(job["url"], headers=api.auth).json()
    assert done["status"] == "done" and done["progress"] == 1 and done["themes"] >= 1, done
    assert done["themes_url"] == f"{base}/themes" and done["error"] is None
    listed = api.c.get(f"{base}/jobs", headers=api.auth).json()["jobs"]
    assert [j["id"] for j in listed] == [done["id"]] and listed[0]["url"] == job["url"]
    sec = api.c.get(f"{base}/themes", headers=api.auth).json()
    assert sec["meta"]["embedding"]["model"] == "tfidf"
    assert sec["schema"] == "voxpop.themes" and sec["meta"]["counts"]["testimonies"] == 11
    assert all(s["path"] == s["id"] for s in sec["sources"])
    cands = [c for t in sec["themes"] for c in t["candidates"]]
    assert cands
    ids = [c["id"] for c in cands[:2]]
    r = api.c.post(f"{base}/candidates/accept", json={"ids": ids}, headers=api.auth)
    assert r.status_code == 200, r.text
    added = r.json()["added"]
    assert [a["candidate"] for a in added] == ids and all(a["testimony"] for a in added)
    stmts = api.c.get(f"/api/v1/conversations/{cid}/statements").json()
    texts = {s["text"] for s in (stmts["statements"] if isinstance(stmts, dict) else stmts)}
    assert {a["text"] for a in added} <= texts
    again = api.c.post(f"{base}/candidates/accept", json={"ids": ids}, headers=api.auth).json()
    assert again["added"] == [] and len(again["skipped"]) == 2
    assert api.c.get(f"{base}/themes", headers=api.auth).json()["accepted"] == added
    bad = api.c.post(f"{base}/candidates/accept", json={"ids": ["nope"]}, headers=api.auth)
    assert bad.status_code == 422 and "unknown candidate" in bad.json()["message"]


def test_bad_testimony_is_refused_with_its_name(api):
    cid = api.conversation(n_statements=0)
    r = api.c.post(f"/api/v1/conversations/{cid}/listen", params={"model": "tfidf"}, headers=api.auth,
                   files=[("files", ("bad.csv", b"id,text\n1,caf\xe9\n", "text/csv"))])
    assert r.status_code == 422 and "bad.csv" in r.json()["message"] and "UTF-8" in r.json()["message"]
    assert "/tmp" not in r.json()["message"]


def test_an_empty_file_and_a_header_alone_are_refused_at_upload(api):
    """A 0-byte CSV got "line 1: missing column(s) id, text … found []"; a CSV with only its header was
    accepted and failed later in the worker. Both are refused at once, with listen.io's messages."""
    cid = api.conversation(n_statements=0)
    url = f"/api/v1/conversations/{cid}/listen"
    for name, data, words in [("empty.csv", b"", "empty.csv: the file is empty; give it some testimony text"),
                              ("empty.txt", b"", "empty.txt: the file is empty; give it some testimony text"),
                              ("head.csv", b"id,text,place\r\n", "head.csv: no rows under the header; add at least "
                                                                  "one testimony")]:
        r = api.c.post(url, params={"model": "tfidf"}, headers=api.auth, files=[("files", (name, data, "text/csv"))])
        assert r.status_code == 422 and r.json()["message"] == words, r.text
    assert api.c.get(f"{url}/jobs", headers=api.auth).json()["jobs"] == []
    r = api.c.post(url, params={"model": "tfidf"}, headers={**api.auth, "Accept-Language": "cy"},
                   files=[("files", ("head.csv", b"id,text\n", "text/csv"))])
    assert r.status_code == 422 and r.json()["message"] == "head.csv: dim rhesi o dan y pennawd; ychwanegwch o leiaf un dystiolaeth"


def test_excel_utf16_uploads_are_accepted_and_themed(api):
    """Excel's "CSV UTF-16" (BE here) and tab-separated "Unicode Text" (UTF-16 LE, .txt) were refused for their
    NUL characters; a broken UTF-16 file is refused at upload with where it breaks, in the reader's language."""
    cid = api.conversation(n_statements=0)
    url = f"/api/v1/conversations/{cid}/listen"
    tsv = CSV.replace(',"', "\t").replace('",', "\t").replace("id,text,place", "id\ttext\tplace")
    be = "id,text,place\n" + "".join("b" + line + "\n" for line in CSV.splitlines()[1:])  # ids b0..b9
    files = [("files", ("excel.csv", b"\xfe\xff" + be.encode("utf-16-be"), "text/csv")),
             ("files", ("unicode.txt", b"\xff\xfe" + tsv.replace("\n", "\r\n").encode("utf-16-le"), "text/plain"))]
    r = api.c.post(url, params={"model": "tfidf"}, headers=api.auth, files=files)
    assert r.status_code == 202, r.text
    assert run_jobs(api.db_url) == 1
    done = api.c.get(r.json()["url"], headers=api.auth).json()
    assert done["status"] == "done", done
    sec = api.c.get(f"{url}/themes", headers=api.auth).json()
    assert sec["meta"]["counts"]["testimonies"] == 20
    bad = b"\xff\xfe" + "id,text\n1,x".encode("utf-16-le") + b"\x00\xdc\n"
    for lang, words in (("en", "bad.csv: not valid UTF-16 LE (a broken character at byte 24, line 2); re-save "
                               "the file as UTF-8"),
                        ("cy", "bad.csv: nid yw'n UTF-16 LE dilys (nod wedi torri ar feit 24, llinell 2); cadwch "
                               "y ffeil eto fel UTF-8")):
        r = api.c.post(url, params={"model": "tfidf"}, headers={**api.auth, "Accept-Language": lang},
                       files=[("files", ("bad.csv", bad, "text/csv"))])
        assert r.status_code == 422 and r.json()["message"] == words, r.text


def test_utf32_uploads_are_accepted_and_themed(api):
    """UTF-32 with a byte-order mark (LE, whose mark starts with UTF-16 LE's, and BE) is read as UTF-32, not refused
    for its NUL characters; a broken one is refused at upload, in the reader's language."""
    cid = api.conversation(n_statements=0)
    url = f"/api/v1/conversations/{cid}/listen"
    be = "id,text,place\n" + "".join("b" + line + "\n" for line in CSV.splitlines()[1:])  # ids b0..b9
    files = [("files", ("le.csv", b"\xff\xfe\x00\x00" + CSV.encode("utf-32-le"), "text/csv")),
             ("files", ("be.csv", b"\x00\x00\xfe\xff" + be.encode("utf-32-be"), "text/csv"))]
    r = api.c.post(url, params={"model": "tfidf"}, headers=api.auth, files=files)
    assert r.status_code == 202, r.text
    assert run_jobs(api.db_url) == 1
    done = api.c.get(r.json()["url"], headers=api.auth).json()
    assert done["status"] == "done", done
    sec = api.c.get(f"{url}/themes", headers=api.auth).json()
    assert sec["meta"]["counts"]["testimonies"] == 20
    bad = b"\xff\xfe\x00\x00" + "id,text\n1,x".encode("utf-32-le") + b"\n\x00"
    for lang, words in (("en", "bad.csv: not valid UTF-32 LE (a broken character at byte 48, line 2); re-save "
                               "the file as UTF-8"),
                        ("cy", "bad.csv: nid yw'n UTF-32 LE dilys (nod wedi torri ar feit 48, llinell 2); cadwch "
                               "y ffeil eto fel UTF-8")):
        r = api.c.post(url, params={"model": "tfidf"}, headers={**api.auth, "Accept-Language": lang},
                       files=[("files", ("bad.csv", bad, "text/csv"))])
        assert r.status_code == 422 and r.json()["message"] == words, r.text
