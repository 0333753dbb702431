"""Numbers typed into forms or links: a wrong one is a plain message, never a server error.

str.isdigit() is true for "²" (which int() refuses) and a long run of digits overflows the database's
integers; both used to answer 500 "something went wrong on our side" on these forms and pages.
"""

from __future__ import annotations

import pytest
from pagehelp import csrf, sign_in

from voxpop.web.pages.common import whole_number

BAD = ["\u00b2", "99999999999999999999999", "12345678901234567890123456789"]


def test_whole_number():
    assert whole_number("42") == 42 and whole_number(" 7 ") == 7
    assert whole_number("\u0663") == 3  # Arabic-Indic digits are numbers people type
    for bad in ["", " ", "-1", "1.5", "abc", "\u00b2", "2**31", str(2**31), "9" * 40]:
        assert whole_number(bad) is None, bad
    assert whole_number(str(2**31), below=2**62) == 2**31


@pytest.mark.parametrize("value", BAD)
@pytest.mark.parametrize("path,field,extra", [
    ("/organiser/c/{cid}/erase-participant", "participant", {}),
    ("/organiser/c/{cid}/settings", "forget_identities_days",
     {"topic": "What should our town do?", "statement_max_len": "280", "who_may_add": "participants",
      "moderation": "post", "show_results": "1"}),
    ("/organiser/c/{cid}/moderate", "statement_id", {"decision": "accept"}),
    ("/organiser/c/{cid}/kiosks", "idle_seconds", {"pin": "123456"}),
    ("/organiser/c/{cid}/panels/1/draw", "estimate_draws", {}),
    ("/organiser/c/{cid}/paper/packs", "sheets", {}),
    ("/organiser/c/{cid}/listen/publish", "artifact", {}),
    ("/c/{cid}/vote", "statement_id", {"vote": "agree"}),
])
def test_a_wrong_number_in_a_form_is_a_message(client, seeded, path, field, extra, value):
    sign_in(client)
    token = csrf(client.get(f"/organiser/c/{seeded['cid']}").text)
    r = client.post(path.format(cid=seeded["cid"]), data={**extra, field: value, "csrf_token": token},
                    follow_redirects=False)
    assert r.status_code in (400, 404, 422), (r.status_code, r.text[:300])
    assert "something went wrong" not in r.text


@pytest.mark.parametrize("query", ["?statement=\u00b2", "?msg=seeded&n=\u00b2", "?statement=9999999999999"])
def test_a_wrong_number_in_a_participant_link_still_shows_the_page(client, seeded, query):
    for page in ("", "/embed"):
        r = client.get(f"/c/{seeded['cid']}{page}{query}")
        assert r.status_code == 200 and "What should our town do?" in r.text, r.text[:300]


@pytest.mark.parametrize("query", ["?msg=listened&themes=\u00b2", "?msg=listen-accepted&added=\u00b2"])
def test_a_wrong_number_in_a_listening_link_still_shows_the_page(client, seeded, query):
    sign_in(client)
    r = client.get(f"/organiser/c/{seeded['cid']}/listen{query}")
    assert r.status_code == 200, r.text[:300]


@pytest.mark.parametrize("method,path", [
    ("get", "/organiser/c/{cid}/panels/99999999999999999999999"),
    ("get", "/organiser/c/{cid}/panels/99999999999999999999999/letters"),
    ("post", "/organiser/c/{cid}/panels/99999999999999999999999/draw"),
    ("post", "/organiser/c/{cid}/statements/99999999999999999999999/translations"),
])
def test_a_huge_number_in_an_organiser_address_is_not_a_server_error(client, seeded, method, path):
    sign_in(client)
    token = csrf(client.get(f"/organiser/c/{seeded['cid']}").text)
    data = {"csrf_token": token} if method == "post" else None
    r = client.request(method.upper(), path.format(cid=seeded["cid"]), data=data, follow_redirects=False,
                       headers={"Accept": "text/html"})
    assert r.status_code in (404, 422), (r.status_code, r.text[:300])
    assert "something went wrong" not in r.text
