import re

from voxpop import demo_content as D
from voxpop.services import conversations, statements
from voxpop.services.analyses import run_analysis
from voxpop.services.participants import get_or_create_participant
from voxpop.services.votes import import_votes


def _populated(app, owner_id=None, *, show_results=True):
    db = app.state.voxpop.db
    with db.write() as s:
        conv = conversations.create_conversation(s, topic="Results test", owner_id=owner_id,
                                                 show_results=show_results)
        seeded = statements.add_statements(s, conv.id, [t for t, *_ in D.STATEMENTS[:20]] + [
            "<script>alert(1)</script> in a statement"])
        tids = [st.tid for st in seeded]
        part, stmt, vote, _ = D.simulate_votes(90, seed=3)
        keep = stmt < 20
        pks = [get_or_create_participant(s, conv.id, xid=f"p{i}").id for i in range(90)]
        rows = [(pks[p], tids[m], int(v)) for p, m, v in zip(part[keep], stmt[keep], vote[keep], strict=True)]
        rows += [(pks[i], tids[20], 1) for i in range(30)]
        import_votes(s, conv.id, rows)
    run_analysis(db, conv.id)
    return conv.id


def test_results_page_shows_map_groups_and_bars(client, app):
    cid = _populated(app)
    r = client.get(f"/c/{cid}/results")
    assert r.status_code == 200
    html = r.text
    assert f'href="/api/v1/conversations/{cid}/analysis"' in html  # JSON twin
    assert 'class="vp-map"' in html and 'role="img"' in html and "<title" in html  # map with a text alternative
    assert "Group A" in html and "Group B" in html
    assert "The groups and what they stand for" in html
    assert html.count('class="vp-bars"') == 21  # every statement's bars by group
    assert "Common ground" in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # headings in order: one h1, no level skipped
    import re

    levels = [int(h) for h in re.findall(r"<h([1-6])\b", html)]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))


def test_results_before_any_vote_say_so(client, app):
    with app.state.voxpop.db.write() as s:
        cid = conversations.create_conversation(s, topic="Empty").id
    r = client.get(f"/c/{cid}/results")
    assert r.status_code == 200
    assert "opinion map" not in r.text.lower() or "no map" in r.text.lower()
    assert 'role="status"' in r.text


def test_hidden_results_are_refused_to_participants(client, app):
    cid = _populated(app, show_results=False)
    r = client.get(f"/c/{cid}/results")
    assert r.status_code == 403 and "do not show results" in r.text
    assert "See the results" not in client.get(f"/c/{cid}").text


def test_results_say_where_the_participant_stands(client, app):
    import re

    from pagehelp import csrf

    cid = _populated(app)
    assert "Where you stand" not in client.get(f"/c/{cid}/results").text
    for _ in range(15):
        html = client.get(f"/c/{cid}").text
        tid = re.search(r'name="statement_id" value="(\d+)"', html).group(1)
        client.post(f"/c/{cid}/vote", data={"csrf_token": csrf(html), "statement_id": tid, "vote": "agree"})
    run_analysis(app.state.voxpop.db, cid)
    html = client.get(f"/c/{cid}/results").text
    assert "Where you stand" in html and "From your 15 votes, you are in" in html
    assert re.search(r"Of the \d+ statements you and Group A both voted on, you voted with most of Group A on \d+\.", html)


def test_big_conversations_show_the_most_voted_bars(client, app, monkeypatch):
    from voxpop.web.pages import results as pages_results

    monkeypatch.setattr(pages_results, "MAX_BARS", 5)
    cid = _populated(app)
    html = client.get(f"/c/{cid}/results").text
    assert html.count('class="vp-bars"') == 5
    assert "Showing the 5 statements with the most votes; 16 more are in" in html


def test_results_show_the_places_section_when_the_analysis_has_one(client, app):
    from voxpop.analysis.run import analyze
    from voxpop.services.analyses import store_analysis
    from voxpop.store.load import load_conversation
    from voxpop.store.models import Conversation, Participant, Place
    from voxpop.store.places import analysis_inputs

    cid = _populated(app)
    db = app.state.voxpop.db
    with db.write() as s:
        s.add_all([Place(conversation_id=cid, place_id="N", name="North", kind="region", population=600),
                   Place(conversation_id=cid, place_id="S", name="South", kind="region", population=400),
                   Place(conversation_id=cid, place_id="N1", parent_id="N", name="Northtown", kind="area",
                         population=600),
                   Place(conversation_id=cid, place_id="S1", parent_id="S", name="Southvale", kind="area",
                         population=400)])
        for k, p in enumerate(s.query(Participant).filter(Participant.conversation_id == cid).all()):
            p.place_id = "N1" if k % 3 else "S1"
    with db.read() as s:
        inputs = analysis_inputs(s, cid)
        conv = load_conversation(s, cid)
        version = s.get(Conversation, cid).vote_version
    doc = analyze(conv, **inputs)
    assert doc["places"] is not None
    store_analysis(db, cid, doc, vote_version=version, claim=None, duration_ms=0)
    html = client.get(f"/c/{cid}/results").text
    assert "Places: who has been heard" in html
    assert "Northtown" in html or "North" in html


def test_results_page_is_drawn_once_per_analysis_and_redrawn_when_what_it_shows_changes(client, app, monkeypatch):
    from voxpop.services import moderation
    from voxpop.store.group_names import save_group_names
    from voxpop.web.pages import results as page

    drawn = []
    build = page.build_view
    monkeypatch.setattr(page, "build_view", lambda *a, **k: drawn.append(1) or build(*a, **k))
    cid = _populated(app)
    first = client.get(f"/c/{cid}/results")
    again = client.get(f"/c/{cid}/results")
    assert first.status_code == again.status_code == 200 and len(drawn) == 1  # the second from the cache
    assert again.text == first.text and again.headers["etag"] == first.headers["etag"]
    assert again.headers["content-security-policy"] == first.headers["content-security-policy"]
    assert client.get(f"/c/{cid}/results", headers={"If-None-Match": first.headers["etag"]}).status_code == 304
    db = app.state.voxpop.db
    with db.write() as s:
        save_group_names(s, cid, {"0": "Cyclists of the valley"})
    assert "Cyclists of the valley" in client.get(f"/c/{cid}/results").text and len(drawn) == 2
    with db.write() as s:
        moderation.moderate(s, cid, 20, "reject")  # the hostile statement: gone at once, before any new analysis
    assert "alert(1)" not in client.get(f"/c/{cid}/results").text and len(drawn) == 3
    welsh = client.get(f"/c/{cid}/results?lang=cy")
    assert welsh.headers["content-language"] == "cy" and len(drawn) == 4
    monkeypatch.setattr(page._PageCache, "REDRAW_S", 0.0)
    before = client.get(f"/c/{cid}/results")  # (in Welsh now: ?lang=cy set the reader's language cookie)
    n = len(drawn)
    with db.write() as s:  # a new analysis: the page of the previous one at once, while it is drawn again
        get_or_create_participant(s, cid, xid="late")
    run_analysis(db, cid)
    stale = client.get(f"/c/{cid}/results")
    assert stale.status_code == 200 and stale.headers["etag"] == before.headers["etag"]
    import time

    deadline = time.time() + 20
    while len(drawn) < n + 1 and time.time() < deadline:
        time.sleep(0.05)
        client.get(f"/c/{cid}/results")
    time.sleep(0.5)
    for _ in range(3):  # and then that one, without drawing it again
        assert client.get(f"/c/{cid}/results").status_code == 200
    assert len(drawn) == n + 1


def test_readers_arriving_together_get_one_drawing(client, app, monkeypatch):
    import asyncio
    import concurrent.futures

    import httpx

    from voxpop.web.pages import results as page

    drawn = []
    build = page.build_view
    monkeypatch.setattr(page, "build_view", lambda *a, **k: drawn.append(1) or build(*a, **k))
    cid = _populated(app)

    async def many():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            return await asyncio.gather(*(c.get(f"/c/{cid}/results") for _ in range(6)))

    # in a thread of its own: after the browser tests, Playwright's event loop still runs in this one
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        answers = pool.submit(asyncio.run, many()).result()
    assert [a.status_code for a in answers] == [200] * 6 and len({a.text for a in answers}) == 1
    assert len(drawn) == 1
    welsh = client.get(f"/c/{cid}/results?lang=cy").text  # drawn in a thread, still in the reader's language
    assert 'lang="cy"' in welsh and "Canlyniadau" in welsh


def test_each_choice_on_the_results_page_keeps_the_others(client, app):
    """?group (whose eyes), ?colour (the map of places) and ?level (themes by place) survive each other's forms."""
    import html as H
    import re

    from voxpop.places.io import read_places
    from voxpop.places.layout import referendum_places_path
    from voxpop.store.models import Participant
    from voxpop.store.places import replace_places

    cid = _populated(app)
    db = app.state.voxpop.db
    registry = read_places(referendum_places_path(), "eu-referendum-2016")
    with db.write() as s:
        replace_places(s, cid, registry)
        for k, p in enumerate(s.query(Participant).filter(Participant.conversation_id == cid).all()):
            p.place_id = ("E08000035", "E06000014", "W06000015")[k % 3]  # Leeds, York, Cardiff
    run_analysis(db, cid)
    page = client.get(f"/c/{cid}/results?group=A&colour=coverage&level=region").text

    def form(marker: str) -> str:
        found = [f for f in re.findall(r"<form class=\"filter panel\".*?</form>", page, re.S) if marker in f]
        assert found, f"no form with {marker}"
        return found[0]

    places = form('id="map-colour"')
    assert '<input type="hidden" name="group" value="A">' in places
    assert '<input type="hidden" name="level" value="region">' in places
    assert 'type="hidden" name="colour"' not in places
    groups = form('id="group-filter"')
    assert '<input type="hidden" name="colour" value="coverage">' in groups
    assert '<input type="hidden" name="level" value="region">' in groups
    assert 'type="hidden" name="group"' not in groups
    every = re.search(r'<a href="([^"]*)">Show every group alike</a>', groups).group(1)
    assert H.unescape(every) == "?colour=coverage&level=region"
    hostile = client.get(f"/c/{cid}/results?group=A&colour=coverage&level=%22%3E%3Cscript%3E").text
    assert '"><script>' not in hostile  # the kept values are escaped


def test_the_json_twin_is_rendered_once_per_analysis(client, app, monkeypatch):
    from voxpop.web.api import results as api

    rendered = []
    render = api._render_document
    monkeypatch.setattr(api, "_render_document", lambda *a: rendered.append(1) or render(*a))
    cid = _populated(app)
    db = app.state.voxpop.db
    for n in (1, 2):  # a first analysis, then a newer one: each rendered once, then served from memory
        if n == 2:
            with db.write() as s:
                get_or_create_participant(s, cid, xid=f"later{n}")
            run_analysis(db, cid)
        tags = {client.get(f"/api/v1/conversations/{cid}/analysis").headers["etag"] for _ in range(3)}
        assert len(tags) == 1 and len(rendered) == n


def test_why_there_are_no_groups_yet_is_said_in_the_readers_language(client, app):
    db = app.state.voxpop.db
    with db.write() as s:
        cid = conversations.create_conversation(s, topic="Early days").id
        tids = [st.tid for st in statements.add_statements(s, cid, ["Open the pool.", "Close the road."])]
    run_analysis(db, cid)
    # said as a sentence: a capital letter and a full stop (the API's clause began in lower case on the page)
    assert ('role="status">Nobody has voted yet: an analysis needs votes from at least two participants.</div>'
            in client.get(f"/c/{cid}/results?lang=en").text)
    welsh = client.get(f"/c/{cid}/results?lang=cy").text
    assert 'role="status">Nid oes neb wedi pleidleisio eto' in welsh and "obody has voted yet" not in welsh
    with db.write() as s:  # a new conversation: a page already drawn is redrawn in the background, later
        cid = conversations.create_conversation(s, topic="One voter").id
        tids = [st.tid for st in statements.add_statements(s, cid, ["Open the pool.", "Close the road."])]
        import_votes(s, cid, [(get_or_create_participant(s, cid, xid="only").id, t, 1) for t in tids])
    run_analysis(db, cid)
    welsh = client.get(f"/c/{cid}/results?lang=cy").text
    assert "im ond 1 cyfranogwr a bleidleisiodd" in welsh and "participant(s)" not in welsh
    assert re.search(r'role="status">[A-Z]', welsh)


def test_each_reason_template_is_the_engines_wording():
    import inspect
    import re

    from voxpop.engine import pipeline
    from voxpop.report.status_text import TEMPLATES

    source = " ".join(re.sub(r'"\s*\n\s*f?"', "", inspect.getsource(pipeline)).split())
    for template in TEMPLATES:
        for piece in re.split(r"%\(\w+\)s", template):
            assert piece.strip() in source, piece
