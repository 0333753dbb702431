"""Pol.is API data as red-dwarf saves it (votes.json, comments.json, math-pca2.json)."""

from __future__ import annotations

import json

import pytest

from voxpop.io import InputError, read_conversation


def _write(folder, votes, math=None, comments=None):
    folder.mkdir()
    (folder / "votes.json").write_text(json.dumps(votes))
    if math is not None:
        (folder / "math-pca2.json").write_text(json.dumps(math))
    if comments is not None:
        (folder / "comments.json").write_text(json.dumps(comments))
    return folder


def test_reads_votes_in_arrival_order_with_polis_groups(tmp_path):
    votes = [{"pid": 5, "tid": 1, "vote": 1, "modified": 2000},
             {"participant_id": 3, "statement_id": 0, "vote": -1, "modified": 1000},
             {"participant_id": 5, "statement_id": 0, "vote": 0, "modified": 3000},
             {"participant_id": 7, "statement_id": 1, "vote": 1, "modified": 9000}]
    math = {"lastVoteTimestamp": 5000,
            "base-clusters": {"id": [0, 1], "members": [[3], [5]], "x": [0, 0], "y": [0, 0], "count": [1, 1]},
            "group-clusters": [{"id": 0, "members": [0], "center": [0, 0]}, {"id": 1, "members": [1], "center": [0, 0]}]}
    comments = [{"statement_id": 0, "txt": "a", "moderated": 1}, {"statement_id": 1, "txt": "b", "moderated": -1},
                {"statement_id": 2, "txt": "c", "moderated": 0, "is_meta": True}]
    conv = read_conversation(_write(tmp_path / "api", votes, math, comments))
    assert conv.participant_ids == ["3", "5"]  # 7 voted after the math was computed
    assert conv.n_votes == 3 and conv.statement_ids == ["0", "1", "2"]
    assert conv.reference_groups == {"3": 0, "5": 1}
    assert conv.moderated_out == {"1"} and conv.meta == {"2"}
    assert conv.timestamp.tolist() == [2e6, 1e6, 3e6]  # numbers below 1e11 are seconds since 1970


@pytest.mark.parametrize("votes, message", [
    ([], "non-empty list"),
    ([{"participant_id": 1, "statement_id": 1, "vote": 2, "modified": 1}], "vote 1 is 2"),
    ([{"statement_id": 1, "vote": 1, "modified": 1}], "no participant_id"),
    ([{"participant_id": 1, "statement_id": 1, "vote": 1, "modified": "yesterday"}], "the time"),
])
def test_bad_votes_json_says_what_to_fix(tmp_path, votes, message):
    with pytest.raises(InputError, match=message):
        read_conversation(_write(tmp_path / "api", votes))


def test_broken_json_names_the_line(tmp_path):
    folder = tmp_path / "api"
    folder.mkdir()
    (folder / "votes.json").write_text('[\n{"pid": 1,\n')
    with pytest.raises(InputError, match="not valid JSON"):
        read_conversation(folder)
