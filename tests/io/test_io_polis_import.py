"""Importing every shared Pol.is export: counts match polis-math.md §13, rows in arrival order."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from voxpop.engine.matrix import from_vote_log
from voxpop.io import read_conversation
from voxpop.io.polis import read_polis_export

# dataset: (participants, comments with >= 1 vote, raw vote rows, unique votes, moderated out, grouped)
EXPECTED = {
    "15-per-hour-seattle": (339, 54, 2995, 2872, 23, 138),
    "austria-climate.5twd2jsnkf.2022-08-08": (1116, 522, 61936, 61384, 245, 900),
    "brexit-consensus": (204, 50, 5312, 5303, 0, 197),
    "canadian-electoral-reform": (448, 174, 12018, 11950, 22, 281),
    "london.youth.policing": (26, 36, 640, 638, 3, 24),
    "scoop-hivemind.ubi": (234, 70, 7174, 7153, 1, 234),
    "ssis.land-bank-farmland.2rumnecbeh.2021-08-01": (404, 293, 33530, 33463, 105, 355),
    "vtaiwan.uberx": (1921, 197, 49997, 49443, 78, 1219),
}


def _matrix(conv):
    return from_vote_log(conv.participant, conv.statement, conv.vote, conv.timestamp,
                         n_participants=len(conv.participant_ids), n_statements=len(conv.statement_ids))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_counts_match_polis(name, shared_data):
    folder = shared_data / "polis" / name
    ptpts, voted, raw, unique, mod_out, grouped = EXPECTED[name]
    conv = read_conversation(folder)
    m = _matrix(conv)
    assert len(conv.participant_ids) == ptpts
    assert conv.n_votes == raw
    assert m.n_votes == unique
    assert len(np.unique(m.cols)) == voted
    assert len(conv.moderated_out) == mod_out
    assert len(conv.reference_groups) == grouped
    assert conv.title and conv.source == str(folder)
    with open(folder / "summary.csv", encoding="utf-8", newline="") as f:
        summary = {row[0]: row[1] for row in csv.reader(f) if len(row) >= 2}
    assert int(summary["voters"]) == len(conv.participant_ids)
    assert int(summary["comments"]) == voted
    assert summary["topic"].strip() == conv.title
    # ids are kept as text; statements ascending by comment-id
    ids = [int(s) for s in conv.statement_ids]
    assert ids == sorted(ids)
    assert all(isinstance(p, str) for p in conv.participant_ids[:5])


@pytest.mark.parametrize("name", ["vtaiwan.uberx", "brexit-consensus", "london.youth.policing"])
def test_votes_csv_rows_arrive_in_time_order_and_match_participants_votes(name, tmp_path, shared_data):
    folder = shared_data / "polis" / name
    from_votes = read_conversation(folder)
    only_pv = tmp_path / name
    only_pv.mkdir()
    for f in ("participants-votes.csv", "comments.csv", "summary.csv"):
        (only_pv / f).write_bytes((folder / f).read_bytes())
    from_pv = read_polis_export(only_pv)
    # votes.csv: arrival order (first vote time), as a live Pol.is matrix grows
    first = np.full(len(from_votes.participant_ids), np.inf)
    np.minimum.at(first, from_votes.participant, from_votes.timestamp)
    assert np.all(np.diff(first) >= 0)
    # participants-votes.csv has no times: its rows are Pol.is's one-shot order; the same people and votes
    assert sorted(from_pv.participant_ids) == sorted(from_votes.participant_ids)
    assert from_pv.statement_ids == from_votes.statement_ids
    a, b = _matrix(from_votes), _matrix(from_pv)
    ida, idb = from_votes.participant_ids, from_pv.participant_ids
    da = {(ida[r], c): v for r, c, v in zip(a.rows.tolist(), a.cols.tolist(), a.vals.tolist(), strict=True)}
    db = {(idb[r], c): v for r, c, v in zip(b.rows.tolist(), b.cols.tolist(), b.vals.tolist(), strict=True)}
    assert da == db  # latest vote wins
    assert from_pv.reference_groups == from_votes.reference_groups
    assert from_pv.moderated_out == from_votes.moderated_out
    assert from_pv.timestamp is None
