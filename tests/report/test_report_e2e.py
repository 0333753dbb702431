"""End to end: a simulated and a real conversation, analysed, drawn as one HTML file."""

from __future__ import annotations

import pytest
from report_helpers import external_refs, parse, svgs

from voxpop.report import render_html

analysis_run = pytest.importorskip("voxpop.analysis.run")
simulate_mod = pytest.importorskip("voxpop.simulate")


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
