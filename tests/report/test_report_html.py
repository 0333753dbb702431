"""The HTML report: structure, self-containment, escaping, well-formed SVG."""

from __future__ import annotations

import copy

import pytest
from report_fixtures import HOSTILE, add_places, make_document, make_themes
from report_helpers import external_refs, parse, svgs

from voxpop.report import build_view, render_html

SVG = "{http://www.w3.org/2000/svg}"


def test_structure_landmarks_and_every_group(document):
    html = render_html(document)
    doc = parse(html)
    tags = [t for t, _ in doc.tags]
    for landmark in ("header", "nav", "main", "footer"):
        assert tags.count(landmark) == 1, landmark
    assert ("html", {"lang": "en"}) in doc.tags
    assert [h for h in doc.headings if h[0] == "h1"] == [("h1", "Parks & buses")]
    assert len(doc.ids) == len(set(doc.ids)), "duplicate ids"
    for g, letter in zip(document["groups"], "ABC", strict=True):
        assert f"group-{letter}" in doc.ids
        assert any(h == ("h3", f"Group {letter} {g['size']} people · 33%") for h in doc.headings), doc.headings
    for section in ("map", "groups", "common-ground", "divisive", "statements", "about"):
        assert section in doc.ids
    assert "places" not in doc.ids and "themes" not in doc.ids
    # every in-page link points at an element that exists
    for _, a in doc.tags:
        if (a.get("href") or "").startswith("#"):
            assert a["href"][1:] in doc.ids, a["href"]


def test_self_contained_and_no_scripts(document):
    document["themes"] = make_themes()
    html = render_html(document)
    assert external_refs(html) == []
    assert "<script" not in html.lower()


def test_every_svg_is_well_formed_and_accessible(document):
    html = render_html(document)
    roots = svgs(html)
    assert len(roots) > 10
    maps = [r for r in roots if r.get("class") == "vp-map"]
    assert len(maps) == 1
    m = maps[0]
    assert m.get("role") == "img"
    title, desc = m.find(f"{SVG}title"), m.find(f"{SVG}desc")
    assert title is not None and desc is not None
    assert m.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert "Group A, 20 people, drawn as circles" in desc.text
    assert "1 participants with too few votes" in desc.text
    for r in roots:
        if r.get("class") in ("vp-bars", "vp-chart"):
            assert r.get("role") == "img" and r.get("aria-label")
    # the group-table text alternative
    assert "Opinion groups: sizes and centres on the map" in html


def test_bars_cover_every_group_on_every_card(document):
    html = render_html(document)
    bars = [r for r in svgs(html) if r.get("class") == "vp-bars"]
    from voxpop.report.view import build_view

    v = build_view(document)
    cg = {f.statement.id for f in v.common_ground}
    n_cards = (sum(len(g["representative"]) for g in document["groups"]) + len(v.consensus_agree)
               + len(v.consensus_disagree) + len(v.gic) + len([s for s in v.bridging if s.id not in cg])
               + len(v.divisive) + len(v.common_ground) + len(v.splits))
    assert len(bars) == n_cards
    for b in bars:
        label = b.get("aria-label")
        assert "everyone:" in label
        for letter in "ABC":
            assert f"group {letter}:" in label


def test_bar_shares_match_counts(document):
    s = document["statements"][2]
    html = render_html(document)
    g0 = s["by_group"][0]
    expected = f"group A: {round(100 * g0['n_agree'] / g0['n_seen'])}% agree"
    assert expected in html


@pytest.mark.parametrize("needle", HOSTILE + ["<script>id()</script>", '<img src=x onerror=alert(2)>'])
def test_hostile_text_and_ids_are_escaped(hostile_document, needle):
    html = render_html(hostile_document)
    assert needle not in html
    doc = parse(html)
    for tag, attrs in doc.tags:
        assert tag not in ("script", "img"), tag
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
    # ...but the words are there, escaped, for people to read
    text = "".join(doc.text)
    assert "<script>alert(1)</script>" in text
    for r in svgs(html):  # escaping inside SVG keeps it well-formed
        assert r is not None


def test_hostile_title_override_is_escaped(document):
    html = render_html(document, title=HOSTILE[1])
    assert HOSTILE[1] not in html
    assert "&#34;&gt;&lt;img src=x onerror=alert(2)&gt;" in html


def test_too_few_votes_notice_and_no_map():
    doc = make_document(n_participants=4, k=2)
    doc["meta"]["status"] = "too_few_votes"
    doc["meta"]["message"] = "Only 4 people have voted; at least 7 are needed."
    doc["groups"] = []
    for p in doc["participants"]:
        p["x"] = p["y"] = p["group"] = None
    html = render_html(doc)
    d = parse(html)
    assert "Too few votes to find opinion groups yet." in html
    assert "Only 4 people have voted; at least 7 are needed." in html
    assert "No map yet" in html
    assert not any(i.startswith("group-") for i in d.ids)
    assert "statements" in d.ids  # the vote counts are still there


def test_themes_section(document):
    document["themes"] = make_themes()
    html = render_html(document)
    d = parse(html)
    assert "themes" in d.ids and "theme-0" in d.ids and "theme-1" in d.ids
    assert "Parks should get more funding." in html
    assert 'title="testimony t1 in a.csv, characters 0–30"' in html  # the exact span, in a tooltip only
    assert "fewer than 5 people" in html  # suppressed cell, never a number
    assert "(no place given)" in html
    assert "Candidate statements" in html
    assert "By age" in html and "18-24: fewer than 5 people" in html


def test_themes_only_document_renders():
    doc = {"meta": {"status": "too_few_votes", "message": "testimony only", "counts": {"votes": 0}},
           "participants": [], "groups": [], "statements": [], "themes": make_themes()}
    html = render_html(doc, title="Listening day")
    d = parse(html)
    assert "themes" in d.ids and "map" not in d.ids and "groups" not in d.ids
    assert "listening report" in html and "Too few votes" not in html
    assert "6</strong> sentences" in html
    assert external_refs(html) == []


def test_places_section(document):
    add_places(document, hostile=True)
    html = render_html(document)
    d = parse(html)
    assert "places" in d.ids
    assert "Coverage by region" in html and "Coverage by kind of place" in html
    assert "Coverage by area" not in html  # the leaf level is not charted
    charts = {r.get("aria-label").split(".")[0]: r.get("aria-label") for r in svgs(html)
              if r.get("class") in ("vp-chart", "vp-bars")}
    region = next(v for k, v in charts.items() if k.startswith("Coverage by region"))
    assert "South: fewer than 5" in region  # suppressed cell, never a number
    assert "1.40× · 50 people" in region
    support = [v for k, v in charts.items() if k.startswith("Support for statement")]
    assert support and "weighted: 50% agree, 30% disagree, 20% pass n=40" in support[0]  # s2 first
    assert "weighted: fewer than 5" in html
    assert "Counting every place in proportion moves agreement by -10 percentage points." in html
    assert "Isles" in html and "not heard" in html and "too few, fewer than 5 voices" in html
    assert "64% agree in" in html and "Shared in every region" in html
    assert "Group A weighted" in html
    assert "Common ground across groups, weighted by place" in html and "score 0.310" in html
    assert HOSTILE[0] not in html
    assert external_refs(html) == []


JUNK = [None, "", "x", -1, 1.5, float("nan"), [], {}, [None], {"a": None}, True]


def _mutations(doc, path=()):
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield path + (k,)
            yield from _mutations(v, path + (k,))
    elif isinstance(doc, list):
        for i, v in enumerate(doc[:1]):
            yield path + (i,)
            yield from _mutations(v, path + (i,))


def test_any_single_junk_value_never_crashes():
    base = make_document(n_participants=6, k=2, n_statements=4)
    base["themes"] = make_themes()
    add_places(base)
    paths = list(_mutations(base))
    assert len(paths) > 150
    for i, path in enumerate(paths):
        for junk in (JUNK[i % len(JUNK)],):
            doc = copy.deepcopy(base)
            node = doc
            for p in path[:-1]:
                node = node[p]
            node[path[-1]] = junk
            html = render_html(doc)
            assert "</html>" in html, (path, junk)


def test_missing_everything_and_wrong_type():
    html = render_html({})
    assert "Untitled conversation" in html
    with pytest.raises(ValueError, match="must be a JSON object"):
        render_html([1, 2])  # type: ignore[arg-type]


def test_unknown_statement_ids_in_lists_are_noted(document):
    document["bridging"] = ["nope"]
    view = build_view(document)
    assert view.bridging[0].known is False
    assert "statement 'nope' is listed but missing" in view.notes[0]
    assert "(statement text not in the document)" in render_html(document)


def test_ten_thousand_participants_are_binned_and_small():
    doc = make_document(n_participants=10_000, k=4, n_statements=300)
    html = render_html(doc)
    size = len(html.encode())
    assert size < 3_000_000, size
    m = [r for r in svgs(html) if r.get("class") == "vp-map"][0]
    assert "binned" in m.find(f"{SVG}desc").text
    small = render_html(make_document(n_participants=200, k=4))
    assert "binned" not in small


def test_map_svg_alone_with_statement_markers(document):
    from voxpop.report import opinion_map

    document["statements"][0]["text"] = HOSTILE[0]
    m = opinion_map(build_view(document), show_statements=True, id_prefix="x")
    root = svgs(str(m))[0]
    assert root.get("aria-labelledby") == "x-title x-desc"
    marks = root.findall(f".//{SVG}g[@class='vp-statements']/{SVG}g")
    assert len(marks) == len(document["statements"]) - 1  # the moderated-out one is left off
    assert HOSTILE[0] not in str(m)


def test_silhouette_and_source_groups(document):
    document["meta"]["silhouette"] = {"2": 0.41, "3": 0.5}
    for i, p in enumerate(document["participants"]):
        p["reference_group"] = "<b>x</b>" if i % 2 else 7
    html = render_html(document)
    assert "k=2 0.41, k=3 0.50" in html
    assert "Compared with the source&#39;s own groups" in html or "Compared with the source's own groups" in html
    assert "source &lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html
    view = build_view(document)
    assert sum(sum(r.values()) for r in view.reference.values()) == 60  # grouped participants only


def test_the_report_draws_the_map_of_places_it_is_given(document):
    from voxpop.places.layout import from_geojson

    add_places(document)
    ids = [p["id"] for p in document["places"]["places"]]
    ring = lambda x: [[x, 50], [x + 1, 50], [x + 1, 51], [x, 51], [x, 50]]  # noqa: E731
    layout = from_geojson({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"place": pid}, "geometry": {"type": "Polygon", "coordinates": [ring(i)]}}
        for i, pid in enumerate(ids)]})
    html = render_html(document, layout=layout)
    assert html.count('<a href="#place-map-row-') == len(ids) and "The map as a table" in html
    assert 'class="vp-placemap"' not in render_html(document)  # no layout and not the UK: no map
    assert external_refs(html) == []


def test_the_groups_rough_positions_are_in_the_readers_language(document):
    """The opinion map's legend says where each group sits ("upper left"): a whole phrase per position, so
    that Welsh says it in its own order ("ar y chwith uchaf")."""
    from voxpop import i18n
    from voxpop.report.map import POSITIONS
    from voxpop.report.svg import map_positions

    view = build_view(document)
    english = map_positions(view)
    assert english and set(english.values()) <= set(POSITIONS.values())
    with i18n.use_locale("cy"):
        welsh = map_positions(view)
    assert welsh.keys() == english.keys()
    assert all(w != e and w == i18n.translations("cy").gettext(e) for w, e in zip(welsh.values(), english.values(),
                                                                                  strict=True))
