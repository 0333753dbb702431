"""The server's own analysis (services.analyses.run_analysis, as the API and the worker run it) includes a
`places` section when the conversation has stored places — on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

PLACES = ("id,name,kind,parent,population\nN,North,,,\nS,South,,,\n"
          "a,Abbeytown,rural,N,1000\nb,Port Town,coastal,N,3000\nc,Cham,city,S,5000\n")


def test_server_analysis_has_places_when_the_conversation_has_them(api):
    cid = api.conversation(n_statements=6)
    base = f"/api/v1/conversations/{cid}"
    r = api.c.put(f"{base}/places", content=PLACES, headers=api.auth | {"content-type": "text/csv"})
    assert r.status_code == 200, r.text
    margins = {"age_band": {"16-34": 0.3, "35+": 0.7}}
    assert api.c.put(f"{base}/places/settings", json={"policy": "equal", "min_cell": 2, "margins": margins},
                     headers=api.auth).status_code == 200
    for p in range(24):
        xid = f"person-{p}"
        r = api.c.put(f"{base}/participants/{xid}/place", headers=api.auth,
                      json={"place_id": "abc"[p % 3], "strata": {"age_band": "35+" if p % 4 == 0 else "16-34"}})
        assert r.status_code == 200, r.text
        for t in range(6):
            v = "agree" if (p < 12) == (t % 2 == 0) else "disagree"
            assert api.vote(cid, t, "pass" if (p + t) % 7 == 0 else v, xid=xid).status_code == 200
    doc = api.fresh_analysis(cid)
    assert doc["meta"]["status"] == "ok"
    places = doc["places"]
    assert places is not None and places["levels"] == ["level 0", "level 1"]
    assert places["policy"] == "equal" and places["min_cell"] == 2  # the stored settings are used
    age = next(m for m in places["weights"]["margins"] if m["name"] == "age_band")  # and the margins
    assert age["achieved"] == pytest.approx(margins["age_band"], abs=0.01)
    by_id = {p["id"]: p for p in places["places"]}
    assert by_id["a"]["participants"] == 8 and by_id["c"]["participants"] == 8
    assert by_id["N"]["participants"] == 16
    assert doc["statements"][0]["support"]["weighted"]["n"] == 24


def test_no_places_section_without_stored_places(api):
    cid = api.conversation(n_statements=6)
    for p in range(24):
        for t in range(6):
            v = "agree" if (p < 12) == (t % 2 == 0) else "disagree"
            assert api.vote(cid, t, v, xid=f"person-{p}").status_code == 200
    doc = api.fresh_analysis(cid)
    assert doc["meta"]["status"] == "ok" and not doc.get("places")
