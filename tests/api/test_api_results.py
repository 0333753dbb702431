"""Results: answered at once before enough votes, recomputed in the background, standing, exports."""

from __future__ import annotations

import csv
import io
import time


def _populate(api, cid, n_people=24, n_statements=8):
    for p in range(n_people):
        for t in range(n_statements):
            v = "agree" if (p < n_people // 2) == (t % 2 == 0) else "disagree"
            if (p + t) % 7 == 0:
                v = "pass"
            assert api.vote(cid, t, v, xid=f"person-{p}").status_code == 200


def test_too_few_votes_answers_at_once(api):
    cid = api.conversation()
    t0 = time.perf_counter()
    r = api.c.get(f"/api/v1/conversations/{cid}/analysis")
    assert time.perf_counter() - t0 < 5
    assert r.status_code == 200
    assert r.json()["meta"]["status"] == "too_few_votes" and r.json()["meta"]["message"]


def test_background_recompute_after_votes(api):
    cid = api.conversation(n_statements=8)
    assert api.c.get(f"/api/v1/conversations/{cid}/analysis").json()["meta"]["status"] == "too_few_votes"
    _populate(api, cid)
    deadline = time.time() + 60
    while time.time() < deadline:
        st = api.c.get(f"/api/v1/conversations/{cid}/analysis/status").json()
        if st["fresh"] and st["status"] == "ok":
            break
        time.sleep(0.1)
    assert st["fresh"] and st["status"] == "ok", st
    doc = api.c.get(f"/api/v1/conversations/{cid}/analysis").json()
    assert doc["meta"]["counts"]["participants"] == 24 and doc["meta"]["conversation"]["id"] == cid
    assert len(doc["groups"]) >= 2
    me = api.c.get(f"/api/v1/conversations/{cid}/standing?xid=person-0").json()
    assert me["group"] is not None and me["votes"] == 8
    mine = next(g for g in me["groups"] if g["id"] == me["group"])
    assert mine["agreement"] == max(g["agreement"] for g in me["groups"])
    # exports in Pol.is formats
    files = {n: api.c.get(f"/api/v1/conversations/{cid}/exports/{n}.csv", headers=api.auth)
             for n in ("comments", "votes", "participants-votes", "summary")}
    assert all(r.status_code == 200 for r in files.values())
    votes = list(csv.DictReader(io.StringIO(files["votes"].text)))
    assert len(votes) == 24 * 8 and set(votes[0]) == {"timestamp", "datetime", "comment-id", "voter-id", "vote"}
    pv = list(csv.DictReader(io.StringIO(files["participants-votes"].text)))
    assert len(pv) == 24 and all(row["group-id"] != "" for row in pv)
    comments = list(csv.DictReader(io.StringIO(files["comments"].text)))
    assert len(comments) == 8 and sum(int(c["agrees"]) for c in comments) > 0


def test_results_hidden_when_organiser_says_so(api):
    cid = api.conversation(show_results=False)
    r = api.c.get(f"/api/v1/conversations/{cid}/analysis")
    assert r.status_code == 403 and "do not show results" in r.json()["message"]
    assert api.c.get(f"/api/v1/conversations/{cid}/analysis", headers=api.auth).status_code == 200
    assert api.c.get(f"/api/v1/conversations/{cid}/standing").status_code == 403
