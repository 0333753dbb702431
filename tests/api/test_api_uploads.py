"""Uploads as an attacker sends them (issue #10, items 5 and 12): form fields instead of files, hostile
file names, malformed place mappings, invalid UTF-8, and bodies near each documented ceiling. Every
answer is a clear 4xx, never a 500; the ceilings are the ones docs/api.md states."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from tests.api.conftest import open_api

PLACES = b"id,name,population\na,A,1\n"


@pytest.fixture
def api(tmp_path):
    with open_api(f"sqlite:///{tmp_path}/voxpop.db") as a:
        a.c = TestClient(a.c.app, raise_server_exceptions=False)  # a 500 is an answer to assert on
        a.cid = a.conversation(n_statements=1)
        yield a


def _is_422(r, *words: str) -> None:
    assert r.status_code == 422, (r.status_code, r.text)
    msg = r.json()["message"]
    for w in words:
        assert w in msg, msg


def test_form_field_instead_of_file_is_422(api):
    base = f"/api/v1/conversations/{api.cid}"
    _is_422(api.c.put(f"{base}/places", data={"other": "id,name"}, headers=api.auth), "file")
    _is_422(api.c.post(f"{base}/statements/csv", data={"other": "a"}, headers=api.auth), "file")
    _is_422(api.c.post(f"{base}/statements/csv", files={"other": ("x.csv", b"a\n")}, headers=api.auth), "file")
    _is_422(api.c.put(f"{base}/places", data={"file": "id,name"}, headers=api.auth), "file")


@pytest.mark.parametrize("name", ["..", ".", "/", "../../etc/passwd", "a/..", "\x00.csv", "x" * 300])
def test_hostile_file_names(api, name):
    r = api.c.put(f"/api/v1/conversations/{api.cid}/places", files={"file": (name, PLACES, "text/csv")},
                  headers=api.auth)
    assert r.status_code == 200, r.text
    r = api.c.put(f"/api/v1/conversations/{api.cid}/places", files={"file": (name, b"id\n", "text/csv")},
                  headers=api.auth)
    _is_422(r, "population")
    assert "/tmp" not in r.text


@pytest.mark.parametrize("mapping", ['{"parents":1}', '{"parents":[1]}', '{"context":"x"}', '{"kind":["a"]}',
                                     '{"context":{"a":1}}', '{"context_scale":{"a":"x"}}', '{"level_name":3}',
                                     '{"parents":[{"level":"r"}]}', '{"nonsense":"x"}', "[1]", "{bad", "null",
                                     '{"context":[1]}', '{"parents":[{"level":"r","id":"id","name":"name","x":1}]}'])
def test_bad_place_mappings_are_422(api, mapping):
    r = api.c.put(f"/api/v1/conversations/{api.cid}/places", params={"mapping": mapping}, content=PLACES,
                  headers=api.auth | {"content-type": "text/csv"})
    _is_422(r, "mapping")


def test_good_mappings_still_work(api):
    body = b"code,label,pop,reg,regname,share\na,A,10,R,Reg,0.5\nb,B,20,R,Reg,0.2\n"
    mapping = ('{"id":"code","name":"label","population":"pop","parents":[{"level":"region","id":"reg",'
               '"name":"regname"}],"context":{"s":"share"},"context_scale":{"s":100}}')
    r = api.c.put(f"/api/v1/conversations/{api.cid}/places", params={"mapping": mapping}, content=body,
                  headers=api.auth | {"content-type": "text/csv"})
    assert r.status_code == 200, r.text
    assert r.json()["leaves"] == 2 and r.json()["context_columns"] == ["s"]
    r = api.c.put(f"/api/v1/conversations/{api.cid}/places", params={"mapping": "id=code,name=label,population=pop"},
                  content=body, headers=api.auth | {"content-type": "text/csv"})
    assert r.status_code == 200, r.text


def test_invalid_utf8_is_422_everywhere(api):
    base = f"/api/v1/conversations/{api.cid}"
    _is_422(api.c.put(f"{base}/places", content=b"id,name,population\n\xff,A,1\n",
                      headers=api.auth | {"content-type": "text/csv"}), "UTF-8", "places.csv")
    _is_422(api.c.post(f"{base}/statements/csv", content=b"\xff\xfe bad",
                       headers=api.auth | {"content-type": "text/csv"}), "UTF-8")
    for url in (f"{base}/statements", f"{base}/votes", "/api/v1/conversations", "/api/v1/tokens"):
        _is_422(api.c.post(url, content=b'{"text": "\xff\xfe"}', headers={"content-type": "application/json"}),
                "UTF-8")
    _is_422(api.c.post(f"{base}/statements/csv", content=b"--x\r\nbroken", headers=api.auth | {
        "content-type": "multipart/form-data; boundary=x"}))


def test_upload_ceilings_are_the_documented_ones(api):
    """The global body limit must not cut uploads below their own ceilings (places 20 MB), and each
    ceiling answers 413 or 422 with a message, never a 500 or a silent truncation."""
    from voxpop.web.limits import JSON_LIMIT, ceiling_for

    base = f"/api/v1/conversations/{api.cid}"
    pad = b"x" * 200  # long names: few rows (fast), many bytes
    rows = b"".join(b"p%d,Place %d %s,%d\n" % (i, i, pad, 100 + i) for i in range(16_000))
    big = b"id,name,population\n" + rows  # ~3.9 MB: over the old 2.5 MB global limit, under 20 MB
    assert 3_000_000 < len(big) < 20 * 1024 * 1024
    r = api.c.put(f"{base}/places", content=big, headers=api.auth | {"content-type": "text/csv"})
    assert r.status_code == 200 and r.json()["leaves"] == 16_000, r.text[:300]
    r = api.c.put(f"{base}/places", files={"file": ("big.csv", big, "text/csv")}, headers=api.auth)
    assert r.status_code == 200, r.text[:300]
    assert ceiling_for("PUT", f"{base}/places") == 20 * 1024 * 1024
    assert ceiling_for("POST", f"{base}/listen") == 50 * 1024 * 1024
    assert ceiling_for("POST", f"/organiser/c/{api.cid}/listen") == 50 * 1024 * 1024
    assert ceiling_for("POST", f"{base}/statements/csv") == 2_000_000
    assert ceiling_for("POST", f"{base}/votes") == JSON_LIMIT
    from voxpop.services.place_layouts import LAYOUT_MAX_BYTES  # a GeoJSON map layout is usually over 64 KB

    assert ceiling_for("PUT", f"{base}/places/layout") == LAYOUT_MAX_BYTES
    assert ceiling_for("POST", f"/organiser/c/{api.cid}/places/layout") == LAYOUT_MAX_BYTES
    too_big = b"text\n" + b"a statement that is long enough\n" * 70_000  # > 2 MB statements CSV
    r = api.c.post(f"{base}/statements/csv", content=too_big, headers=api.auth | {"content-type": "text/csv"})
    assert r.status_code == 413 and "2000000" in r.json()["message"].replace(",", ""), r.text[:300]
    r = api.c.post(f"{base}/votes", content=b"{" + b" " * (JSON_LIMIT + 10) + b"}",
                   headers={"content-type": "application/json"})
    assert r.status_code == 413
