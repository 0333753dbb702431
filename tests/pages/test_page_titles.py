"""Every page's title (the browser tab; the first thing a screen reader says) is in the reader's language.

Most organiser and field-work pages, "Your data", the privacy notice, the sign-in and the home page had English
titles on Welsh (and Arabic) pages: render(..., title="Organiser sign in") was never translated.
"""

from __future__ import annotations

import re

import pytest
from pagehelp import sign_in

PARTICIPANT = ["/", "/c/{cid}/my-data", "/c/{cid}/privacy"]
ORGANISER = ["/organiser", "/organiser/import", "/organiser/c/{cid}/moderate", "/organiser/c/{cid}/kiosks",
             "/organiser/c/{cid}/paper", "/organiser/c/{cid}/paper/enter", "/organiser/c/{cid}/panels",
             "/organiser/c/{cid}/places", "/organiser/c/{cid}/close", "/c/{cid}/results/channels"]


def _title(client, url: str, lang: str) -> str:
    r = client.get(f"{url}{'&' if '?' in url else '?'}lang={lang}")
    assert r.status_code == 200, (url, r.status_code)
    return re.search(r"<title>(.*?)</title>", r.text, re.S).group(1)


@pytest.mark.parametrize("lang", ["cy", "ar"])
def test_participant_page_titles_are_translated(client, seeded, lang):
    for path in PARTICIPANT:
        url = path.format(cid=seeded["cid"])
        en, other = _title(client, url, "en"), _title(client, url, lang)
        assert other != en, f"{url}: the {lang} title is the English one: {en!r}"


def test_organiser_page_titles_are_in_welsh(client, seeded):
    assert _title(client, "/organiser/sign-in", "cy") != _title(client, "/organiser/sign-in", "en")
    sign_in(client)
    for path in ORGANISER:
        url = path.format(cid=seeded["cid"])
        en, cy = _title(client, url, "en"), _title(client, url, "cy")
        assert cy != en, f"{url}: the Welsh title is the English one: {en!r}"
    _title(client, "/organiser", "en")
