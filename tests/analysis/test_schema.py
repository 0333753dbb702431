"""The analysis document's types (voxpop.analysis.schema): the generated page, the JSON Schema, and real
documents checked against both."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema_rs
import numpy as np
import pytest

from voxpop.analysis import schema
from voxpop.analysis.document import DocumentError, validate_document
from voxpop.analysis.run import analyze
from voxpop.analysis.schema_doc import markdown
from voxpop.conversation import Conversation
from voxpop.io import read_conversation
from voxpop.places.registry import PlaceRecord, build_registry
from voxpop.simulate import SimSpec, simulate

ROOT = Path(__file__).resolve().parents[2]


def test_docs_analysis_schema_md_is_generated_from_the_types():
    doc = ROOT / "docs" / "analysis-schema.md"
    assert doc.read_text(encoding="utf-8") == markdown(), (
        "docs/analysis-schema.md is stale: run `python -m voxpop.analysis.schema_doc docs/analysis-schema.md` "
        "(./run docs)")


def test_the_page_names_every_key_with_its_type_and_meaning():
    text = markdown()
    assert "| `bridging_factor` | number or null | the statement's factor: its position on the divide |" in text
    assert "| `center` | list of (number or null) | [x, y] on the map |" in text
    assert "| `k_range` | list of integer or null |" in text
    assert "[Support](#support) or null" in text and "### WeightedSupport" in text
    assert "| `pass_ci` |" in text  # the keys that are Python keywords are there too
    assert "### Theme\n" in text and "| `subthemes` | list of [Theme](#theme) |" in text
    assert "## Rules every producer keeps" in text


@pytest.fixture(scope="module")
def validator():
    js = schema.json_schema()
    assert js["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    return jsonschema_rs.Draft202012Validator(js)


def _sim_with_places():
    sim = simulate(SimSpec(participants=300, statements=25, groups=2, votes_min=15, votes_max=25, seed=4))
    recs = [PlaceRecord("N", "North"), PlaceRecord("S", "South")]
    recs += [PlaceRecord(f"a{i}", f"Area {i}", parent="N" if i < 2 else "S", kind="city" if i % 2 else "rural",
                         population=1000 * (i + 1)) for i in range(4)]
    registry = build_registry(recs, "test")
    rng = np.random.default_rng(0)
    leaves = [registry.ids[i] for i in np.flatnonzero(registry.is_leaf)]
    placed = {pid: (leaves[int(rng.integers(0, len(leaves)))], {}) for pid in sim.participant_ids}
    return analyze(sim.to_conversation(), places=registry, participant_places=placed)


def test_real_documents_validate_against_the_published_schema(polis_dirs, validator):
    """Every shared Pol.is conversation, one with places, and one with too few votes: each one passes both
    the JSON Schema (as any client would check it) and the types."""
    polis = [analyze(read_conversation(d)) for d in polis_dirs]
    places = _sim_with_places()
    few = analyze(Conversation(participant_ids=["a", "b"], statement_ids=["1", "2"], participant=np.array([0, 1]),
                               statement=np.array([0, 0]), vote=np.array([1, -1], np.int8)))
    assert places["places"] is not None and few["meta"]["status"] == "too_few_votes"
    for doc in (*polis, places, few):
        as_json = json.loads(json.dumps(doc, allow_nan=False))
        errors = [e.message for e in validator.iter_errors(as_json)]
        assert errors == []
        assert validate_document(doc) is doc


def test_the_schema_refuses_what_the_types_refuse(validator):
    doc = json.loads(json.dumps(_sim_with_places()))
    broken = copy.deepcopy(doc)
    broken["statements"][0]["n_agree"] = "7"  # no coercion: "7" is not 7
    broken["participants"][0]["in_conversation"] = 1
    broken["meta"]["status"] = "done"
    assert not validator.is_valid(broken)
    with pytest.raises(DocumentError) as info:
        validate_document(broken)
    msg = str(info.value)
    assert "document.statements[0].n_agree: Input should be a valid integer, got str" in msg
    assert "document.participants[0].in_conversation" in msg and "document.meta.status" in msg
    numpy_int = copy.deepcopy(doc)
    numpy_int["meta"]["counts"]["votes"] = np.int64(3)  # numpy scalars never reach the JSON
    with pytest.raises(DocumentError, match=r"document.meta.counts.votes: Input should be a valid integer"):
        validate_document(numpy_int, strict_json=False)
    unknown = copy.deepcopy(doc)
    unknown["meta"]["new_key"] = {"readers": "ignore it"}  # new keys may be added within a version
    assert validator.is_valid(unknown)
    validate_document(unknown)


def test_long_lists_are_sampled_and_errors_keep_their_real_positions():
    doc = json.loads(json.dumps(_sim_with_places()))
    n = len(doc["participants"])
    doc["participants"][n - 2]["votes"] = None
    doc["participants"][n // 2]["votes"] = None  # in the middle: not sampled
    found = schema.problems(doc, sample=10)
    assert found == [f"document.participants[{n - 2}].votes: Input should be a valid integer, got NoneType"]
    assert len(schema.problems(doc, sample=1000)) == 2


def test_the_doc_command_writes_the_page_and_says_when_it_is_up_to_date(tmp_path, capsys):
    from voxpop.analysis.schema_doc import main

    page = tmp_path / "analysis-schema.md"
    assert main([str(page)]) == 0 and page.read_text(encoding="utf-8") == markdown()
    assert main([str(page)]) == 0
    assert capsys.readouterr().out.splitlines() == [f"{page}: written", f"{page}: up to date"]
    assert main([]) == 0 and capsys.readouterr().out == markdown()
