"""Pol.is-compatible writers: what we write, we (and Pol.is tools) read back identically."""

from __future__ import annotations

import csv
import io

import numpy as np

from voxpop.conversation import Conversation
from voxpop.io import read_conversation
from voxpop.io.polis_writer import final_votes, write_export, write_participants_votes, write_summary


def _conv() -> Conversation:
    return Conversation(
        participant_ids=["u9", "u1", "x,y"], statement_ids=["0", "1", "2", "5"],
        participant=np.array([0, 0, 1, 2, 1, 0]), statement=np.array([0, 1, 0, 2, 0, 0]),
        vote=np.array([1, -1, 0, 1, -1, -1], dtype=np.int8),
        timestamp=np.array([1.0e12, 1.1e12, 1.2e12, 1.3e12, 1.4e12, 1.5e12]),
        statement_text={"0": 'Quotes "and", commas', "1": "Line\nbreak", "2": "Zwölf Boxkämpfer", "5": "unvoted"},
        moderated_out={"1"}, meta={"2"}, title="Round trip",
    )


def _cells(conv):
    m = final_votes(conv)
    return {(conv.participant_ids[r], conv.statement_ids[c]): v
            for r, c, v in zip(m.rows.tolist(), m.cols.tolist(), m.vals.tolist(), strict=True)}


def test_export_folder_reads_back_identically(tmp_path):
    conv = _conv()
    doc = {"participants": [{"id": "u9", "group": 1}, {"id": "u1", "group": None}, {"id": "x,y", "group": 0}],
           "groups": [{}, {}], "meta": {"counts": {"participants_in_conversation": 2}}}
    paths = write_export(tmp_path / "export", conv, doc)
    assert sorted(p.name for p in paths) == ["comments.csv", "participants-votes.csv", "summary.csv", "votes.csv"]
    back = read_conversation(tmp_path / "export")
    assert _cells(back) == _cells(conv)
    assert back.statement_text == conv.statement_text
    assert back.moderated_out == {"1"} and back.meta == {"2"}
    assert back.reference_groups == {"u9": 1, "x,y": 0}
    assert back.title == "Round trip"
    assert back.n_votes == conv.n_votes  # the full history, revotes included
    rows = list(csv.DictReader(open(tmp_path / "export" / "comments.csv", encoding="utf-8")))
    assert [(r["comment-id"], r["agrees"], r["disagrees"]) for r in rows] == [
        ("0", "0", "2"), ("1", "0", "1"), ("2", "1", "0"), ("5", "0", "0")]


def test_writers_take_a_binary_file_like(tmp_path):
    conv = _conv()
    buf = io.BytesIO()
    write_participants_votes(buf, conv)
    lines = buf.getvalue().decode().splitlines()
    assert lines[0] == "participant,group-id,n-comments,n-votes,n-agree,n-disagree,0,1,2"
    assert lines[1] == "u9,,0,2,0,2,-1,-1,"  # latest vote wins: u9 on 0 is -1
    assert lines[3] == '"x,y",,0,1,1,0,,,1'
    out = io.BytesIO()
    write_summary(out, conv)
    assert out.getvalue().decode().startswith("topic,Round trip\n")
    # pv alone reads back in its row order
    (tmp_path / "pv").mkdir()
    (tmp_path / "pv" / "participants-votes.csv").write_bytes(buf.getvalue())
    back = read_conversation(tmp_path / "pv")
    assert back.participant_ids == conv.participant_ids
