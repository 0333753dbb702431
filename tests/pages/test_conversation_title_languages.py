"""The conversation's title and description in the reader's language on every page and JSON answer that shows
them, marked with `lang` where the text is in another language than the page (WCAG 3.1.2); the organiser gives
them on the conversation's page (and through its JSON twin)."""

from __future__ import annotations

import html
import re

import pytest
from pagehelp import csrf, sign_in

from voxpop.services import conversation_text as CT
from voxpop.store.models import Conversation

TITLE = "What should our town do?"
TITLE_CY = "Beth ddylai ein tref ei wneud?"
DESC_CY = "Sgwrs brawf i’r dref."


@pytest.fixture
def welsh(app, seeded):
    """The seeded conversation with a Welsh title and description (no Arabic)."""
    with app.state.voxpop.db.write() as s:
        CT.set_translation(s, s.get(Conversation, seeded["cid"]), "cy", topic=TITLE_CY, description=DESC_CY)
    return seeded["cid"]


def _tag(page: str, pattern: str) -> str:
    m = re.search(pattern, page, re.S)
    assert m, f"no {pattern!r} in the page"
    return m.group(0)


def test_participant_page_speaks_the_readers_language(client, welsh):
    cy = client.get(f"/c/{welsh}?lang=cy").text
    assert _tag(cy, r"<html[^>]*>") == '<html lang="cy" dir="ltr">'
    assert f"<h1>{TITLE_CY}</h1>" in cy  # the page's own language: no lang attribute needed
    assert f'<p class="lede">{html.escape(DESC_CY)}</p>' in cy
    assert f"<title>{TITLE_CY} · voxpop</title>" in cy
    assert f'<meta property="og:title" content="{TITLE_CY}">' in cy
    assert f'<meta property="og:description" content="{html.escape(DESC_CY)}">' in cy
    assert '<meta property="og:locale" content="cy_GB">' in cy
    assert TITLE not in cy
    en = client.get(f"/c/{welsh}?lang=en").text
    assert f"<h1>{TITLE}</h1>" in en and '<p class="lede">A test conversation.</p>' in en and TITLE_CY not in en
    assert '<meta property="og:locale" content="en_GB">' in en
    # Arabic was not given: the English original, marked as English (and left to right in a right-to-left page)
    ar = client.get(f"/c/{welsh}?lang=ar").text
    assert _tag(ar, r"<html[^>]*>") == '<html lang="ar" dir="rtl">'
    assert f'<h1 lang="en" dir="ltr">{TITLE}</h1>' in ar
    assert '<p class="lede" lang="en" dir="ltr">A test conversation.</p>' in ar
    # the embed shows the same
    assert f"<h1>{TITLE_CY}</h1>" in client.get(f"/c/{welsh}/embed?lang=cy").text


def test_a_title_without_its_description_marks_the_original_description(client, app, seeded):
    cid = seeded["cid"]
    with app.state.voxpop.db.write() as s:
        CT.set_translation(s, s.get(Conversation, cid), "cy", topic=TITLE_CY)
    cy = client.get(f"/c/{cid}?lang=cy").text
    assert f"<h1>{TITLE_CY}</h1>" in cy
    assert '<p class="lede" lang="en">A test conversation.</p>' in cy  # same direction: no dir
    # before any translation the English title on the Welsh page is marked as English
    with app.state.voxpop.db.write() as s:
        CT.set_translation(s, s.get(Conversation, cid), "cy")
    assert f'<h1 lang="en">{TITLE}</h1>' in client.get(f"/c/{cid}?lang=cy").text


def test_results_my_data_privacy_and_kiosk_pages(client, welsh):
    res = client.get(f"/c/{welsh}/results?lang=cy")
    assert res.status_code == 200
    assert re.search(rf"<h1>[^<]*{re.escape(TITLE_CY)}</h1>", res.text), _tag(res.text, r"<h1>.*?</h1>")
    assert f'<meta property="og:title" content="{TITLE_CY}">' in res.text
    ar = client.get(f"/c/{welsh}/results?lang=ar").text
    assert f'<span lang="en" dir="ltr">{TITLE}</span></h1>' in ar
    # the results page is kept per language: the Welsh drawing is not served to English readers
    assert TITLE_CY not in client.get(f"/c/{welsh}/results?lang=en").text
    for path in ("my-data", "privacy"):
        page = client.get(f"/c/{welsh}/{path}?lang=cy").text
        assert f'<p class="lede">{TITLE_CY}</p>' in page, path
        assert f'<p class="lede" lang="en" dir="ltr">{TITLE}</p>' in client.get(f"/c/{welsh}/{path}?lang=ar").text
    kiosk = client.get(f"/k/c/{welsh}?lang=cy").text
    assert f'<h1 id="k-title" tabindex="-1">{TITLE_CY}</h1>' in kiosk
    assert f"<title>{TITLE_CY} · voxpop</title>" in kiosk
    pack = client.get(f"/api/v1/conversations/{welsh}/offline-pack?lang=cy").json()
    assert (pack["topic"], pack["topic_language"], pack["description"]) == (TITLE_CY, "cy", DESC_CY)


def test_json_twins_give_the_original_the_translations_and_what_the_reader_sees(client, welsh):
    doc = client.get(f"/api/v1/conversations/{welsh}", headers={"Accept-Language": "cy"}).json()
    assert (doc["topic"], doc["language"]) == (TITLE, "en")
    assert doc["translations"] == {"cy": {"topic": TITLE_CY, "description": DESC_CY}}
    assert doc["shown"] == {"topic": TITLE_CY, "topic_language": "cy", "description": DESC_CY,
                            "description_language": "cy"}
    nxt = client.get(f"/api/v1/conversations/{welsh}/next?lang=ar").json()
    assert nxt["conversation"]["topic"] == TITLE and nxt["conversation"]["topic_language"] == "en"


def test_organiser_sets_them_through_the_api(tmp_path):
    from tests.api.conftest import open_api

    with open_api(f"sqlite:///{tmp_path}/api.db", background="off") as api:
        r = api.c.post("/api/v1/conversations", headers=api.auth,
                       json={"topic": TITLE, "translations": {"cy": {"topic": TITLE_CY, "description": DESC_CY}}})
        assert r.status_code == 201, r.text
        cid = r.json()["id"]
        assert r.json()["translations"] == {"cy": {"topic": TITLE_CY, "description": DESC_CY}}
        r = api.c.post("/api/v1/conversations", headers=api.auth,
                       json={"topic": "Not created", "translations": {"en": {"topic": "x"}}})
        assert r.status_code == 422 and "English is the language the conversation was written in" in r.json()["message"]
        listed = api.c.get("/api/v1/conversations", headers=api.auth).json()["conversations"]
        assert [c["topic"] for c in listed] == [TITLE]  # the refused one was not created
        r = api.c.patch(f"/api/v1/conversations/{cid}", headers=api.auth,
                        json={"translations": {"ar": {"topic": "ماذا يجب أن تفعل مدينتنا؟"}}})
        assert r.status_code == 200, r.text
        assert r.json()["translations"] == {"ar": {"topic": "ماذا يجب أن تفعل مدينتنا؟", "description": ""},
                                            "cy": {"topic": TITLE_CY, "description": DESC_CY}}
        # all or nothing, with the reason in words
        r = api.c.patch(f"/api/v1/conversations/{cid}", headers=api.auth,
                        json={"topic": "Changed", "translations": {"cy": {"topic": "Newydd"}, "fr": {"topic": "Nouveau"}}})
        assert r.status_code == 422 and "'fr' is not a language voxpop's pages are offered in" in r.json()["message"]
        r = api.c.patch(f"/api/v1/conversations/{cid}", headers=api.auth,
                        json={"translations": {"cy": {"topic": "Beth \u202eddylai"}}})
        assert r.status_code == 422 and "title in Welsh contains bidirectional override" in r.json()["message"]
        r = api.c.patch(f"/api/v1/conversations/{cid}", headers=api.auth, json={"translations": {"ar": {}}})
        assert r.status_code == 200 and set(r.json()["translations"]) == {"cy"}  # both empty: removed
        doc = api.c.get(f"/api/v1/conversations/{cid}?lang=cy").json()  # anyone may read them
        assert doc["topic"] == TITLE and doc["shown"]["topic"] == TITLE_CY
        assert doc["translations"]["cy"]["topic"] == TITLE_CY
        # a field the model does not know is refused before anything is stored
        r = api.c.patch(f"/api/v1/conversations/{cid}", headers=api.auth,
                        json={"translations": {"cy": {"title": "x"}}})
        assert r.status_code == 422


def test_organiser_gives_them_on_the_conversation_page(client, seeded):
    cid = seeded["cid"]
    sign_in(client)
    page = client.get(f"/organiser/c/{cid}").text
    assert "The title and description in other languages" in page
    assert '<label for="topic_cy">Title in Welsh (<span lang="cy">Cymraeg</span>)</label>' in page
    assert '<input type="text" id="topic_cy" name="topic_cy" maxlength="300" lang="cy" dir="ltr" value="">' in page
    assert '<textarea id="description_ar" name="description_ar" lang="ar" dir="rtl"></textarea>' in page
    assert 'id="topic_en"' not in page  # the original's language is the title itself
    form = {"csrf_token": csrf(page), "topic": TITLE, "description": "A test conversation.",
            "who_may_add": "participants", "moderation": "post", "statement_max_len": "280", "show_results": "1",
            "topic_cy": TITLE_CY, "description_cy": DESC_CY, "topic_ar": "", "description_ar": ""}
    r = client.post(f"/organiser/c/{cid}/settings", data=form, follow_redirects=True)
    assert r.status_code == 200 and "Settings saved." in r.text
    assert f'value="{TITLE_CY}"' in r.text and f">{html.escape(DESC_CY)}</textarea>" in r.text
    assert f"<h1>{TITLE_CY}</h1>" in client.get(f"/c/{cid}?lang=cy").text
    # a mistake in one language saves nothing of the form, and says what to fix
    bad = {**form, "topic": "Changed", "topic_cy": "x" * 301}
    r = client.post(f"/organiser/c/{cid}/settings?lang=en", data=bad)
    assert r.status_code == 422 and "title in Welsh is 301 characters long; the limit is 300" in r.text
    r = client.post(f"/organiser/c/{cid}/settings?lang=cy", data=bad)  # and in the organiser's language
    assert "mae’r teitl (Cymraeg) yn 301 nod o hyd; y terfyn yw 300" in r.text
    assert f"<h1>{TITLE}</h1>" in client.get(f"/c/{cid}?lang=en").text
    # in Welsh the organiser page is all Welsh
    cy = client.get(f"/organiser/c/{cid}?lang=cy").text
    assert "Y teitl a’r disgrifiad mewn ieithoedd eraill" in cy and "Teitl – Arabeg" in cy


def test_paper_pack_prints_the_title_in_the_language_it_is_printed_in(client, welsh):
    sign_in(client)
    page = client.get(f"/organiser/c/{welsh}/paper?lang=cy")
    r = client.post(f"/organiser/c/{welsh}/paper/packs?lang=cy", data={"csrf_token": csrf(page.text), "sheets": "2"},
                    follow_redirects=True)
    assert r.status_code == 200, r.text
    assert r.text.count(f"<h1>{TITLE_CY}</h1>") == 2
    assert f"<h1>{TITLE}</h1>" in client.get(f"{r.url}&lang=en").text


def test_the_demo_gives_its_conversation_a_welsh_title_even_in_an_older_database(app, client):
    """`voxpop demo` reusing a demo database built before titles had translations adds the Welsh one; its home
    page lists the title in the reader's language."""
    from voxpop import demo_content as D
    from voxpop.cli.demo import welsh_title
    from voxpop.services import conversations

    db = app.state.voxpop.db
    with db.write() as s:
        cid = conversations.create_conversation(s, topic=D.TITLE, description=D.DESCRIPTION).id
    assert welsh_title(db, cid) == {"cy": D.TITLE_CY}
    assert welsh_title(db, cid) == {"cy": D.TITLE_CY}  # once only
    with db.read() as s:
        assert CT.for_reader(s, s.get(Conversation, cid), "cy").description == D.DESCRIPTION_CY
    app.state.featured_conversations = [{"title": D.TITLE, "language": "en", "titles": {"cy": D.TITLE_CY},
                                         "url": f"/c/{cid}"}]
    assert f'<a href="/c/{cid}">{D.TITLE_CY}</a>' in client.get("/?lang=cy").text
    assert f'<a href="/c/{cid}" lang="en" dir="ltr">{D.TITLE}</a>' in client.get("/?lang=ar").text
