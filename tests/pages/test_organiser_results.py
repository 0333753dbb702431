"""Organiser (issue 11): vote counts per statement, close and reopen with confirmation, naming groups."""

from __future__ import annotations

from pagehelp import csrf, sign_in

from voxpop import demo_content as D
from voxpop.services import conversations, statements
from voxpop.services.analyses import run_analysis
from voxpop.services.participants import get_or_create_participant
from voxpop.services.votes import import_votes


def _with_votes(app, owner_id):
    db = app.state.voxpop.db
    with db.write() as s:
        conv = conversations.create_conversation(s, topic="Counts", owner_id=owner_id)
        tids = [st.tid for st in statements.add_statements(s, conv.id, [t for t, *_ in D.STATEMENTS[:12]])]
        part, stmt, vote, _ = D.simulate_votes(60, seed=4)
        keep = stmt < 12
        pks = [get_or_create_participant(s, conv.id, xid=f"p{i}").id for i in range(60)]
        import_votes(s, conv.id, [(pks[p], tids[m], int(v)) for p, m, v in
                                  zip(part[keep], stmt[keep], vote[keep], strict=True)])
    run_analysis(db, conv.id)
    expected = {}
    for m in range(12):
        sel = stmt[keep] == m
        v = vote[keep][sel]
        expected[tids[m]] = (int((v == 1).sum()), int((v == -1).sum()), int((v == 0).sum()))
    return conv.id, expected


def test_statement_table_shows_vote_counts(client, seeded, app):
    cid, expected = _with_votes(app, seeded["org_id"])
    sign_in(client)
    html = client.get(f"/organiser/c/{cid}").text
    assert '<th scope="col">Votes</th>' in html
    tid, (a, d, p) = next(iter(expected.items()))
    assert f'<td data-label="Votes">{a + d + p}<span class="hint">{a} agree · {d} disagree · {p} pass</span>' in html


def test_close_and_reopen_are_buttons_with_a_confirmation(client, seeded):
    cid = seeded["cid"]
    sign_in(client)
    html = client.get(f"/organiser/c/{cid}").text
    assert 'name="is_open"' not in html  # no longer a checkbox hidden in the settings
    assert f'href="/organiser/c/{cid}/close">Close the conversation…</a>' in html
    page = client.get(f"/organiser/c/{cid}/close")
    assert page.status_code == 200 and "Yes, close the conversation" in page.text and "No, keep it open" in page.text
    assert client.get(f"/c/{cid}").text.count("This conversation is closed") == 0  # asking changes nothing
    assert client.post(f"/organiser/c/{cid}/close", data={}).status_code == 403  # CSRF
    r = client.post(f"/organiser/c/{cid}/close", data={"csrf_token": csrf(page.text)}, follow_redirects=False)
    assert r.status_code == 303 and "msg=closed" in r.headers["location"]
    after = client.get(r.headers["location"]).text
    assert "The conversation is closed" in after and "Reopen the conversation…" in after
    assert "This conversation is closed" in client.get(f"/c/{cid}").text
    page = client.get(f"/organiser/c/{cid}/reopen")
    r = client.post(f"/organiser/c/{cid}/reopen", data={"csrf_token": csrf(page.text)}, follow_redirects=False)
    assert r.status_code == 303 and "This conversation is closed" not in client.get(f"/c/{cid}").text


def test_close_needs_the_organiser(client, seeded):
    r = client.get(f"/organiser/c/{seeded['cid']}/close", follow_redirects=False)
    assert r.status_code == 303 and "/organiser/sign-in" in r.headers["location"]


def test_organisers_name_groups_and_the_results_use_the_names(client, seeded, app):
    cid, _ = _with_votes(app, seeded["org_id"])
    sign_in(client)
    html = client.get(f"/organiser/c/{cid}").text
    assert 'for="name-0">Name for group A' in html
    r = client.post(f"/organiser/c/{cid}/group-names", data={"csrf_token": csrf(html), "name-0": "  Worried   about jobs ",
                                                            "name-1": ""}, follow_redirects=False)
    assert r.status_code == 303
    results = client.get(f"/c/{cid}/results").text
    assert "Group A: Worried about jobs, " in results and "Group B, " in results
    assert client.get(f"/api/v1/conversations/{cid}/group-names").json() == {"names": {"0": "Worried about jobs"}}
    bad = client.put(f"/api/v1/conversations/{cid}/group-names", json={"names": {"1": "x" * 61}})
    assert bad.status_code == 422 and "at most 60 characters" in bad.json()["message"]
    ok = client.put(f"/api/v1/conversations/{cid}/group-names", json={"names": {"1": "City voices"}})
    assert ok.status_code == 200 and ok.json()["names"] == {"1": "City voices"}
    for key in ("A", "abc", "-1", "\u00b2", "1" * 21):  # a key that names no group is refused, never stored
        wrong = client.put(f"/api/v1/conversations/{cid}/group-names", json={"names": {key: "Lost name"}})
        assert wrong.status_code == 422 and "0 for group A" in wrong.json()["message"], key
    assert client.get(f"/api/v1/conversations/{cid}/group-names").json() == {"names": {"1": "City voices"}}
