"""Fidelity to Pol.is's own groups on the shared 2019+ conversations, cold and replayed (issue #13).

Pol.is's groups are read two ways: from the openData export (participants-votes.csv group-id) and from
test data in the shape of red-dwarf's live-conversation fixtures (votes.json + math-pca2.json, written
from the export by `voxpop.io.polis_math.write_api_folder`). ARI is over the participants Pol.is grouped; a participant voxpop left
out counts as one more label (an error). Austria's replay (~700 update steps) is measured by
bench/fidelity.py rather than here, to keep the test fast; its cold start is tested.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from voxpop.analysis.run import excluded_mask, vote_matrix
from voxpop.engine.inconv import in_conversation_history
from voxpop.engine.pipeline import EngineOptions, analyze_matrix
from voxpop.engine.replay import DEFAULT_WINDOW_S, replay
from voxpop.engine.warm import EngineState
from voxpop.io import read_conversation
from voxpop.io.polis_math import write_api_folder

LONDON, SSIS, AUSTRIA = ("london.youth.policing", "ssis.land-bank-farmland.2rumnecbeh.2021-08-01",
                         "austria-climate.5twd2jsnkf.2022-08-08")
OPTS = EngineOptions(bridging=False)


def _ari(conv, labels):
    ref = np.array([conv.reference_groups.get(pid, -1) for pid in conv.participant_ids])
    g = ref >= 0
    return adjusted_rand_score(ref[g], labels[g]), len(set(ref[g].tolist()))


def _replayed(conv):
    m = vote_matrix(conv)
    res, _ = replay(conv.participant, conv.statement, conv.vote, conv.timestamp, n_participants=m.n_rows,
                    n_statements=m.n_cols, mod_out=excluded_mask(conv), options=OPTS)
    return res


def _cold(conv):
    m = vote_matrix(conv)
    sticky = in_conversation_history(conv.participant, conv.statement, conv.timestamp, m.n_rows,
                                     window_ms=DEFAULT_WINDOW_S * 1000)
    return analyze_matrix(m, excluded_mask(conv), OPTS, history=EngineState(in_conv=sticky))


@pytest.fixture(scope="module", params=["export", "math-blob"])
def conversations(request, shared_data, tmp_path_factory):
    out = {}
    for name in (LONDON, SSIS, AUSTRIA):
        folder = shared_data / "polis" / name
        if request.param == "math-blob":
            folder = write_api_folder(folder, tmp_path_factory.mktemp("mathblob") / name)
        out[name] = read_conversation(folder)
    return out


def test_replay_reaches_polis_k_and_groups(conversations):
    aris = {}
    for name in (LONDON, SSIS):
        conv = conversations[name]
        res = _replayed(conv)
        aris[name], polis_k = _ari(conv, res.group_labels)
        assert res.k == polis_k, name
    assert aris[SSIS] >= 0.95
    cold = _cold(conversations[AUSTRIA])
    aris[AUSTRIA], polis_k = _ari(conversations[AUSTRIA], cold.group_labels)
    assert cold.k == polis_k and aris[AUSTRIA] >= 0.95
    assert np.median(list(aris.values())) >= 0.95


def test_cold_start_misses_londons_k(conversations):
    # London (24 participants): Pol.is's k = 3 comes from its history (the k smoother); a cold start picks 2
    res = _cold(conversations[LONDON])
    assert res.k == 2 and _ari(conversations[LONDON], res.group_labels)[1] == 3


def test_math_blob_reader_keeps_what_polis_saw(shared_data, tmp_path):
    import json

    folder = write_api_folder(shared_data / "polis" / LONDON, tmp_path / "london")
    math = json.loads((folder / "math-pca2.json").read_text())
    math["lastVoteTimestamp"] -= 60_000  # Pol.is had not seen the last minute of votes
    (folder / "math-pca2.json").write_text(json.dumps(math))
    conv = read_conversation(folder)
    full = read_conversation(shared_data / "polis" / LONDON)
    assert conv.n_votes < full.n_votes and conv.timestamp.max() <= math["lastVoteTimestamp"]
    assert conv.reference_groups == full.reference_groups
    assert conv.moderated_out == full.moderated_out
