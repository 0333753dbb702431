"""Results by channel, and the invited panel against the open conversation (intervals, small cells hidden)."""

from __future__ import annotations

import pytest
from tests.api.conftest import open_api

from voxpop.services import votes as V
from voxpop.store.db import get_database
from voxpop.store.models import Participant
from voxpop.store.models_fieldwork import FieldParticipant


@pytest.fixture
def api(db_url):
    with open_api(db_url, background="off") as a:
        yield a


def _people(db_url, cid, channel, n, votes_on_0):
    """n participants of a channel; statement 0 gets votes_on_0[i % len] from each, statement 1 'agree'
    from the first 3 only (a cell too small to show)."""
    with get_database(db_url).write() as s:
        rows = []
        for i in range(n):
            p = Participant(conversation_id=cid, xid=f"{channel}-{i}")
            s.add(p)
            s.flush()
            if channel != "online":
                s.add(FieldParticipant(participant_id=p.id, conversation_id=cid, channel=channel))
            rows.append((p.id, 0, votes_on_0[i % len(votes_on_0)]))
            if i < 3:
                rows.append((p.id, 1, 1))
        V.import_votes(s, cid, rows)


def test_channels_filter_and_open_vs_invited(api):
    cid = api.conversation(3)
    _people(api.db_url, cid, "online", 40, [1, 1, 1, -1])       # 75% agree online
    _people(api.db_url, cid, "kiosk", 20, [1, -1])              # 50% at the kiosk
    _people(api.db_url, cid, "invited", 20, [1, -1, -1, -1])    # 25% in the invited panel
    r = api.c.get(f"/api/v1/conversations/{cid}/channels")
    assert r.status_code == 200, r.text
    rep = r.json()
    assert rep["participants"] == {"online": 40, "kiosk": 20, "paper": 0, "invited": 20}
    s0 = next(x for x in rep["statements"] if x["statement"] == 0)
    assert (s0["agree"], s0["disagree"], s0["votes"]) == (30 + 10 + 5, 10 + 10 + 15, 80)
    only_kiosk = api.c.get(f"/api/v1/conversations/{cid}/channels", params={"channel": "kiosk"}).json()
    s0k = next(x for x in only_kiosk["statements"] if x["statement"] == 0)
    assert (s0k["agree"], s0k["votes"]) == (10, 20) and only_kiosk["channels"] == ["kiosk"]
    cmp = {x["statement"]: x for x in rep["open_vs_invited"]["statements"]}
    inv, opn = cmp[0]["invited"], cmp[0]["open"]
    assert inv["n"] == 20 and inv["agree"] == pytest.approx(0.25) and opn["n"] == 60 and opn["agree"] == pytest.approx(40 / 60)
    assert inv["low"] < 0.25 < inv["high"] and opn["low"] < 40 / 60 < opn["high"]
    assert cmp[0]["intervals_overlap"] is False  # 25% (11–47%) vs 67% (54–78%)
    # statement 1: 3 voters per channel, fewer than min_cell (5): nothing shown
    assert cmp[1]["invited"]["suppressed"] and cmp[1]["invited"]["agree"] is None and cmp[1]["difference"] is None
    assert api.c.get(f"/api/v1/conversations/{cid}/channels", params={"channel": "radio"}).status_code == 422

    page = api.c.get(f"/c/{cid}/results/channels", params=[("channel", "online"), ("channel", "invited")])
    assert page.status_code == 200 and "Invited panel and open conversation" in page.text
    assert "too few voters to show" in page.text and "25%" in page.text


def test_channels_follow_the_conversations_result_visibility(api):
    cid = api.conversation(2, show_results=False)
    assert api.c.get(f"/api/v1/conversations/{cid}/channels").status_code in (401, 403)
    assert api.c.get(f"/api/v1/conversations/{cid}/channels", headers=api.auth).status_code == 200
