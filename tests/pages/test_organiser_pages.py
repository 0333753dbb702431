import re

import pytest
from pagehelp import ORG_USER, csrf, sign_in

from voxpop.services.moderation import moderation_queue
from voxpop.services.statements import list_statements


@pytest.mark.parametrize("path", ["/organiser", "/organiser/c/{cid}", "/organiser/c/{cid}/moderate"])
def test_organiser_pages_need_sign_in(client, seeded, path):
    r = client.get(path.format(cid=seeded["cid"]), follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/organiser/sign-in?")


def test_sign_in_wrong_password(client, seeded):
    html = client.get("/organiser/sign-in").text
    assert 'for="username"' in html and 'for="password"' in html
    r = client.post("/organiser/sign-in", data={"csrf_token": csrf(html), "username": ORG_USER,
                                                "password": "wrong-password-here"})
    assert r.status_code == 401 and "Wrong username or password" in r.text and 'role="alert"' in r.text


def test_sign_in_redirect_stays_on_site(client, seeded):
    html = client.get("/organiser/sign-in").text
    r = client.post("/organiser/sign-in", data={"csrf_token": csrf(html), "username": ORG_USER,
                                                "password": "a-long-test-password", "next": "//evil.example/"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/organiser?")


def test_dashboard_create_and_manage(client, seeded):
    sign_in(client)
    r = client.get("/organiser")
    assert r.status_code == 200 and "What should our town do?" in r.text
    assert 'href="/api/v1/conversations"' in r.text
    r = client.post("/organiser/conversations", data={"csrf_token": csrf(r.text), "topic": "New <b>one</b>",
                                                      "description": "About things."}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get(r.headers["location"])
    assert page.status_code == 200
    assert "New &lt;b&gt;one&lt;/b&gt;" in page.text and "<b>one</b>" not in page.text
    assert "Conversation created" in page.text


def test_conversation_page_share_embed_exports(client, seeded):
    cid = seeded["cid"]
    sign_in(client)
    r = client.get(f"/organiser/c/{cid}")
    assert r.status_code == 200
    html = r.text
    assert f"http://testserver/c/{cid}" in html  # share link
    assert f"&lt;iframe src=&#34;http://testserver/c/{cid}/embed&#34;" in html  # snippet, escaped in a textarea
    for name in ("comments.csv", "votes.csv", "participants-votes.csv", "summary.csv", "analysis.json"):
        assert f"/api/v1/conversations/{cid}/exports/{name}" in html
    assert client.get(f"/api/v1/conversations/{cid}/exports/comments.csv").status_code == 200
    assert f'href="/api/v1/conversations/{cid}"' in html


def test_settings_seed_and_csv(client, seeded, app):
    cid = seeded["cid"]
    sign_in(client)
    token = csrf(client.get(f"/organiser/c/{cid}").text)
    r = client.post(f"/organiser/c/{cid}/settings", data={
        "csrf_token": token, "topic": "Renamed", "description": "", "who_may_add": "organisers",
        "moderation": "strict", "statement_max_len": "200", "show_results": "", "is_open": "1"},
        follow_redirects=False)
    assert r.status_code == 303
    page = client.get(f"/c/{cid}").text
    assert "Renamed" in page and "Add your own statement" not in page and "See the results" not in page
    r = client.post(f"/organiser/c/{cid}/statements", data={"csrf_token": token, "text": "Seeded by hand."},
                    follow_redirects=False)
    assert r.status_code == 303
    r = client.post(f"/organiser/c/{cid}/statements-csv", data={"csrf_token": token},
                    files={"file": ("seed.csv", b"text\n\"From the file, one.\"\n\"From the file, two.\"\n", "text/csv")},
                    follow_redirects=False)
    assert r.status_code == 303 and "n=2" in r.headers["location"]
    assert "2 statements added." in client.get(r.headers["location"]).text
    bad = client.post(f"/organiser/c/{cid}/statements-csv", data={"csrf_token": token},
                      files={"file": ("bad.csv", b"text\nFine here.\n\"unclosed, quote\nx\n" + b"y" * 300 + b"\n",
                                      "text/csv")})
    assert bad.status_code == 422 and "bad.csv" in bad.text and "nothing was imported" in bad.text
    with app.state.voxpop.db.read() as s:
        texts = [st.text for st in list_statements(s, cid, include_hidden=True)]
    assert "Seeded by hand." in texts and "From the file, two." in texts and "Fine here." not in texts
    client.post(f"/organiser/c/{cid}/settings", data={"csrf_token": token, "topic": "Renamed",
                                                      "moderation": "post", "statement_max_len": "200"})
    assert "This conversation is closed" not in client.get(f"/c/{cid}").text  # settings never close it
    client.post(f"/organiser/c/{cid}/close", data={"csrf_token": token})
    assert "This conversation is closed" in client.get(f"/c/{cid}").text


@pytest.mark.parametrize("path,data", [
    ("/organiser/conversations", {"topic": "X"}),
    ("/organiser/c/{cid}/settings", {"topic": "X"}),
    ("/organiser/c/{cid}/statements", {"text": "Sneaky statement."}),
    ("/organiser/c/{cid}/moderate", {"statement_id": "0", "decision": "reject"}),
    ("/organiser/sign-out", {}),
])
def test_organiser_posts_need_csrf(client, seeded, path, data):
    sign_in(client)
    r = client.post(path.format(cid=seeded["cid"]), data=data, follow_redirects=False)
    assert r.status_code == 403 and "reload the page" in r.text


def test_moderation_queue_accept_shows_statement_to_participants(client, seeded, app):
    cid = seeded["cid"]
    sign_in(client)
    token = csrf(client.get(f"/organiser/c/{cid}").text)
    client.post(f"/organiser/c/{cid}/settings", data={"csrf_token": token, "topic": "T", "who_may_add": "participants",
                                                      "moderation": "strict", "statement_max_len": "280",
                                                      "show_results": "1", "is_open": "1"})
    html = client.get(f"/c/{cid}").text
    client.post(f"/c/{cid}/statements", data={"csrf_token": csrf(html), "text": "Open a <b>youth club</b>."})
    q = client.get(f"/organiser/c/{cid}/moderate")
    assert q.status_code == 200 and "Open a &lt;b&gt;youth club&lt;/b&gt;." in q.text
    assert 'aria-label="Decide on statement 1"' in q.text
    cy = client.get(f"/organiser/c/{cid}/moderate?lang=cy").text  # each statement's form is named in Welsh too
    assert 'aria-label="Penderfynu ar ddatganiad 1"' in cy and "Decide on statement" not in cy
    client.get(f"/organiser/c/{cid}/moderate?lang=en")  # (the choice of language is remembered)
    assert f'href="/api/v1/conversations/{cid}/moderation"' in q.text
    tid = re.search(r'name="statement_id" value="(\d+)"', q.text).group(1)
    r = client.post(f"/organiser/c/{cid}/moderate", data={"csrf_token": csrf(q.text), "statement_id": tid,
                                                          "decision": "accept"}, follow_redirects=False)
    assert r.status_code == 303
    after = client.get(r.headers["location"]).text
    assert "Statement accepted" in after and "Nothing waiting" in after
    with app.state.voxpop.db.read() as s:
        assert moderation_queue(s, cid) == []
        assert "Open a <b>youth club</b>." in [st.text for st in list_statements(s, cid)]


def test_other_organisers_cannot_manage(client, seeded, app):
    from voxpop.services import accounts

    with app.state.voxpop.db.write() as s:
        accounts.create_organiser(s, "someone-else", "another-long-password")
    html = client.get("/organiser/sign-in").text
    client.post("/organiser/sign-in", data={"csrf_token": csrf(html), "username": "someone-else",
                                            "password": "another-long-password"})
    r = client.get(f"/organiser/c/{seeded['cid']}")
    assert r.status_code == 403 and "another organiser" in r.text


def test_reject_a_shown_statement_from_the_statements_table(client, seeded, app):
    cid = seeded["cid"]
    sign_in(client)
    html = client.get(f"/organiser/c/{cid}").text
    assert "So far" in html and "no analysis yet" in html.lower()
    row = re.search(r'<td id="st-(\d+)" class="text">More buses to the villages.</td>', html)
    r = client.post(f"/organiser/c/{cid}/moderate", data={"csrf_token": csrf(html), "statement_id": row.group(1),
                                                          "decision": "reject", "back": "manage"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith(f"/organiser/c/{cid}?msg=rejected")
    with app.state.voxpop.db.read() as s:
        assert "More buses to the villages." not in [st.text for st in list_statements(s, cid)]
    html = client.get(r.headers["location"]).text
    assert "Statement rejected" in html and ">Accept</button>" in html
    welsh = client.get(f"/organiser/c/{cid}?lang=cy").text  # a phone shows each cell's label: in Welsh too
    assert 'data-label="Statws"' in welsh and 'data-label="Pleidleisiau"' in welsh and 'data-label="Status"' not in welsh


def test_every_organiser_page_of_a_conversation_is_linked_from_it(client, seeded):
    cid = seeded["cid"]
    sign_in(client)
    html = client.get(f"/organiser/c/{cid}").text
    for path in ("moderate", "places", "listen", "panels", "paper", "kiosks", "translations"):
        assert f'href="/organiser/c/{cid}/{path}"' in html, path
    assert client.get(f"/organiser/c/{cid}/translations").status_code == 200
