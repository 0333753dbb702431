"""End to end: a simulated and a real conversation, analysed, drawn as one HTML file."""

from __future__ import annotations

from report_helpers import external_refs, parse, svgs

import voxpop.analysis.run as analysis_run
import voxpop.simulate as simulate_mod
from voxpop.report import render_html


def _check(html: str, doc: dict) -> None:
    d = parse(html)
    assert external_refs(html) == []
    assert "<script" not in html.lower()
    assert len(d.ids) == len(set(d.ids))
    roots = svgs(html)
    assert sum(r.get("class") == "vp-map" for r in roots) == 1
    for i, g in enumerate(doc["groups"]):
        letter = "ABCDEFGH"[i]
        assert f"group-{letter}" in d.ids
        heading = next(h for h in d.headings if h[1].startswith(f"Group {letter} "))
        assert f"{g['size']:,} people" in heading[1]
    n_bars = sum(r.get("class") == "vp-bars" for r in roots)
    assert n_bars >= sum(len(g["representative"]) for g in doc["groups"])
    assert len(html.encode()) < 3_000_000


def test_simulated_conversation_end_to_end():
    sim = simulate_mod.simulate(simulate_mod.SimSpec(participants=300, statements=40, groups=3, seed=3))
    doc = analysis_run.analyze(sim.to_conversation())
    assert doc["meta"]["status"] == "ok"
    html = render_html(doc)
    _check(html, doc)
    assert doc["meta"]["conversation"]["title"] in parse(html).headings[0][1]


def test_real_polis_conversation(shared_data, tmp_path):
    from voxpop.io.polis import read_polis_export

    doc = analysis_run.analyze(read_polis_export(shared_data / "polis" / "brexit-consensus"))
    html = render_html(doc)
    _check(html, doc)
    (tmp_path / "brexit.html").write_text(html, encoding="utf-8")


def test_simulated_conversation_with_places_end_to_end():
    import voxpop.places.registry as registry_mod
    recs = [registry_mod.PlaceRecord("N", "North"), registry_mod.PlaceRecord("S", "<i>South</i>")]
    for i in range(6):
        recs.append(registry_mod.PlaceRecord(f"a{i}", f"Area {i}", parent="N" if i < 3 else "S",
                                             kind="city" if i % 2 else "rural", population=1000 * (i + 1)))
    registry = registry_mod.build_registry(recs, "test")
    sim = simulate_mod.simulate(simulate_mod.SimSpec(participants=300, statements=25, groups=2, seed=5))
    # nobody in Area 5 (not heard) and 2 people in Area 4 (a suppressed cell)
    placed = {pid: (f"a{i % 4}" if i >= 2 else "a4", {}) for i, pid in enumerate(sim.participant_ids)}
    doc = analysis_run.analyze(sim.to_conversation(), places=registry, participant_places=placed)
    html = render_html(doc)
    _check(html, doc)
    d = parse(html)
    assert "places" in d.ids
    assert "Coverage by level 0" in html or "Coverage by region" in html
    assert "Area 5" in html and "not heard" in html
    assert "<i>South</i>" not in html and "&lt;i&gt;South&lt;/i&gt;" in html
    assert "as voted" in html and "weighted" in html


def test_too_few_votes_from_the_real_analysis():
    sim = simulate_mod.simulate(simulate_mod.SimSpec(participants=1, statements=3, groups=1, votes_min=1,
                                                     votes_max=2, seed=1))
    doc = analysis_run.analyze(sim.to_conversation())
    assert doc["meta"]["status"] == "too_few_votes"
    html = render_html(doc)
    assert "Too few votes to find opinion groups yet." in html
    assert doc["meta"]["message"] in html or doc["meta"]["message"].replace("'", "&#39;") in html
    assert external_refs(html) == []
    svgs(html)
