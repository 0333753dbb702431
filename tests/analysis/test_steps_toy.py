"""A new analysis is one module with a `Step` and its registration (issue #9, "Done when").

The toy step below lives in this test module only: registering it (the fixture) is the whole change, and
`analyze()` then runs it, puts its section into the document and its time under its own timing key.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from voxpop.analysis.document import validate_document
from voxpop.analysis.run import analysis_of, analyze
from voxpop.analysis.steps import REGISTRY, Context, Registry, Section, Step, StepError, register, unregister
from voxpop.analysis.steps import groups as groups_step
from voxpop.engine.pipeline import EngineOptions
from voxpop.simulate import SimSpec, simulate


def _agree_share(ctx: Context) -> Section:
    """The share of each statement's votes that agree, and the three statements most agreed with."""
    m = ctx.matrix
    agree = np.bincount(m.cols[m.vals == 1], minlength=m.n_cols)
    seen = np.bincount(m.cols, minlength=m.n_cols)
    share = np.divide(agree, seen, out=np.full(m.n_cols, np.nan), where=seen > 0)
    return Section({"toy": {"groups": int(ctx.groups.k), "most_agreed": ctx.ranked(share, top=3)},
                    "statements[].toy_agree_share": ctx.per_statement(share, 3)}, data=share)


TOY = Step(name="toy", needs=("groups",), fills=("toy", "statements[].toy_agree_share"), timing="toy_s",
           run=_agree_share, description="a toy: the share of agree votes")


@pytest.fixture
def toy():
    register(TOY)
    try:
        yield TOY
    finally:
        unregister("toy")


@pytest.fixture(scope="module")
def conv():
    return simulate(SimSpec(participants=120, statements=15, groups=2, votes_min=8, votes_max=15, seed=2)).to_conversation()


def _without_times(doc: dict) -> dict:
    doc = json.loads(json.dumps(doc))
    doc["meta"].pop("generated_at")
    doc["meta"].pop("timings")
    return doc


def test_a_registered_step_fills_its_section_and_its_timing(toy, conv):
    analysis = analysis_of(conv, options=EngineOptions(bridging=False))
    doc = analysis.document
    validate_document(doc)
    assert doc["toy"]["groups"] == doc["meta"]["k"] == len(doc["groups"])
    share = {st["id"]: st["toy_agree_share"] for st in doc["statements"]}
    for st in doc["statements"]:
        assert share[st["id"]] == (round(st["n_agree"] / st["n_seen"], 3) if st["n_seen"] else None)
    top = sorted((s for s in share.values() if s is not None), reverse=True)[:3]
    assert [share[sid] for sid in doc["toy"]["most_agreed"]] == top
    assert isinstance(doc["meta"]["timings"]["toy_s"], float) and doc["meta"]["timings"]["toy_s"] >= 0
    assert analysis.results["toy"].shape == (len(doc["statements"]),)  # what the step left for later steps
    json.dumps(doc, allow_nan=False)


def test_the_rest_of_the_document_is_unchanged_by_the_toy(conv):
    before = _without_times(analyze(conv))
    register(TOY)
    try:
        with_toy = _without_times(analyze(conv))
    finally:
        unregister("toy")
    assert with_toy.pop("toy")
    for st in with_toy["statements"]:
        del st["toy_agree_share"]
    assert with_toy == before
    assert "toy" not in analyze(conv) and "toy" not in REGISTRY


def test_the_built_in_steps_in_order():
    assert REGISTRY.names() == ["groups", "statistics", "divisive", "bridging", "common_ground", "places"]
    assert all(REGISTRY.ordered()[i].timing.endswith("_s") for i in range(len(REGISTRY.names())))


def test_a_step_whose_needs_are_missing_is_skipped(conv):
    later = Step(name="needs_places", needs=("place_registry",), fills=("placed_toy",), timing="toy_s",
                 run=lambda ctx: Section({"placed_toy": 1}))
    register(later)
    try:
        doc = analyze(conv)  # no places given
    finally:
        unregister("needs_places")
    assert "placed_toy" not in doc and "toy_s" not in doc["meta"]["timings"]


def test_an_analysis_with_another_registry(conv):
    only_groups = Registry((groups_step.STEP,))
    doc = analysis_of(conv, steps=only_groups).document
    validate_document(doc)  # every key is there, with its empty value where no step filled it
    assert doc["groups"] and all(g["representative"] == [] for g in doc["groups"])
    assert doc["consensus"] == {"agree": [], "disagree": []} and doc["bridging"] == [] and doc["common_ground"] == []


@pytest.mark.parametrize("kwargs, message", [
    ({"name": "Toy Step"}, "lower-case"),
    ({"fills": ()}, "fills nothing"),
    ({"fills": ("statements.toy",)}, None),  # a dotted path into an object is allowed
    ({"fills": ("rows[].toy",)}, "not a document path"),
    ({"timing": "toy"}, "must end in '_s'"),
    ({"needs": "groups"}, "tuple of strings"),
    ({"name": "votes"}, None),
])
def test_step_declarations_are_checked(kwargs, message):
    spec = {"name": "toy2", "needs": ("groups",), "fills": ("toy2",), "timing": "toy_s", "run": _agree_share} | kwargs
    if message is None:
        step = Step(**spec)
        if step.name == "votes":
            with pytest.raises(StepError, match="name of an input"):
                Registry((step,))
        return
    with pytest.raises(StepError, match=message):
        Step(**spec)


def test_registry_errors_say_what_to_fix():
    reg = Registry((groups_step.STEP,))
    with pytest.raises(StepError, match="already registered"):
        reg.register(groups_step.STEP)
    with pytest.raises(StepError, match="'groups' is already filled by step 'groups'"):
        reg.register(Step(name="other", needs=(), fills=("groups",), timing="x_s", run=_agree_share))
    reg.register(Step(name="lost", needs=("grops",), fills=("lost",), timing="x_s", run=_agree_share))
    with pytest.raises(StepError, match="needs 'grops', which is neither a registered step"):
        reg.ordered()
    reg.unregister("lost")
    reg.register(Step(name="a", needs=("b",), fills=("a",), timing="x_s", run=_agree_share))
    reg.register(Step(name="b", needs=("a",), fills=("b",), timing="x_s", run=_agree_share))
    with pytest.raises(StepError, match="in a circle: a -> b -> a"):
        reg.ordered()
    with pytest.raises(StepError, match="no analysis step named 'c'"):
        reg.unregister("c")


@pytest.mark.parametrize("values, message", [
    ({"undeclared": 1}, "does not declare"),
    ({"statements[].toy_agree_share": [1, 2]}, "one value per item of 'statements'"),
])
def test_a_step_returning_the_wrong_section_is_named(conv, values, message):
    bad = Step(name="bad", needs=("groups",), fills=("statements[].toy_agree_share", "toy"), timing="toy_s",
               run=lambda ctx: Section(values))
    with pytest.raises(StepError, match=f"analysis step 'bad'.*{message}"):
        analysis_of(conv, steps=Registry((groups_step.STEP, bad)))
    plain = Step(name="plain", needs=("groups",), fills=("toy",), timing="toy_s", run=lambda ctx: {"toy": 1})
    with pytest.raises(StepError, match="returned dict; return a Section"):
        analysis_of(conv, steps=Registry((groups_step.STEP, plain)))


def test_progress_reports_the_engine_stages_then_each_step(toy, conv):
    seen: list[tuple[str, float]] = []
    analyze(conv, progress=lambda stage, f: seen.append((stage, f)))
    stages = [s for s, _ in seen]
    assert stages[:4] == ["matrix", "matrix", "pca", "cluster"]
    assert stages[4:] == ["statistics", "divisive", "bridging", "common_ground", "toy", "done"]  # no places given
    fractions = [f for _, f in seen]
    assert fractions == sorted(fractions) and fractions[3] == 0.6 and fractions[-1] == 1.0


def test_a_step_switched_off_leaves_its_defaults(conv):
    doc = analyze(conv, options=EngineOptions(bridging=False))
    assert doc["bridging"] == [] and all(st["bridging"] is None for st in doc["statements"])
    assert doc["meta"]["timings"]["bridging_s"] == 0.0 and doc["divisive"]  # the others still ran


def test_an_error_in_a_step_keeps_its_type_and_names_the_step(conv):
    def broken(ctx: Context) -> Section:
        raise ZeroDivisionError("toy")

    step = Step(name="broken", needs=("groups",), fills=("toy",), timing="toy_s", run=broken)
    with pytest.raises(ZeroDivisionError) as info:
        analysis_of(conv, steps=Registry((groups_step.STEP, step)))
    assert "(in the analysis step 'broken')" in info.value.__notes__
