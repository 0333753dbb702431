"""Paper ballots: packs, double entry, a deliberate mismatch caught and settled, paper participants of a place."""

from __future__ import annotations

import pytest
from pagehelp import csrf, sign_in
from tests.api.conftest import open_api

from voxpop.fieldwork import paper as PP


@pytest.fixture
def api(db_url):
    with open_api(db_url, background="off") as a:
        yield a


def _pack(api, cid, n=3, place="north"):
    r = api.c.post(f"/api/v1/conversations/{cid}/paper/packs", json={"place": place, "sheets": n}, headers=api.auth)
    assert r.status_code == 201, r.text
    return r.json()


def _enter(api, cid, sheet, answers, by):
    return api.c.post(f"/api/v1/conversations/{cid}/paper/entries",
                      json={"sheet": sheet, "answers": answers, "entered_by": by}, headers=api.auth)


def test_a_tally_with_one_deliberate_mismatch_is_caught_and_settled(api):
    cid = api.conversation(5)
    pack = _pack(api, cid, n=3)
    assert len(pack["sheets"]) == 3 and pack["statements"] == [0, 1, 2, 3, 4]
    a, b, c = pack["sheets"]
    # sheets a and b: the two typists agree; sheet c: the second typist gets line 3 wrong
    for sheet, first, second in [(a, "aadp-", "a a d p -"), (b, "ddddd", "DDDDD"), (c, "apdap", "apaap")]:
        r1 = _enter(api, cid, sheet, first, "Sam")
        assert r1.status_code == 200 and r1.json()["status"] == "entered", r1.text
        r2 = _enter(api, cid, sheet, second, "Alex")
        assert r2.status_code == 200, r2.text
    assert r2.json()["status"] == "mismatch"
    assert r2.json()["differences"] == [{"position": 3, "statement": 2, "first": "d", "second": "a"}]
    summary = api.c.get(f"/api/v1/conversations/{cid}/paper", headers=api.auth).json()
    assert (summary["imported"], summary["mismatch"]) == (2, 1)
    assert [m["sheet"] for m in summary["mismatches"]] == [c]
    assert summary["mismatches"][0]["differences"][0]["text"] == "Seed statement number 2"
    # nothing of the mismatched sheet is counted yet: 4 + 5 votes from the two matching sheets
    votes = api.c.get(f"/api/v1/conversations/{cid}/exports/votes.csv", headers=api.auth)
    assert votes.status_code == 200, votes.text
    assert len([ln for ln in votes.text.splitlines()[1:] if ln.strip()]) == 9
    # the third look settles it
    r3 = _enter(api, cid, c, "apdap", "Kim")
    assert r3.json()["status"] == "imported" and r3.json()["votes"] == 5 and r3.json()["entry"] == 3
    assert _enter(api, cid, c, "apdap", "Kim").status_code == 409  # counted once
    summary = api.c.get(f"/api/v1/conversations/{cid}/paper", headers=api.auth).json()
    assert (summary["imported"], summary["mismatch"]) == (3, 0)

    from voxpop.store.db import get_database
    from voxpop.store.models import Participant, Vote
    from voxpop.store.models_fieldwork import FieldParticipant

    with get_database(api.db_url).read() as s:
        rows = s.query(Participant, FieldParticipant).join(
            FieldParticipant, FieldParticipant.participant_id == Participant.id).filter(
            Participant.conversation_id == cid).all()
        assert len(rows) == 3 and {p.place_id for p, _ in rows} == {"north"}
        assert {f.channel for _, f in rows} == {"paper"}
        assert s.query(Vote).filter(Vote.conversation_id == cid).count() == 4 + 5 + 5


def test_typos_are_caught_before_anything_is_stored(api):
    cid = api.conversation(3)
    sheet = _pack(api, cid, n=1, place="")["sheets"][0]
    wrong_check = sheet[:-1] + ("A" if sheet[-1] != "A" else "B")
    r = _enter(api, cid, wrong_check, "aaa", "Sam")
    assert r.status_code == 422 and "not a sheet id" in r.json()["message"]
    r = _enter(api, cid, sheet, "aa", "Sam")
    assert r.status_code == 422 and "3 statements; 2 answers" in r.json()["message"]
    r = _enter(api, cid, sheet, "axa", "Sam")
    assert r.status_code == 422 and "'x'" in r.json()["message"]
    assert _enter(api, cid, sheet, "aaa", "Sam").json()["status"] == "entered"
    r = _enter(api, cid, sheet, "aaa", "sam")
    assert r.status_code == 422 and "someone else" in r.json()["message"]


def test_csv_tally_double_entry_and_a_bad_line_named(api):
    cid = api.conversation(4)
    s1, s2 = _pack(api, cid, n=2)["sheets"]
    good = f"sheet,answers,entered_by\n{s1},adpa,Sam\n{s2},dddd,Sam\n{s1},adpa,Alex\n{s2},ddda,Alex\n".encode()
    r = api.c.post(f"/api/v1/conversations/{cid}/paper/entries/csv", files={"file": ("t.csv", good, "text/csv")},
                   headers=api.auth)
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["rows"], out["imported"], out["mismatch"]) == (4, 1, 1)
    assert out["mismatches"][0]["differences"] == [{"position": 4, "statement": 3, "first": "d", "second": "a"}]
    bad = f"sheet,answers\n{s2},ddd\n".encode()
    r = api.c.post(f"/api/v1/conversations/{cid}/paper/entries/csv", files={"file": ("t.csv", bad, "text/csv")},
                   headers=api.auth)
    assert r.status_code == 422 and r.json()["message"].startswith("tally line 2:")


def test_sheet_ids_carry_a_check_character():
    for _ in range(200):
        sid = PP.new_sheet_id()
        assert PP.normalise_sheet_id(PP.pretty_sheet_id(sid).lower()) == sid
        swapped = sid[1] + sid[0] + sid[2:]
        if swapped != sid:
            with pytest.raises(Exception, match="not a sheet id"):
                PP.normalise_sheet_id(swapped)


def test_pages_print_a_pack_and_type_ballots_twice(client, seeded):
    cid = seeded["cid"]
    sign_in(client)
    page = client.get(f"/organiser/c/{cid}/paper")
    assert page.status_code == 200
    r = client.post(f"/organiser/c/{cid}/paper/packs", data={"csrf_token": csrf(page.text), "place": "Townsville",
                                                             "sheets": "2"}, follow_redirects=False)
    assert r.status_code == 303
    printed = client.get(r.headers["location"])
    assert printed.status_code == 200
    assert printed.text.count('class="print-page ballot"') == 2 and printed.text.count('class="print-page card"') == 3
    assert "<svg" in printed.text and "place=Townsville" in printed.text
    assert "&lt;script&gt;" in printed.text and "<script>alert" not in printed.text
    sheet = printed.text.split('class="sheet-id">')[1].split("<")[0]
    entry = client.get(f"/organiser/c/{cid}/paper/enter")
    token = csrf(entry.text)
    r = client.post(f"/organiser/c/{cid}/paper/enter", data={"csrf_token": token, "sheet": sheet, "answers": "adp",
                                                             "entered_by": "Sam"}, follow_redirects=True)
    assert "first entry saved" in r.text and 'value="Sam"' in r.text
    r = client.post(f"/organiser/c/{cid}/paper/enter", data={"csrf_token": token, "sheet": sheet, "answers": "add",
                                                             "entered_by": "Alex"}, follow_redirects=True)
    assert "the two entries differ" in r.text
    page = client.get(f"/organiser/c/{cid}/paper")
    assert f'id="sheet-{sheet}"' in page.text and "Third look" in page.text
    r = client.post(f"/organiser/c/{cid}/paper/enter", data={"csrf_token": token, "sheet": sheet, "answers": "adp",
                                                             "entered_by": "Kim"}, follow_redirects=True)
    assert "both entries match" in r.text or "counted" in r.text


@pytest.mark.parametrize("sheets", ["0", "2001", "99999999"])
def test_a_pack_of_too_few_or_too_many_sheets_is_a_page_that_says_the_range(client, seeded, sheets):
    cid = seeded["cid"]
    sign_in(client)
    page = client.get(f"/organiser/c/{cid}/paper")
    r = client.post(f"/organiser/c/{cid}/paper/packs", data={"csrf_token": csrf(page.text), "sheets": sheets})
    assert r.status_code == 422 and "from 1 to 2000" in r.text
