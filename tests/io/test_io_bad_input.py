"""Hostile and broken inputs: each gives an InputError naming the file, the line and what to fix."""

from __future__ import annotations

import os

import numpy as np
import pytest

from voxpop.engine.matrix import from_vote_log
from voxpop.io import InputError, read_conversation
from voxpop.io.atomic import atomic_write


def _csv(tmp_path, text: str | bytes, name: str = "votes.csv"):
    p = tmp_path / name
    p.write_bytes(text if isinstance(text, bytes) else text.encode())
    return p


def _error(path, statements=None) -> InputError:
    with pytest.raises(InputError) as info:
        read_conversation(path, statements)
    assert str(path if statements is None else statements) in str(info.value) or str(path) in str(info.value)
    return info.value


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ("", 1, "empty"),
        ("participant,statement,vote\n", 2, "no votes"),
        ("participant,statment,vote\na,1,1\n", 1, "missing column(s) statement"),
        ("participant,statement,vote\na,1,1\nb,1,x\n", 3, "'x'"),
        ("participant,statement,vote\na,1,1\nb,1,2\n", 3, "vote 2 is not 1, -1 or 0"),
        ("participant,statement,vote\na,1,1\nb,1,1.5\n", 3, "'1.5'"),
        ("participant,statement,vote\na,1,1\n\n\nb,1,1,9\n", 5, "4 field(s)"),
        ("participant,statement,vote\na,1,1\nb,2\n", 3, "2 field(s)"),
        ("participant,statement,vote\na,1,1\n,2,1\n", 3, "participant is empty"),
        ("participant,statement,vote\na,1,1\nb,2,\n", 3, "vote is empty"),
        ("participant,statement,vote,timestamp\na,1,1,5\nb,2,1,\n", 3, "timestamp is empty"),
        ("participant,statement,vote,timestamp\na,1,1,5\nb,2,1,soon\n", 3, "'soon'"),
    ],
)
def test_bad_votes_csv(tmp_path, text, line, needle):
    err = _error(_csv(tmp_path, text))
    assert err.line == line, str(err)
    assert needle in str(err)
    assert f"line {line}" in str(err)
    assert err.fix  # says what to do


def test_bad_line_found_far_into_a_large_file(tmp_path):
    n = 200_000
    rows = "\n".join(f"p{i % 5000},{i % 300},{(i % 3) - 1}" for i in range(n))
    p = _csv(tmp_path, f"participant,statement,vote\n{rows}\np1,2,7\np2,3,1\n")
    err = _error(p)
    assert err.line == n + 2 and "vote 7" in str(err)


def test_encoding_error_names_the_line(tmp_path):
    p = _csv(tmp_path, b"participant,statement,vote\na,1,1\n\xff\xfeb,2,1\n")
    err = _error(p)
    assert err.line == 3 and "UTF-8" in str(err)


def test_missing_file_and_folder_without_votes(tmp_path):
    assert "not found" in str(_error(tmp_path / "nope.csv"))
    (tmp_path / "export").mkdir()
    assert "no votes.csv" in str(_error(tmp_path / "export"))


def test_unreadable_file(tmp_path):
    p = _csv(tmp_path, "participant,statement,vote\na,1,1\n")
    p.chmod(0)
    try:
        if os.access(p, os.R_OK):  # root reads anyway: nothing to test then
            pytest.skip("running as a user who can read any file")
        assert "cannot be read" in str(_error(p))
    finally:
        p.chmod(0o644)


def test_statements_file_problems(tmp_path):
    votes = _csv(tmp_path, "participant,statement,vote\na,1,1\nb,2,-1\n")
    err = _error(votes, _csv(tmp_path, "statement,body\n1,x\n", "s.csv"))
    assert err.line == 1 and "text" in str(err)
    err = _error(votes, _csv(tmp_path, "statement,text\n1,x\n1,y\n", "s.csv"))
    assert err.line == 3 and "twice" in str(err)
    err = _error(votes, _csv(tmp_path, 'statement,text\n1,"a, b",\n', "s.csv"))
    assert err.line == 2


def test_polis_folder_problems(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "votes.csv").write_text("timestamp,datetime,comment-id,voter-id,vote\n1,x,0,0,1\n2,x,0,1,-3\n")
    err = _error(folder)
    assert err.line == 3 and "votes.csv" in str(err)
    (folder / "votes.csv").write_text("timestamp,datetime,comment-id,voter-id,vote\n1,x,0,0,1\n")
    (folder / "comments.csv").write_text('comment-id,moderated,comment-body\n0,1,"fine"\n1,maybe,"no"\n')
    err = _error(folder)
    assert err.line == 3 and "moderated" in str(err)
    (folder / "votes.csv").unlink()
    (folder / "comments.csv").unlink()
    (folder / "participants-votes.csv").write_text("participant,group-id,0,1\n0,0,1,\n1,,5,-1\n")
    err = _error(folder)
    assert err.line == 3 and "vote 5" in str(err)


def test_plain_csv_ids_kept_exactly_and_order_of_first_appearance(tmp_path):
    p = _csv(tmp_path, "participant,statement,vote\n007,s,1\n7,s,-1\n007,t,0\n 7 ,t,1\n")
    conv = read_conversation(p)
    assert conv.participant_ids == ["007", "7", " 7 "]
    assert conv.statement_ids == ["s", "t"]
    assert conv.participant.tolist() == [0, 1, 0, 2]
    assert conv.vote.tolist() == [1, -1, 0, 1]


def test_statements_file_orders_and_names_statements(tmp_path):
    votes = _csv(tmp_path, "participant,statement,vote\na,2,1\nb,9,-1\n")
    st = _csv(tmp_path, 'statement,text,moderated\n1,"One, with a comma",1\n2,Two,-1\n', "s.csv")
    conv = read_conversation(votes, st)
    assert conv.statement_ids == ["1", "2", "9"]
    assert conv.statement.tolist() == [1, 2]
    assert conv.statement_text["1"] == "One, with a comma"
    assert conv.moderated_out == {"2"}


def test_latest_vote_wins_by_timestamp_including_iso_dates(tmp_path):
    p = _csv(tmp_path, "participant,statement,vote,timestamp\n"
                       "a,1,1,2026-01-02T10:00:00\na,1,-1,2026-01-01T10:00:00\nb,1,0,2026-01-01T09:00:00\n")
    conv = read_conversation(p)
    m = from_vote_log(conv.participant, conv.statement, conv.vote, conv.timestamp)
    assert conv.participant_ids == ["b", "a"]  # arrival order: b voted first
    assert dict(zip(m.rows.tolist(), m.vals.tolist(), strict=True)) == {1: 1, 0: 0}
    assert np.all(np.diff(conv.timestamp[[1, 0]]) > 0)


def test_atomic_write_leaves_nothing_on_error(tmp_path):
    target = tmp_path / "out.json"
    with pytest.raises(RuntimeError), atomic_write(target) as f:
        f.write("half")
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []
    with atomic_write(target) as f:
        f.write("whole")
    assert target.read_text() == "whole" and len(list(tmp_path.iterdir())) == 1
