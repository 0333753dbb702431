"""Invited panels: a panel of 40 drawn by lot from 1,000 volunteers meets every quota; codes work once."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from tests.api.conftest import open_api
from tests.fieldwork._pool import pool_csv, quotas_csv


def _panel(api, cid, size=40, pool=None, quotas=None):
    files = {"pool": ("pool.csv", pool or pool_csv(), "text/csv"),
             "quotas": ("quotas.csv", quotas or quotas_csv(size), "text/csv")}
    return api.c.post(f"/api/v1/conversations/{cid}/panels", files=files, data={"size": str(size), "name": "Panel"},
                      headers=api.auth)


@pytest.fixture
def api(db_url):
    with open_api(db_url, background="off") as a:
        yield a


def test_panel_of_40_from_1000_meets_every_quota_and_each_code_works_once(api):
    cid = api.conversation(3)
    r = _panel(api, cid)
    assert r.status_code == 201, r.text
    panel = r.json()
    assert panel["pool"] == 1000 and not panel["drawn"]
    r = api.c.post(f"/api/v1/conversations/{cid}/panels/{panel['id']}/draw",
                   json={"algorithm": "legacy", "estimate_draws": 30}, headers=api.auth)
    assert r.status_code == 200, r.text
    drawn = r.json()
    assert drawn["selected"] == 40 and drawn["all_quotas_met"], drawn["quotas"]
    for q in drawn["quotas"]:
        assert q["min"] <= q["selected"] <= q["max"], q
    probs = drawn["probabilities"]
    assert 0 < probs["mean"] < 1 and drawn["report"]["probabilities"] == "estimated"
    # the mean selection probability of a panel of 40 from 1000 is 40/1000 whatever the estimate
    assert abs(probs["mean"] - 0.04) < 1e-9
    members = api.c.get(f"/api/v1/conversations/{cid}/panels/{panel['id']}/members", headers=api.auth).json()["members"]
    assert len(members) == 40 and len({m["code"] for m in members}) == 40
    # drawing again is refused
    again = api.c.post(f"/api/v1/conversations/{cid}/panels/{panel['id']}/draw", json={}, headers=api.auth)
    assert again.status_code == 409

    # every code works once: each invited person (their own browser) redeems theirs, a second person cannot
    app = api.c.app
    for i, m in enumerate(members):  # invited people write from their own homes (own addresses)
        with TestClient(app, client=(f"10.1.{i}.1", 50000)) as person:
            r = person.post(f"/api/v1/invitations/{m['code']}/redeem")
            assert r.status_code == 200, r.text
            assert r.json()["place"] == m["place"] and r.json()["channel"] == "invited"
            assert person.post(f"/api/v1/invitations/{m['code']}/redeem").status_code == 200  # same person: no-op
            me = person.get(f"/api/v1/conversations/{cid}/me").json()
            assert me["participant"] == r.json()["participant"]
        with TestClient(app, client=(f"10.2.{i}.1", 50000)) as other:
            r2 = other.post(f"/api/v1/invitations/{m['code'].lower()}/redeem")
            assert r2.status_code == 409 and "already used" in r2.json()["message"]
    summary = api.c.get(f"/api/v1/conversations/{cid}/panels/{panel['id']}", headers=api.auth).json()
    assert summary["taken_part"] == 40
    assert api.c.post("/api/v1/invitations/NOPE0-00000/redeem").status_code == 404


def test_maximin_gives_exact_probabilities_on_a_small_pool(api):
    cid = api.conversation(2)
    pool = "id,place,sex\n" + "".join(f"p{i},{'north' if i % 3 else 'south'},{'f' if i % 2 else 'm'}\n"
                                      for i in range(30))
    quotas = b"feature,value,min,max\nplace,north,4,4\nplace,south,2,2\nsex,f,3,3\nsex,m,3,3\n"
    panel = _panel(api, cid, size=6, pool=pool.encode(), quotas=quotas).json()
    r = api.c.post(f"/api/v1/conversations/{cid}/panels/{panel['id']}/draw", json={"algorithm": "maximin"},
                   headers=api.auth)
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["all_quotas_met"] and d["report"]["probabilities"] == "exact"
    assert abs(d["probabilities"]["mean"] - 6 / 30) < 1e-6 and d["probabilities"]["min"] > 0


@pytest.mark.parametrize(("pool", "quotas", "needle"), [
    (b"name,place\nA,north\n", b"feature,value,min,max\nplace,north,1,1\n", "no id column"),
    (b"id,place\n1,north\n1,south\n", b"feature,value,min,max\nplace,north,1,1\nplace,south,0,1\n", "appears twice"),
    (b"id,place\n1,north\n2,south\n", b"feature,value,min,max\nplace,north,1,1\n", "place,south,MIN,MAX"),
    (b"id,place\n1,north\n2,south\n", b"feature,value,min,max\nage,x,1,1\n", "no column for"),
    (b"id,place\n1,north\n2,north\n", b"feature,value,min\nplace,north,1\n", "no max column"),
    (b"id,place\n1,north\n2,north\n", b"feature,value,min,max\nplace,north,3,1\n", "more than max"),
])
def test_bad_pool_or_quotas_say_what_to_fix(api, pool, quotas, needle):
    cid = api.conversation(1)
    r = _panel(api, cid, size=1, pool=pool, quotas=quotas)
    assert r.status_code == 422 and needle in r.json()["message"], r.text


def test_infeasible_quotas_are_a_clear_error(api):
    cid = api.conversation(1)
    pool = b"id,place\n" + b"".join(f"{i},north\n".encode() for i in range(10)) + b"10,south\n"
    quotas = b"feature,value,min,max\nplace,north,2,2\nplace,south,3,3\n"
    panel = _panel(api, cid, size=5, pool=pool, quotas=quotas).json()
    r = api.c.post(f"/api/v1/conversations/{cid}/panels/{panel['id']}/draw", json={}, headers=api.auth)
    assert r.status_code == 422 and "quotas cannot be met" in r.json()["message"], r.text


def test_panels_are_for_organisers_only(api):
    cid = api.conversation(1)
    assert api.c.get(f"/api/v1/conversations/{cid}/panels").status_code in (401, 403)
    other = {"Authorization": f"Bearer {api.other_organiser()}"}
    assert api.c.get(f"/api/v1/conversations/{cid}/panels", headers=other).status_code == 403
