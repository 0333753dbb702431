"""Splitting keeps exact offsets on tricky text."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from voxpop.listen.split import split_text


def _check(text: str) -> list[str]:
    claims = split_text(text, "t")
    prev_end = 0
    for i, c in enumerate(claims):
        assert text[c.start:c.end] == c.text
        assert c.id == f"t:{i}"
        assert c.start >= prev_end and c.end > c.start
        assert c.text == c.text.strip()
        assert not re.search(r"\w", text[prev_end:c.start]), "a word fell between claims"
        prev_end = c.end
    assert not re.search(r"\w", text[prev_end:])
    return [c.text for c in claims]


def test_abbreviations_quotes_newlines_unicode():
    text = ('Dr. Smith met Mrs. Jones at 3 p.m. in the U.S. yesterday. She said "No way." Then left!\n'
            "  Prices rose 3.5% — e.g. bread costs £1.20 now.\r\n\r\nÜber-Straße: café naïve. "
            "我们需要更多公园。公交太贵了！ Emoji 👍🏽 ok?\n- a list item\n- another one")
    got = _check(text)
    assert got[0] == "Dr. Smith met Mrs. Jones at 3 p.m. in the U.S. yesterday."
    assert 'She said "No way."' in got[1]
    assert "Prices rose 3.5% — e.g. bread costs £1.20 now." in got
    assert "我们需要更多公园。" in got and "公交太贵了！" in got
    assert "Emoji 👍🏽 ok?" in got
    assert got[-2:] == ["- a list item", "- another one"]


def test_line_breaks_always_end_a_claim_and_blank_input_gives_nothing():
    assert _check("first line without stop\nsecond line") == ["first line without stop", "second line"]
    assert split_text("   \n\n  - \n", "t") == []


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(["Dr. ", "ok. ", "Yes! ", "\n", "“quoted.” ", "ünï ", "3.5 ", "。", "a",
                                 "word ", "? ", "\r\n", "  ", "e.g. ", "I'm ", "—", "😀"]), max_size=40))
def test_offsets_are_exact_for_any_text(parts):
    _check("".join(parts))
