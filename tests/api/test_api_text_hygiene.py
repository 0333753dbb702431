"""Text hygiene (issue #10, item 10), tried as an attacker would over the real API: control and bidi
characters, invisible-only statements, and duplicates disguised with zero-width characters, soft
hyphens, homoglyphs or fullwidth letters."""

from __future__ import annotations

import pytest
from tests.api.conftest import open_api

from voxpop.errors import Invalid
from voxpop.services.text import clean_text, text_key

ORIGINAL = "Buses should be free for everyone"


@pytest.fixture
def api(tmp_path):
    with open_api(f"sqlite:///{tmp_path}/voxpop.db") as a:
        yield a


@pytest.mark.parametrize("bad", ["a\x85b", "a\x9bb", "evil\u202etxt.exe", "a\u2066b\u2069", "a\u202ab"])
def test_c1_controls_and_bidi_overrides_are_refused(api, bad):
    cid = api.conversation(n_statements=0)
    r = api.c.post(f"/api/v1/conversations/{cid}/statements", json={"text": f"Statement {bad} here"})
    assert r.status_code == 422, r.text
    assert "character" in r.json()["message"]
    r = api.c.post("/api/v1/conversations", json={"topic": f"Topic {bad}"}, headers=api.auth)
    assert r.status_code == 422, r.text


@pytest.mark.parametrize("invisible", ["\u200b\u200b", "\u00ad", "\u2060\ufeff", "\u3164", "\u200b \u200c \u200d",
                                       "\u115f\u1160", "\u2800", "\U000e0020\U000e0041"])
def test_invisible_only_statements_are_refused(api, invisible):
    cid = api.conversation(n_statements=0)
    r = api.c.post(f"/api/v1/conversations/{cid}/statements", json={"text": invisible})
    assert r.status_code == 422, (invisible, r.text)
    assert "visible" in r.json()["message"] or "empty" in r.json()["message"]


@pytest.mark.parametrize("disguise", [
    "Buses should be\u200b free for everyone",           # zero-width space
    "Buses should be free for every\u00adone",           # soft hyphen
    "Buses should be free for ev\u200deryone",           # zero-width joiner
    "Вuses shоuld be free fоr everyоne",                 # Cyrillic В and о
    "Ｂｕｓｅｓ ｓｈｏｕｌｄ ｂｅ ｆｒｅｅ ｆｏｒ ｅｖｅｒｙｏｎｅ",  # fullwidth
    "𝐁𝐮𝐬𝐞𝐬 should be free for everyone",               # mathematical bold
    "BUSES  SHOULD BE FREE\u00a0FOR EVERYONE",           # case and spacing (already caught)
    "Buses should be free for everyone\u2060",           # word joiner at the end
])
def test_disguised_duplicates_are_detected(api, disguise):
    cid = api.conversation(n_statements=0)
    assert api.c.post(f"/api/v1/conversations/{cid}/statements", json={"text": ORIGINAL},
                      headers=api.auth).status_code == 201
    r = api.c.post(f"/api/v1/conversations/{cid}/statements", json={"text": disguise})
    assert r.status_code == 409 and "already" in r.json()["message"], (disguise, r.text)
    r = api.c.post(f"/api/v1/conversations/{cid}/statements", json={"texts": [disguise]}, headers=api.auth)
    assert r.status_code == 422, r.text
    r = api.c.post(f"/api/v1/conversations/{cid}/statements/csv", content=f"text\n{disguise}\n".encode(),
                   headers=api.auth | {"content-type": "text/csv"})
    assert r.status_code == 422, r.text


def test_one_line_topic_refuses_line_separators(api):
    for sep in ("\u2028", "\u2029"):
        r = api.c.post("/api/v1/conversations", json={"topic": f"First{sep}second"}, headers=api.auth)
        assert r.status_code == 422 and "single line" in r.json()["message"], r.text


def test_real_writing_is_kept_and_not_merged():
    # joiners that scripts and emoji need stay in the text; different words stay different statements
    for text in ("Famille 👨‍👩‍👧 d’abord", "می‌خواهم", "नमस्ते दुनिया", "Straße", "שלום עולם", "مرحبا بالعالم"):
        assert clean_text(text, field="statement", max_len=280) == text
    assert clean_text("a\u2028b", field="statement", max_len=280) == "a\nb"
    assert text_key("Taxes should rise") != text_key("Taxes should fall")
    assert text_key("Café") == text_key("Cafe\u0301")
    assert text_key("Ελλάδα") != text_key("Ελλάς")
    with pytest.raises(Invalid):
        clean_text("\u200b", field="statement", max_len=280)
