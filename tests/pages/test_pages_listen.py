"""The organiser's listening page: upload testimony, read themes and verbatim quotes, accept candidates."""

from __future__ import annotations

import csv
import html
import io
import json
import re

from pagehelp import csrf, sign_in

from voxpop.services.statements import list_statements
from voxpop.worker import Worker

TESTIMONY = [
    "The buses to the villages stopped running after six in the evening.",
    "I cannot get to my evening shift because the last bus leaves at half past five.",
    "Bus fares went up again and my pension does not stretch to the weekly ticket.",
    "Without a car you are stuck here; the bus comes twice a day if you are lucky.",
    "My daughter takes two buses to college and is often late when one is cancelled.",
    "The bus shelter on Mill Lane has no roof and the timetable is never right.",
    "We need a bus service on Sundays so people can visit family in hospital.",
    "Cancelled buses mean I have missed doctor appointments three times this year.",
    "The rural bus routes were cut and nobody asked the people who depend on them.",
    "A cheaper bus pass for young people would help them find work in town.",
    "Rents in the town centre have doubled and young families are moving away.",
    "I pay more than half my wages in rent for a damp flat with mould on the walls.",
    "The new housing estate has no school, no shop and no doctor nearby.",
    "Landlords keep raising the rent and there is nothing we can do about it.",
    "My son is thirty and still lives with us because he cannot afford a flat.",
    "Holiday lets have taken over the village and locals cannot find homes to rent.",
    "The council housing waiting list is eight years long in this district.",
    "Affordable homes should be built for local people, not sold as second homes.",
    "Our flat has had a leaking roof for a year and the landlord ignores us.",
    "Young couples cannot save for a deposit when rent takes everything they earn.",
    "The library opening hours were cut and the children have nowhere to study.",
    "The library is the only warm place for some older people in winter.",
    "Please keep the library open on Saturdays for families who work all week.",
    "Our library runs homework clubs and computer classes that people rely on.",
    "Closing the library would leave the high street with nothing but empty shops.",
    "The library staff helped me apply for jobs online when I had no internet at home.",
    "Volunteers now run the library but they need books and a proper budget.",
    "The mobile library van no longer visits our village on Tuesdays.",
    "The library reading group is how I met most of my friends after moving here.",
    "<script>alert(1)</script> the library website is broken and the bus app too.",
]


def _csv(rows: list[str] = TESTIMONY) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["id", "text", "place"])
    for i, text in enumerate(rows):
        w.writerow([f"t{i + 1}", text, ("North", "South", "East")[i % 3]])
    return buf.getvalue().encode()


def _page(client, cid: str) -> str:
    r = client.get(f"/organiser/c/{cid}/listen")
    assert r.status_code == 200, r.text
    return r.text


def _upload(client, cid: str, rows: list[str] = TESTIMONY) -> str:
    token = csrf(_page(client, cid))
    r = client.post(f"/organiser/c/{cid}/listen", data={"csrf_token": token, "model": "tfidf"},
                    files=[("files", ("testimony.csv", _csv(rows), "text/csv"))], follow_redirects=False)
    assert r.status_code == 303, r.text
    job_url = r.headers["location"]
    assert job_url.startswith(f"/organiser/c/{cid}/listen/jobs/")  # the upload became a background job
    page = client.get(job_url).text
    assert "Waiting for the worker to start." in page and 'role="status"' in page
    assert "Refresh to see how far it has got" in page  # without JavaScript
    w = Worker(client.app.state.voxpop.db, poll_s=0.001)
    assert w.step_listen() and not w.step_listen()
    page = client.get(job_url).text
    assert "Done: the themes are ready." in page and "Refresh to see" not in page
    see = html.unescape(re.search(r'<p class="job-see"><a href="([^"]+)">See the themes</a>', page).group(1))
    assert see.startswith(f"/organiser/c/{cid}/listen?msg=listened")
    return client.get(see).text


def test_needs_an_organiser(client, seeded):
    r = client.get(f"/organiser/c/{seeded['cid']}/listen", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/organiser/sign-in?")


def test_post_without_csrf_is_refused(client, seeded):
    sign_in(client)
    cid = seeded["cid"]
    r = client.post(f"/organiser/c/{cid}/listen", data={"model": "tfidf"},
                    files=[("files", ("testimony.csv", _csv(), "text/csv"))], follow_redirects=False)
    assert r.status_code == 403
    r = client.post(f"/organiser/c/{cid}/listen/accept", data={"candidate": ["c0.1"]}, follow_redirects=False)
    assert r.status_code == 403
    assert "No testimony has been analysed" in _page(client, cid)


def test_conversation_page_links_here(client, seeded):
    sign_in(client)
    page = client.get(f"/organiser/c/{seeded['cid']}").text
    assert f'href="/organiser/c/{seeded["cid"]}/listen"' in page


def test_upload_shows_themes_quotes_and_accepts_candidates(client, app, seeded):
    sign_in(client)
    cid = seeded["cid"]
    page = _upload(client, cid)
    assert "Testimony analysed" in page
    assert "What people said: themes" in page
    assert "<script>alert(1)</script>" not in page
    # every quote is verbatim: an exact substring of one uploaded testimony (after HTML unescaping)
    quotes = [html.unescape(q) for q in re.findall(r"<blockquote>(.*?)</blockquote>", page, re.S)]
    assert len(quotes) >= 3
    for q in quotes:
        assert any(q in t for t in TESTIMONY), q
    assert re.search(r"characters \d+–\d+", page)  # the span
    kw = " ".join(re.findall(r'<ul class="kw" aria-label="Keywords">(.*?)</ul>', page, re.S))
    assert sum(k in kw for k in ("bus", "rent", "library")) >= 2, kw  # the keywords name the topics
    assert "By place" in page  # the breakdowns, drawn by the report
    assert "fewer than 5 people" in page  # ... with small cells suppressed
    # the candidate list: a fieldset per theme with a labelled checkbox per candidate, one button
    ids = re.findall(r'<input type="checkbox" id="cand-([^"]+)" name="candidate" value="\1"', page)
    assert len(ids) >= 2
    assert f'<label for="cand-{ids[0]}">' in page and "<legend>Theme:" in page
    assert page.count("Add selected as seed statements") == 1

    before = {st.text for st in _statements(app, cid)}
    token = csrf(page)
    r = client.post(f"/organiser/c/{cid}/listen/accept", data={"csrf_token": token, "candidate": ids[:2]},
                    follow_redirects=False)
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    assert "2 statements added as seed statements." in page
    added = {st.text for st in _statements(app, cid)} - before
    assert len(added) == 2
    themes = client.get(f"/api/v1/conversations/{cid}/listen/themes").json()
    assert {a["text"] for a in themes["accepted"]} == added
    assert all(a["statement"] and a["candidate"] in ids[:2] for a in themes["accepted"])
    assert all(any(a["text"] in t or t in a["text"] for t in TESTIMONY) for a in themes["accepted"])
    # the accepted ones are now marked, and accepting one again says it was skipped and why
    assert re.search(rf'id="cand-{re.escape(ids[0])}" name="candidate" value="[^"]+" disabled', page)
    r = client.post(f"/organiser/c/{cid}/listen/accept", data={"csrf_token": token, "candidate": ids[:1]})
    assert "0 statements added" in r.text and "1 skipped" in r.text
    assert f"<code>{ids[0]}</code>: it was already added earlier" in r.text
    assert len(_statements(app, cid)) == len(before) + 2


def test_hostile_testimony_is_escaped_and_bad_input_explained(client, seeded):
    sign_in(client)
    cid = seeded["cid"]
    hostile = [f"<script>alert(1)</script> {t}" for t in TESTIMONY[:12]]
    page = _upload(client, cid, hostile)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert re.search(r"<blockquote>&lt;script&gt;alert\(1\)&lt;/script&gt;", page)
    token = csrf(page)
    r = client.post(f"/organiser/c/{cid}/listen", data={"csrf_token": token, "model": "tfidf"},
                    files=[("files", ("bad.csv", b"name,words\nx,y\n", "text/csv"))])
    assert r.status_code == 422  # what can be checked while the file streams in is checked at once
    assert "bad.csv" in r.text and "missing column(s) id, text" in r.text
    r = client.post(f"/organiser/c/{cid}/listen/accept", data={"csrf_token": token})
    assert r.status_code == 422 and "tick at least one" in r.text


def _statements(app, cid: str):
    with app.state.voxpop.db.read() as s:
        return list_statements(s, cid)


def test_page_names_speakers_and_places_hides_offsets_and_lets_the_organiser_edit(client, app, seeded):
    sign_in(client)
    cid = seeded["cid"]
    page = _upload(client, cid)
    assert "Sentences were compared with TF-IDF" in page  # which model ran
    assert "How sure:" in page
    # attributions by place; the exact span only in the tooltip (title), never in the visible text
    assert re.search(r"— (North|South|East) <span class=\"src\"", page)
    visible = re.sub(r'(title|aria-label)="[^"]*"', "", page)
    assert not re.search(r"characters \d+–\d+", visible)
    ids = re.findall(r'<input type="checkbox" id="cand-([^"]+)" name="candidate" value="\1"', page)
    assert ids and f'name="text-{ids[0]}"' in page
    r = client.post(f"/organiser/c/{cid}/listen/accept",
                    data={"csrf_token": csrf(page), "candidate": [ids[0]],
                          f"text-{ids[0]}": "  The last bus should leave after nine in the evening.  "},
                    follow_redirects=False)
    assert r.status_code == 303
    assert "The last bus should leave after nine in the evening." in {st.text for st in _statements(app, cid)}
    accepted = client.get(f"/api/v1/conversations/{cid}/listen/themes").json()["accepted"]
    assert accepted[-1]["edited"] is True and accepted[-1]["proposed"] != accepted[-1]["text"]
    r = client.post(f"/organiser/c/{cid}/listen/accept",
                    data={"csrf_token": csrf(page), "candidate": [ids[1]], f"text-{ids[1]}": "   "})
    assert r.status_code == 422 and "empty" in r.text


def test_how_sure_typical_and_where_are_in_the_readers_language(client, seeded):
    """The pipeline stores "how sure", "typical" and the source span in English; a Welsh organiser reads
    them in Welsh (tooltip included), and an English one as stored."""
    sign_in(client)
    cid = seeded["cid"]
    page = _upload(client, cid)
    assert re.search(r"How sure:</strong> (clear|fairly clear|loose|mixed|the only theme):", page)
    cy = client.get(f"/organiser/c/{cid}/listen?lang=cy").text
    assert "Pa mor sicr:" in cy
    assert re.search(r"Pa mor sicr:</strong> (clir|eithaf clir|llac|cymysg|yr unig thema):", cy)
    assert "nodweddiadol" in cy and "typical of this theme" not in cy
    assert re.search(r'title="tystiolaeth t\d+ yn testimony\.csv, nodau \d+–\d+"', cy)
    assert not re.search(r"(closer to each other|shades into other|sit nearer this theme)", cy)


def test_a_job_that_fails_says_what_went_wrong_on_its_page_and_the_listening_page(client, seeded):
    sign_in(client)
    cid = seeded["cid"]
    token = csrf(_page(client, cid))
    bad = _csv() + b't3,"The same id again.",North\n'  # fine while it streams in; the reader refuses it
    r = client.post(f"/organiser/c/{cid}/listen", data={"csrf_token": token, "model": "tfidf"},
                    files=[("files", ("voices.csv", bad, "text/csv"))], follow_redirects=False)
    assert r.status_code == 303
    job_url = r.headers["location"]
    assert Worker(client.app.state.voxpop.db, poll_s=0.001).step_listen()
    page = client.get(job_url).text
    assert "The themes could not be found." in page and "What went wrong:" in page
    assert "voices.csv: line 32: id &#39;t3&#39; already used on line 4" in page
    assert "Fix the files and upload them again on the listening page." in page and "Refresh to see" not in page
    assert re.search(r'<form class="job-retry"[^>]* hidden>', page)  # unreadable files are not kept to try again
    listen = _page(client, cid)  # the listening page shows the failed upload above the form
    assert "voices.csv: line 32" in listen and listen.index('id="listen-job"') < listen.index('id="upload-heading"')
    assert "Fix the files and upload them again below." in listen
    json_twin = client.get(re.search(r'<link rel="alternate" type="application/json" href="([^"]+)"', page).group(1))
    assert json_twin.json()["status"] == "failed" and "line 32" in json_twin.json()["error"]


def test_the_job_page_in_welsh(client, seeded):
    sign_in(client)
    cid = seeded["cid"]
    token = csrf(_page(client, cid))
    r = client.post(f"/organiser/c/{cid}/listen", data={"csrf_token": token, "model": "tfidf"},
                    files=[("files", ("testimony.csv", _csv(), "text/csv"))], follow_redirects=False)
    page = client.get(r.headers["location"] + "?lang=cy").text
    assert 'lang="cy"' in page and "Yn aros i'r gweithiwr ddechrau." in html.unescape(page)
    assert "Dod o hyd i themâu" in page and "Adnewyddwch i weld pa mor bell mae wedi mynd" in page
    labels = json.loads(html.unescape(re.search(r'data-labels="([^"]+)"', page).group(1)))
    assert labels["stage"]["read"] == "darllen y ffeiliau" and labels["see"] == "Gweld y themâu"  # the script's words, in Welsh too


def test_what_went_wrong_with_the_testimony_reads_in_welsh(client, seeded):
    """The reader's messages are catalog entries: a stored job error and an upload refused at the door."""
    from voxpop import i18n
    from voxpop.listen.io import TEMPLATES, in_reader_language

    sign_in(client)
    cid = seeded["cid"]
    token = csrf(_page(client, cid))
    bad = _csv() + b't3,"The same id again.",North\n'
    r = client.post(f"/organiser/c/{cid}/listen", data={"csrf_token": token, "model": "tfidf"},
                    files=[("files", ("voices.csv", bad, "text/csv"))], follow_redirects=False)
    assert Worker(client.app.state.voxpop.db, poll_s=0.001).step_listen()
    page = html.unescape(client.get(r.headers["location"] + "?lang=cy").text)
    assert "voices.csv: llinell 32: mae'r dynodydd 't3' eisoes wedi'i ddefnyddio ar linell 4" in page
    assert "already used" not in page
    twin = client.get(re.search(r'<link rel="alternate" type="application/json" href="([^"]+)"', page).group(1))
    assert "eisoes wedi'i ddefnyddio" in twin.json()["error"]  # the script's words too (the language cookie)
    english = html.unescape(client.get(r.headers["location"] + "?lang=en").text)
    assert "voices.csv: line 32: id 't3' already used on line 4" in english
    r = client.post(f"/organiser/c/{cid}/listen?lang=cy", data={"csrf_token": token, "model": "tfidf"},
                    files=[("files", ("voices.csv", b"name,words\nx,y\n", "text/csv"))], follow_redirects=False)
    assert r.status_code == 422 and "colofn(au) ar goll: id, text" in html.unescape(r.text)
    with i18n.use_locale("cy"):  # every template is put back into words (file names from the web have no ": ")
        for t in TEMPLATES:
            names = re.findall(r"%\((\w+)\)s", t)
            english = t % {n: f"v{i}-x" for i, n in enumerate(names)}
            assert in_reader_language(english) == i18n.gettext(t, **{n: f"v{i}-x" for i, n in enumerate(names)})
            assert in_reader_language(english) != english, t
        assert in_reader_language("RuntimeError: the model is away") == "RuntimeError: the model is away"


def test_the_listening_page_and_the_exports_in_welsh(client, seeded):
    sign_in(client)
    cid = seeded["cid"]
    page = html.unescape(client.get(f"/organiser/c/{cid}/listen?lang=cy").text)
    for welsh in ("Gwrando ·", "Llwytho tystiolaeth", "Sut i gymharu brawddegau", "Dod o hyd i themâu",
                  "Nid oes tystiolaeth wedi'i dadansoddi ar gyfer y sgwrs hon eto."):
        assert welsh in page, welsh
    for english in ("Upload testimony", "How to compare sentences", "People's own words", "Back to the conversation"):
        assert english not in page, english
    assert "<code>id, text</code>" in page  # the column names stay as they must be written
    conv = html.unescape(client.get(f"/organiser/c/{cid}?lang=cy").text)
    assert "Archif (zip)" in conv and "Pob pleidlais (CSV)" in conv and "Every vote (CSV)" not in conv


def test_the_themes_read_in_welsh_and_the_chart_is_labelled_in_words(client, seeded):
    sign_in(client)
    cid = seeded["cid"]
    page = _upload(client, cid)
    assert "{{" not in page  # the chart's label is words, not template code
    assert 'aria-label="Share of all sentences in each theme.' in page
    cy = html.unescape(client.get(f"/organiser/c/{cid}/listen?lang=cy").text)
    assert "Cymharwyd y brawddegau gyda" in cy and "Cyfran yr holl frawddegau ym mhob thema" in cy
    assert re.search(r"\d+ (o themâu|thema) o \d+", cy)
    assert "themes from" not in cy and "Sentences were compared" not in cy and "{{" not in cy
    # the bars' counts too ("14% · 20 sentences" and "fewer than 5 people" were English on the Welsh page)
    assert " sentences" not in cy and "fewer than" not in cy
    assert re.search(r"\d+% · \d+ (o frawddegau|frawddeg|brawddeg)", cy) and "llai na 5 o bobl" in cy


def test_the_organisers_menu_and_copy_buttons_in_welsh(client, seeded):
    sign_in(client)
    raw = client.get(f"/organiser/c/{seeded['cid']}?lang=cy").text
    nav = re.search(r'<nav class="site-nav" aria-label="([^"]+)">(.*?)</nav>', raw, re.S)
    assert nav.group(1) != "Organiser" and "Your conversations" not in nav.group(2) and ">Import<" not in nav.group(2)
    words = json.loads(html.unescape(re.search(r'data-copy-words="([^"]+)"', raw).group(1)))
    assert words["copy"] == "Copïo" and words["copied"] == "Wedi'i gopïo."
    assert words["copy_what"] == "Copïo: {what}"
