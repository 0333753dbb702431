"""voxpop.io.polis_math: the math blob a Pol.is export implies, and the export written as API data."""

from __future__ import annotations

import json
import shutil

import pytest

from voxpop.io import InputError, read_conversation
from voxpop.io.polis_math import math_blob, write_api_folder

LONDON = "london.youth.policing"


def test_the_blob_holds_polis_groups_and_the_api_folder_reads_back(shared_data, tmp_path):
    export = shared_data / "polis" / LONDON
    blob = math_blob(export)
    full = read_conversation(export)
    # in-conv = the participants Pol.is grouped; each base cluster (one per participant) in one group
    assert sorted(map(str, blob["in-conv"])) == sorted(full.reference_groups)
    members = blob["base-clusters"]["members"]
    by_group = {str(members[i][0]): g["id"] for g in blob["group-clusters"] for i in g["members"]}
    assert by_group == full.reference_groups
    assert {str(t) for t in blob["mod-out"]} == full.moderated_out
    assert blob["lastVoteTimestamp"] == full.timestamp.max()
    assert sum(blob["user-vote-counts"].values()) == int(len(set(zip(full.participant, full.statement, strict=True))))
    out = write_api_folder(export, tmp_path / "api")
    assert sorted(p.name for p in out.iterdir()) == ["comments.json", "math-pca2.json", "votes.json"]
    assert json.loads((out / "math-pca2.json").read_text()) == blob
    conv = read_conversation(out)
    assert conv.n_votes == full.n_votes and conv.reference_groups == full.reference_groups
    assert sorted(conv.statement_ids) == sorted(full.statement_ids)


def test_a_missing_file_or_column_says_what_to_give(shared_data, tmp_path):
    export = tmp_path / "export"
    shutil.copytree(shared_data / "polis" / LONDON, export)
    (export / "participants-votes.csv").unlink()
    with pytest.raises(InputError, match=r"participants-votes.csv: not found — give the folder of a Pol.is openData"):
        math_blob(export)
    shutil.copy(shared_data / "polis" / LONDON / "participants-votes.csv", export)
    (export / "votes.csv").write_text("voter-id,comment-id,vote\n1,2,1\n")
    with pytest.raises(InputError, match=r"votes.csv: has no column timestamp — a Pol.is export's votes.csv has"):
        write_api_folder(export, tmp_path / "out")
    assert not (tmp_path / "out").exists()  # nothing half-written
