import re

from pagehelp import HOSTILE, csrf

from voxpop.store.models import Place


def test_participant_page_basics(client, seeded):
    cid = seeded["cid"]
    r = client.get(f"/c/{cid}")
    assert r.status_code == 200
    html = r.text
    assert '<html lang="en" dir="ltr">' in html
    assert 'href="#main"' in html and 'id="main"' in html  # skip link and its target
    assert "What should our town do?" in html
    assert f'href="/api/v1/conversations/{cid}/next"' in html  # JSON twin
    assert 'role="status"' in html and 'aria-live="polite"' in html  # live region for "vote recorded"
    for word in ("Agree", "Disagree", "Pass"):
        assert f"> {word}" in html
    assert "You have voted on <span data-voted>0</span>" in html
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]


def test_every_textarea_and_input_has_a_label(client, seeded):
    html = client.get(f"/c/{seeded['cid']}").text
    for m in re.finditer(r"<(?:textarea|input)\b[^>]*>", html):
        tag = m.group(0)
        if 'type="hidden"' in tag:
            continue
        ident = re.search(r'id="([^"]+)"', tag).group(1)
        assert f'for="{ident}"' in html, f"no label for {tag}"


def test_hostile_statement_is_escaped(client, seeded):
    # vote until the hostile statement is on the card, then check it is shown as text
    cid = seeded["cid"]
    seen = False
    for _ in range(4):
        html = client.get(f"/c/{cid}").text
        assert "<script>alert(1)</script>" not in html
        if "&lt;script&gt;alert(1)&lt;/script&gt;" in html:
            seen = True
            break
        tid = re.search(r'name="statement_id" value="(\d+)"', html).group(1)
        client.post(f"/c/{cid}/vote", data={"csrf_token": csrf(html), "statement_id": tid, "vote": "pass"})
    assert seen
    assert HOSTILE.replace("<", "&lt;").replace(">", "&gt;") in html


def test_vote_needs_csrf(client, seeded):
    cid = seeded["cid"]
    client.get(f"/c/{cid}")
    r = client.post(f"/c/{cid}/vote", data={"statement_id": "0", "vote": "agree"}, follow_redirects=False)
    assert r.status_code == 403
    assert "reload the page" in r.text
    r = client.post(f"/c/{cid}/vote", data={"csrf_token": "0" * 64, "statement_id": "0", "vote": "agree"},
                    follow_redirects=False)
    assert r.status_code == 403
    assert client.get(f"/api/v1/conversations/{cid}/me").json()["votes"] == {}


def test_plain_form_vote_redirects_and_counts(client, seeded):
    cid = seeded["cid"]
    html = client.get(f"/c/{cid}").text
    tid = re.search(r'name="statement_id" value="(\d+)"', html).group(1)
    r = client.post(f"/c/{cid}/vote", data={"csrf_token": csrf(html), "statement_id": tid, "vote": "agree"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/c/{cid}?msg=voted"
    page = client.get(r.headers["location"]).text
    assert "Vote recorded." in page
    assert "You have voted on <span data-voted>1</span>" in page
    assert client.get(f"/api/v1/conversations/{cid}/me").json()["votes"] == {tid: "agree"}


def test_fetch_vote_answers_json_with_next_statement(client, seeded):
    cid = seeded["cid"]
    html = client.get(f"/c/{cid}").text
    token = csrf(html)
    tid = re.search(r'name="statement_id" value="(\d+)"', html).group(1)
    for _ in range(3):
        r = client.post(f"/c/{cid}/vote", data={"csrf_token": token, "statement_id": tid, "vote": "disagree"},
                        headers={"Accept": "application/json"})
        assert r.status_code == 200
        body = r.json()
        assert body["message"] == "Vote recorded: Disagree."
        assert body["progress"]["total"] == 3
        tid = str(body["next"]["id"]) if body["next"] else None
    assert body["next"] is None and body["progress"]["voted"] == 3
    assert body["results_url"] == f"/c/{cid}/results"
    assert "every statement" in client.get(f"/c/{cid}").text


def test_bad_vote_value_is_explained(client, seeded):
    cid = seeded["cid"]
    html = client.get(f"/c/{cid}").text
    r = client.post(f"/c/{cid}/vote", data={"csrf_token": csrf(html), "statement_id": "0", "vote": "maybe"},
                    headers={"Accept": "application/json"})
    assert r.status_code == 422 and "agree" in r.json()["message"]


def test_undo_last_vote(client, seeded):
    cid = seeded["cid"]
    html = client.get(f"/c/{cid}").text
    tid = re.search(r'name="statement_id" value="(\d+)"', html).group(1)
    client.post(f"/c/{cid}/vote", data={"csrf_token": csrf(html), "statement_id": tid, "vote": "agree"})
    html = client.get(f"/c/{cid}").text
    assert 'id="undo-form">' in html  # shown once there is a vote (hidden before, vote.js reveals it)
    r = client.post(f"/c/{cid}/undo", data={"csrf_token": csrf(html)}, follow_redirects=False)
    assert r.status_code == 303 and "msg=undone" in r.headers["location"]
    assert client.get(f"/api/v1/conversations/{cid}/me").json()["votes"] == {}


def test_add_statement_goes_to_moderation(client, seeded, app):
    cid = seeded["cid"]
    html = client.get(f"/c/{cid}").text
    assert 'for="new-statement"' in html
    r = client.post(f"/c/{cid}/statements", data={"csrf_token": csrf(html), "text": "A pool for the town."},
                    follow_redirects=False)
    assert r.status_code == 303 and "msg=added" in r.headers["location"]
    from voxpop.services.moderation import moderation_queue

    with app.state.voxpop.db.read() as s:
        assert [st.text for st in moderation_queue(s, cid)] == ["A pool for the town."]
    # too long: an error page that says what to fix
    r = client.post(f"/c/{cid}/statements", data={"csrf_token": csrf(html), "text": "x" * 400})
    assert r.status_code == 422 and "limit is 280" in r.text


def test_unknown_conversation_is_a_404_page(client):
    r = client.get("/c/nope-not-here")
    assert r.status_code == 404 and "Not found" in r.text and "<html" in r.text


def test_embed_page_may_be_framed_and_posts_back_to_itself(client, seeded):
    cid = seeded["cid"]
    r = client.get(f"/c/{cid}/embed")
    assert r.status_code == 200
    assert "frame-ancestors *" in r.headers["content-security-policy"]
    assert f'action="/c/{cid}/vote?embed=1"' in r.text
    assert "site-header" not in r.text
    tid = re.search(r'name="statement_id" value="(\d+)"', r.text).group(1)
    r2 = client.post(f"/c/{cid}/vote?embed=1", data={"csrf_token": csrf(r.text), "statement_id": tid,
                                                      "vote": "pass"}, follow_redirects=False)
    assert r2.headers["location"].startswith(f"/c/{cid}/embed?")


def test_place_hook(client, seeded, app):
    cid = seeded["cid"]
    assert "Where do you live?" not in client.get(f"/c/{cid}").text
    with app.state.voxpop.db.write() as s:
        s.add_all([Place(conversation_id=cid, place_id="E1", name="Saint-Étienne-du-Rouvray", kind="town"),
                   Place(conversation_id=cid, place_id="E2", name="Sainte-Marie", kind="village")])
    html = client.get(f"/c/{cid}").text
    assert "Where do you live?" in html and 'for="place-name"' in html
    assert f'data-place-search="/api/v1/conversations/{cid}/places/search"' in html  # the type-ahead's source
    r = client.post(f"/c/{cid}/place", data={"csrf_token": csrf(html), "place": "sainte-marie"},
                    follow_redirects=False)
    assert r.status_code == 303
    assert "You said: <strong>Sainte-Marie</strong>" in client.get(f"/c/{cid}").text
    # an unknown place keeps the participant on the page, with what to try (never an error page)
    r = client.post(f"/c/{cid}/place", data={"csrf_token": csrf(html), "place": "Atlantis"})
    assert r.status_code == 200 and "We could not find “Atlantis”" in r.text and "nearest town" in r.text


def test_place_link_sets_a_new_participants_place(client, seeded, app):
    cid = seeded["cid"]
    with app.state.voxpop.db.write() as s:
        s.add_all([Place(conversation_id=cid, place_id="E1", name="Riverton", kind="town"),
                   Place(conversation_id=cid, place_id="E2", name="Hillside", kind="village")])
    assert "You said: <strong>Riverton</strong>" in client.get(f"/c/{cid}?place=E1").text
    # an existing place is never overwritten by a link, and unknown ids are ignored
    assert "You said: <strong>Riverton</strong>" in client.get(f"/c/{cid}?place=E2").text
    client.cookies.clear()
    assert "You said:" not in client.get(f"/c/{cid}?place=nope").text


def test_your_data_and_the_statements_table_say_the_stored_words_in_the_readers_language(client, seeded):
    """The votes ("agree"), a statement's state ("pending") on "Your data" and the organiser's statements table
    ("Accepted", "Seed") were stored English words put on the page as they were: English on a Welsh page."""
    from pagehelp import sign_in

    cid = seeded["cid"]
    for vote in ("agree", "disagree", "pass"):
        html = client.get(f"/c/{cid}").text
        tid = re.search(r'name="statement_id" value="(\d+)"', html).group(1)
        client.post(f"/c/{cid}/vote", data={"csrf_token": csrf(html), "statement_id": tid, "vote": vote})
    client.post(f"/c/{cid}/statements", data={"csrf_token": csrf(html), "text": "A pool for the town."})
    en = client.get(f"/c/{cid}/my-data?lang=en").text
    assert all(f"<td>{w}</td>" in en for w in ("agree", "disagree", "pass")) and "waiting for the organisers" in en
    cy = client.get(f"/c/{cid}/my-data?lang=cy").text
    assert all(f"<td>{w}</td>" in cy for w in ("cytuno", "anghytuno", "pasio")), cy
    assert "<td>agree</td>" not in cy and "pending" not in cy and "waiting for the organisers" not in cy
    sign_in(client)
    manage = client.get(f"/organiser/c/{cid}?lang=cy").text
    cells = re.findall(r'<td data-label="(?:Statws|O)">([^<]*)</td>', manage)
    assert cells and not {"Accepted", "Waiting", "Seed", "Participant"} & set(cells), cells
    client.get(f"/organiser/c/{cid}?lang=en")
