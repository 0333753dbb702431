"""Places through the real analysis run (voxpop.analysis.run) and the `voxpop analyze` command."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from voxpop.analysis.document import validate_document
from voxpop.analysis.run import analyze
from voxpop.places.registry import PlaceRecord, build_registry
from voxpop.simulate import SimSpec, simulate


@pytest.fixture(scope="module")
def sim():
    return simulate(SimSpec(participants=400, statements=30, groups=2, votes_min=15, votes_max=30, seed=4))


@pytest.fixture(scope="module")
def registry():
    recs = [PlaceRecord("N", "North"), PlaceRecord("S", "South")]
    for i in range(8):
        recs.append(PlaceRecord(f"a{i}", f"Area {i}", parent="N" if i < 4 else "S",
                                kind="city" if i % 2 else "rural", population=1000 * (i + 1)))
    return build_registry(recs, "test")


def placed(sim, registry, missing_every: int = 10) -> dict:
    rng = np.random.default_rng(0)
    leaves = [registry.ids[i] for i in np.flatnonzero(registry.is_leaf)]
    out = {}
    for k, pid in enumerate(sim.participant_ids):
        if k % missing_every:
            out[pid] = (leaves[int(rng.integers(0, len(leaves)))], {})
    return out


def test_analysis_document_with_places_validates(sim, registry):
    conv = sim.to_conversation()
    doc = analyze(conv, places=registry, participant_places=placed(sim, registry), policy="sqrt")
    validate_document(doc)
    assert doc["meta"]["status"] == "ok"
    places = doc["places"]
    assert places["policy"] == "sqrt" and places["levels"] == ["level 0", "level 1"]
    assert places["weights"]["n_without_place"] == 40
    assert all(st["support"]["weighted"]["policy"] == "sqrt" for st in doc["statements"])
    groups = {r[1] for r in places["breakdowns"]["rows"]}
    assert None in groups and len(groups) == 1 + len(doc["groups"])
    assert doc["meta"]["timings"]["places_s"] > 0
    json.dumps(doc, allow_nan=False)


def test_cli_analyze_with_places(tmp_path, sim, registry):
    from voxpop.cli import _register, app
    from voxpop.simulate import write

    _register()

    write(sim, tmp_path / "conv")
    (tmp_path / "places.csv").write_text(
        "id,name,kind,parent,population\nN,North,,,\nS,South,,,\n"
        + "".join(f"a{i},Area {i},{'city' if i % 2 else 'rural'},{'N' if i < 4 else 'S'},{1000 * (i + 1)}\n"
                  for i in range(8)))
    rows = "".join(f"{pid},{place}\n" for pid, (place, _) in placed(sim, registry).items())
    (tmp_path / "who.csv").write_text("participant_id,place_id\n" + rows)
    out = tmp_path / "doc.json"
    votes = tmp_path / "conv" / "votes.csv"
    res = CliRunner().invoke(app, ["analyze", str(votes), "--statements", str(tmp_path / "conv" / "statements.csv"),
                                   "--places", str(tmp_path / "places.csv"), "--participants",
                                   str(tmp_path / "who.csv"), "--policy", "equal", "--json", str(out), "-q"])
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text())
    assert doc["places"]["policy"] == "equal"
    assert doc["statements"][0]["support"]["unweighted"]["n"] > 0
    (tmp_path / "bad.csv").write_text("id,name,parent,population\na,A,,10\nb,B,zz,5\n")
    res = CliRunner().invoke(app, ["analyze", str(votes), "--places", str(tmp_path / "bad.csv"), "-q"])
    assert res.exit_code != 0 and "line 3" in res.output and "unknown parent" in res.output


def test_weighted_consensus_and_gic_follow_the_planted_common_ground(sim, registry):
    conv = sim.to_conversation()
    doc = analyze(conv, places=registry, participant_places=placed(sim, registry, missing_every=1000))
    planted = set(sim.truth()["consensus"])
    gic = [r["statement"] for r in doc["places"]["group_informed_consensus"]]
    assert gic and len(planted & set(gic[: len(planted)])) >= len(planted) - 1
    cons = doc["places"]["consensus"]
    assert cons["agree"] and set(cons["agree"]) | set(cons["disagree"]) <= planted
