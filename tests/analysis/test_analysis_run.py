"""analysis.run.analyze: the document on real and simulated conversations, and when there is too little."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from voxpop.analysis.document import DocumentError, validate_document
from voxpop.analysis.run import analyze
from voxpop.conversation import Conversation
from voxpop.engine.pipeline import EngineOptions
from voxpop.io import read_conversation
from voxpop.simulate import SimSpec, simulate


@pytest.fixture(scope="module")
def vtaiwan(shared_data):
    conv = read_conversation(shared_data / "polis" / "vtaiwan.uberx")
    return conv, analyze(conv)


def test_real_conversation_document_follows_the_schema(vtaiwan):
    conv, doc = vtaiwan
    validate_document(doc)
    json.dumps(doc, allow_nan=False)
    meta = doc["meta"]
    assert meta["status"] == "ok" and meta["k"] == len(doc["groups"]) == 2
    assert meta["counts"]["participants"] == 1921 and meta["counts"]["votes"] == 49443
    assert meta["counts"]["statements_moderated_out"] == 78
    assert set(meta["timings"]) >= {"load_s", "matrix_s", "pca_s", "cluster_s", "stats_s", "bridging_s", "total_s"}
    assert len(doc["participants"]) == 1921 and len(doc["statements"]) == 197
    # agreement with Pol.is's own groups (2015-2019 export; polis-math.md §11.2 reports 0.93 for a cold start)
    ours = np.array([p["group"] if p["group"] is not None else -1 for p in doc["participants"]])
    ref = np.array([conv.reference_groups.get(p, -1) for p in conv.participant_ids])
    both = (ours >= 0) & (ref >= 0)
    assert adjusted_rand_score(ref[both], ours[both]) > 0.8
    # moderated-out statements never appear in the ranked lists
    for key in ("bridging", "divisive", "group_informed_consensus"):
        assert not set(doc[key]) & conv.moderated_out
    assert not (set(doc["consensus"]["agree"]) | set(doc["consensus"]["disagree"])) & conv.moderated_out
    for g in doc["groups"]:
        assert g["size"] > 0 and len(g["center"]) == 2
        for r in g["representative"]:
            assert r["direction"] in ("agree", "disagree") and 0 <= r["p"] <= 1
    s = doc["statements"][0]
    assert s["n_seen"] == s["n_agree"] + s["n_disagree"] + s["n_pass"]
    assert sum(b["n_seen"] for b in s["by_group"]) <= s["n_seen"]


def test_same_seed_same_document(shared_data):
    conv = read_conversation(shared_data / "polis" / "brexit-consensus")
    a, b = analyze(conv), analyze(conv)
    strip = lambda d: {k: v for k, v in d.items() if k != "meta"}  # noqa: E731
    assert strip(a) == strip(b)


def test_planted_groups_recovered_and_common_ground_on_top():
    sim = simulate(SimSpec(participants=4000, statements=150, groups=3, votes_min=25, votes_max=60,
                           consensus_fraction=0.1, p_follow=0.85, seed=7))
    doc = analyze(sim.to_conversation(), options=EngineOptions(seed=1))
    validate_document(doc)
    labels = np.array([p["group"] if p["group"] is not None else -1 for p in doc["participants"]])
    grouped = labels >= 0
    assert grouped.mean() > 0.99
    assert doc["meta"]["k"] == 3
    assert adjusted_rand_score(sim.group[grouped], labels[grouped]) >= 0.95
    planted = set(sim.truth()["consensus"])
    assert len(planted) == 15
    assert set(doc["bridging"][: len(planted)]) == planted
    assert set(doc["group_informed_consensus"][: len(planted)]) == planted
    divisive = set(sim.truth()["divisive"])
    assert set(doc["divisive"]) <= divisive


def test_too_few_votes_gives_a_document_not_a_crash():
    conv = Conversation(participant_ids=["a", "b"], statement_ids=["1", "2", "3"],
                        participant=np.array([0, 1]), statement=np.array([0, 0]), vote=np.array([1, -1], np.int8))
    doc = analyze(conv)
    validate_document(doc)
    assert doc["meta"]["status"] == "too_few_votes" and doc["meta"]["message"]
    assert doc["groups"] == [] and doc["bridging"] == []
    assert [p["x"] for p in doc["participants"]] == [None, None]
    assert doc["statements"][0]["n_seen"] == 2 and doc["statements"][0]["bridging"] is None


def test_validate_document_names_the_problems(vtaiwan):
    _, doc = vtaiwan
    broken = json.loads(json.dumps(doc))
    del broken["meta"]["counts"]["votes"]
    broken["statements"][0]["n_agree"] = "many"
    broken["bridging"] = ["no-such-statement"]
    with pytest.raises(DocumentError) as info:
        validate_document(broken)
    msg = str(info.value)
    assert "meta.counts.votes: missing" in msg and "statements[0].n_agree" in msg
    broken = json.loads(json.dumps(doc))
    broken["statements"][1]["extremity"] = float("nan")
    with pytest.raises(DocumentError, match="strict JSON"):
        validate_document(broken)


def test_statement_counts_are_plain_counts_of_the_votes():
    """The per-statement counts of the document (one count of (statement, vote) pairs) against counting each."""
    from voxpop.analysis.document import _statement_counts
    from voxpop.engine.matrix import VoteMatrix

    rng = np.random.default_rng(3)
    n = 4000
    cols = rng.integers(0, 7, n).astype(np.int32)
    vals = rng.choice(np.array([-1, 0, 1], dtype=np.int8), n)
    m = VoteMatrix(rows=np.arange(n, dtype=np.int32), cols=cols, vals=vals, n_rows=n, n_cols=8)  # column 7: none
    got = _statement_counts(m)
    for j in range(8):
        assert got["n_agree"][j] == np.sum((cols == j) & (vals == 1))
        assert got["n_disagree"][j] == np.sum((cols == j) & (vals == -1))
        assert got["n_pass"][j] == np.sum((cols == j) & (vals == 0))
        assert got["n_seen"][j] == np.sum(cols == j)
    empty = _statement_counts(VoteMatrix(rows=np.zeros(0, dtype=np.int32), cols=np.zeros(0, dtype=np.int32),
                                         vals=np.zeros(0, dtype=np.int8), n_rows=0, n_cols=3))
    assert empty["n_seen"].tolist() == [0, 0, 0]
