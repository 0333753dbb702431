"""Seeding statements from CSV: one error per bad line, nothing imported from a bad file."""

from __future__ import annotations


def _statements(api, cid):
    return api.c.get(f"/api/v1/conversations/{cid}/statements").json()["statements"]


def test_good_csv_imports_all(api):
    cid = api.conversation(n_statements=0)
    data = 'text\n"Buses should run all night, every night"\nTrams are better\n\n"Fares, not taxes"\n'
    r = api.c.post(f"/api/v1/conversations/{cid}/statements/csv", files={"file": ("seed.csv", data.encode())},
                   headers=api.auth)
    assert r.status_code == 201, r.text
    assert r.json()["imported"] == 3
    assert [s["text"] for s in _statements(api, cid)] == ["Buses should run all night, every night",
                                                           "Trams are better", "Fares, not taxes"]


def test_headerless_text_body(api):
    cid = api.conversation(n_statements=0)
    r = api.c.post(f"/api/v1/conversations/{cid}/statements/csv", content="First one here\nSecond one here\n",
                   headers={**api.auth, "content-type": "text/csv"})
    assert r.status_code == 201 and r.json()["imported"] == 2


def test_bad_lines_each_reported_and_nothing_imported(api):
    cid = api.conversation(n_statements=1)
    data = ("text\nA fine statement\n\n" + "y" * 300 + "\nSeed statement number 0\nA fine statement\n"
            "bad \x01 control\n")
    r = api.c.post(f"/api/v1/conversations/{cid}/statements/csv", files={"file": ("seed.csv", data.encode())},
                   headers=api.auth)
    assert r.status_code == 422, r.text
    body = r.json()
    assert "seed.csv" in body["message"] and "nothing was imported" in body["message"]
    lines = {d["line"]: d["message"] for d in body["details"]}
    assert set(lines) == {4, 5, 6, 7}
    assert "limit is 280" in lines[4] and "already" in lines[5] and "line 2" in lines[6] and "control" in lines[7]
    assert len(_statements(api, cid)) == 1


def test_not_utf8_and_too_many_columns(api):
    cid = api.conversation(n_statements=0)
    r = api.c.post(f"/api/v1/conversations/{cid}/statements/csv",
                   files={"file": ("latin.csv", "café au lait\n".encode("latin-1"))}, headers=api.auth)
    assert r.status_code == 422 and "UTF-8" in r.json()["message"]
    r = api.c.post(f"/api/v1/conversations/{cid}/statements/csv",
                   files={"file": ("two.csv", b"one statement, with a comma\n")}, headers=api.auth)
    assert r.status_code == 422 and r.json()["details"][0]["line"] == 1
    assert _statements(api, cid) == []


def test_oversize_upload_413(api):
    cid = api.conversation(n_statements=0)
    r = api.c.post(f"/api/v1/conversations/{cid}/statements/csv", files={"file": ("big.csv", b"x" * 3_000_000)},
                   headers=api.auth)
    assert r.status_code == 413 and "bytes" in r.json()["message"]


def test_csv_needs_organiser(api):
    cid = api.conversation(n_statements=0)
    r = api.c.post(f"/api/v1/conversations/{cid}/statements/csv", files={"file": ("s.csv", b"hello there\n")})
    assert r.status_code == 401
