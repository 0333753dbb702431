"""Organisers: create, edit, close, reopen, seed; participants' statements and moderation."""

from __future__ import annotations


def test_create_edit_close_reopen(api):
    c = api.c
    r = c.post("/api/v1/conversations", json={"topic": "Buses", "description": "Routes and fares",
                                               "moderation": "strict", "statement_max_len": 140,
                                               "show_results": False}, headers=api.auth)
    assert r.status_code == 201, r.text
    conv = r.json()
    assert conv["moderation"] == "strict" and conv["statement_max_len"] == 140 and conv["is_open"]
    cid = conv["id"]
    assert len(cid) >= 10  # unguessable
    r = c.patch(f"/api/v1/conversations/{cid}", json={"topic": "Buses and trams", "show_results": True},
                headers=api.auth)
    assert r.status_code == 200 and r.json()["topic"] == "Buses and trams" and r.json()["show_results"]
    assert c.post(f"/api/v1/conversations/{cid}/close", headers=api.auth).json()["is_open"] is False
    r = c.post(f"/api/v1/conversations/{cid}/statements", json={"text": "A new idea for buses"})
    assert r.status_code == 409 and "closed" in r.json()["message"]
    assert c.post(f"/api/v1/conversations/{cid}/reopen", headers=api.auth).json()["is_open"] is True
    assert c.get(f"/api/v1/conversations/{cid}").json()["topic"] == "Buses and trams"
    assert cid in [x["id"] for x in c.get("/api/v1/conversations", headers=api.auth).json()["conversations"]]


def test_auth_required_and_owner_only(api):
    c = api.c
    r = c.post("/api/v1/conversations", json={"topic": "x topic"})
    assert r.status_code == 401 and "sign in" in r.json()["message"]
    r = c.post("/api/v1/conversations", json={"topic": "x topic"}, headers={"Authorization": "Bearer vxp_nope"})
    assert r.status_code == 401 and "token" in r.json()["message"]
    cid = api.conversation()
    other = api.other_organiser()
    r = c.patch(f"/api/v1/conversations/{cid}", json={"topic": "hijack"}, headers={"Authorization": f"Bearer {other}"})
    assert r.status_code == 403 and "another organiser" in r.json()["message"]
    admin = api.other_organiser(admin=True)
    r = c.patch(f"/api/v1/conversations/{cid}", json={"topic": "by admin"}, headers={"Authorization": f"Bearer {admin}"})
    assert r.status_code == 200


def test_invalid_settings_say_what_to_fix(api):
    c = api.c
    for body, words in [({"topic": ""}, "topic is empty"), ({"topic": "ok", "statement_max_len": 5}, "from 20"),
                        ({"topic": "ok", "moderation": "sometimes"}, "moderation"),
                        ({"topic": "ok", "colour": "red"}, "colour"), ({"topic": "a\x00b"}, "control")]:
        r = c.post("/api/v1/conversations", json=body, headers=api.auth)
        assert r.status_code == 422, (body, r.text)
        assert words in r.json()["message"], (words, r.json())


def test_who_may_add_and_length_limit(api):
    c = api.c
    cid = api.conversation(who_may_add="organisers", statement_max_len=40)
    r = c.post(f"/api/v1/conversations/{cid}/statements", json={"text": "A participant's idea"})
    assert r.status_code == 403 and "organisers" in r.json()["message"]
    r = c.post(f"/api/v1/conversations/{cid}/statements", json={"text": "x" * 41}, headers=api.auth)
    assert r.status_code == 422 and "limit is 40" in r.json()["message"]
    r = c.post(f"/api/v1/conversations/{cid}/statements", json={"text": "seed statement NUMBER 0"},
               headers=api.auth)
    assert r.status_code == 409 and "already" in r.json()["message"]


def test_strict_moderation_queue(api):
    c = api.c
    cid = api.conversation(n_statements=0, moderation="strict")
    r = c.post(f"/api/v1/conversations/{cid}/statements", json={"text": "Let participants decide"})
    assert r.status_code == 201 and r.json()["status"] == "pending"
    tid = r.json()["id"]
    assert c.get(f"/api/v1/conversations/{cid}/next").json()["statement"] is None  # hidden until accepted
    assert c.get(f"/api/v1/conversations/{cid}/statements").json()["statements"] == []
    queue = c.get(f"/api/v1/conversations/{cid}/moderation", headers=api.auth).json()["pending"]
    assert [s["id"] for s in queue] == [tid]
    assert c.get(f"/api/v1/conversations/{cid}/moderation").status_code == 401
    r = c.post(f"/api/v1/conversations/{cid}/statements/{tid}/moderation", json={"action": "accept"},
               headers=api.auth)
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    assert c.get(f"/api/v1/conversations/{cid}/next").json()["statement"]["id"] == tid
    r = c.post(f"/api/v1/conversations/{cid}/statements/{tid}/moderation", json={"action": "meta"},
               headers=api.auth)
    assert r.json()["is_meta"] is True
    r = c.post(f"/api/v1/conversations/{cid}/statements/{tid}/moderation", json={"action": "reject"},
               headers=api.auth)
    assert r.json()["status"] == "rejected"
    assert c.get(f"/api/v1/conversations/{cid}/next").json()["statement"] is None
    assert api.vote(cid, tid).status_code == 409
    r = c.post(f"/api/v1/conversations/{cid}/statements/{tid}/moderation", json={"action": "ban"},
               headers=api.auth)
    assert r.status_code == 422


def test_post_moderation_shows_pending(api):
    c = api.c
    cid = api.conversation(n_statements=0)
    tid = c.post(f"/api/v1/conversations/{cid}/statements", json={"text": "Shown until rejected"}).json()["id"]
    assert c.get(f"/api/v1/conversations/{cid}/next").json()["statement"]["id"] == tid
    all_ = c.get(f"/api/v1/conversations/{cid}/statements?all=true", headers=api.auth).json()["statements"]
    assert all_[0]["status"] == "pending"


def test_authors_are_shown_to_organisers_only(api):
    c = api.c
    cid = api.conversation(n_statements=0)
    r = c.post(f"/api/v1/conversations/{cid}/statements", json={"text": "Written by a participant"})
    assert "author" not in r.json()
    assert "author" not in c.get(f"/api/v1/conversations/{cid}/statements").json()["statements"][0]
    assert "author" not in c.get(f"/api/v1/conversations/{cid}/next").json()["statement"]
    queue = c.get(f"/api/v1/conversations/{cid}/moderation", headers=api.auth).json()["pending"]
    assert queue[0]["author"] == c.get(f"/api/v1/conversations/{cid}/me").json()["participant"]
