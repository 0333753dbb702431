"""`voxpop simulate` and `voxpop analyze` end to end through Typer's CliRunner."""

from __future__ import annotations

import csv
import json

import pytest
from typer.testing import CliRunner

from voxpop.analysis.document import validate_document
from voxpop.cli import _register, app

_register()
runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    out = tmp_path_factory.mktemp("sim")
    r = invoke("simulate", out, "--participants", 1500, "--statements", 80, "--groups", 2,
               "--votes-per-participant", "15..40", "--consensus-fraction", 0.1, "--seed", 5)
    assert r.exit_code == 0, r.output
    assert "planted groups: 1,000, 500" in r.output
    return out


def test_simulate_writes_votes_statements_and_truth(simulated):
    truth = json.loads((simulated / "truth.json").read_text())
    assert truth["group_sizes"] == [1000, 500] and len(truth["consensus"]) == 8
    assert len(truth["participant_group"]) == 1500
    rows = list(csv.DictReader(open(simulated / "statements.csv", encoding="utf-8")))
    assert len(rows) == 80 and len({r["text"] for r in rows}) == 80
    with open(simulated / "votes.csv", encoding="utf-8") as f:
        assert f.readline().strip() == "participant,statement,vote,timestamp"


def test_analyze_writes_a_valid_document_and_a_report(simulated, tmp_path):
    out_json, out_html = tmp_path / "doc.json", tmp_path / "report.html"
    r = invoke("analyze", simulated / "votes.csv", "--statements", simulated / "statements.csv",
               "--json", out_json, "--html", out_html, "--seed", 3, "--k-max", 4)
    assert r.exit_code == 0, r.output
    doc = json.loads(out_json.read_text())
    validate_document(doc)
    assert doc["meta"]["seed"] == 3 and doc["meta"]["options"]["k_max"] == 4
    assert doc["meta"]["k"] == 2
    for heading in ("2 opinion groups", "Group A", "Common ground (a majority of every group",
                    "Most people, overall (Pol.is consensus", "bridging", "Where groups split", "time:"):
        assert heading in r.output
    truth = json.loads((simulated / "truth.json").read_text())
    # every common-ground statement has a majority of each counted group on its side
    stmts = {s["id"]: s for s in doc["statements"]}
    assert doc["common_ground"]
    for item in doc["common_ground"]:
        side = "n_agree" if item["direction"] == "agree" else "n_disagree"
        for b in stmts[item["statement"]]["by_group"]:
            if b["n_agree"] + b["n_disagree"] >= 5:
                assert b[side] / (b["n_agree"] + b["n_disagree"]) > 0.5
    assert doc["bridging"][0] in truth["consensus"]
    html = out_html.read_text()
    assert html.lstrip().lower().startswith("<!doctype html") and "</html>" in html


def test_analyze_a_polis_format_folder(tmp_path):
    r = invoke("simulate", tmp_path / "export", "--participants", 300, "--statements", 30, "--format", "polis")
    assert r.exit_code == 0, r.output
    assert {p.name for p in (tmp_path / "export").iterdir()} == {"comments.csv", "votes.csv", "summary.csv",
                                                                  "truth.json"}
    r = invoke("analyze", tmp_path / "export", "--json", tmp_path / "doc.json", "--quiet")
    assert r.exit_code == 0, r.output
    validate_document(json.loads((tmp_path / "doc.json").read_text()))


def test_bad_input_is_one_red_line_exit_2_and_nothing_written(tmp_path):
    votes = tmp_path / "votes.csv"
    votes.write_text("participant,statement,vote\na,1,1\nb,1,agree\n")
    r = invoke("analyze", votes, "--json", tmp_path / "doc.json", "--html", tmp_path / "r.html")
    assert r.exit_code == 2
    assert "Traceback" not in r.output
    assert str(votes) in r.output.replace("\n", "") and "line 3" in r.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["votes.csv"]


def test_too_few_votes_is_reported_not_crashed(tmp_path):
    votes = tmp_path / "votes.csv"
    votes.write_text("participant,statement,vote\na,1,1\nb,1,-1\n")
    r = invoke("analyze", votes, "--json", tmp_path / "doc.json")
    assert r.exit_code == 0, r.output
    assert "Not enough to analyse yet" in r.output
    assert "2 participants · 1 statement · 2 votes · " in " ".join(r.output.split()), r.output  # "1 statements"
    doc = json.loads((tmp_path / "doc.json").read_text())
    assert doc["meta"]["status"] == "too_few_votes"


def test_option_errors(tmp_path, simulated):
    r = invoke("analyze", simulated / "votes.csv", "--participants", tmp_path / "p.csv")
    assert r.exit_code == 2 and "--places" in r.output
    r = invoke("analyze", simulated / "votes.csv", "--k-max", 1)
    assert r.exit_code == 2 and "k_max" in r.output
    r = invoke("simulate", tmp_path / "x", "--votes-per-participant", "lots")
    assert r.exit_code == 2
    assert not (tmp_path / "x").exists()


def test_places_options(simulated, shared_data, tmp_path):
    places = shared_data / "places" / "eu-referendum-2016-by-area.csv"
    with open(places, encoding="utf-8-sig") as f:
        codes = [row["Area_Code"] for row in csv.DictReader(f)][:40]
    pp = tmp_path / "participants.csv"
    with open(pp, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["participant_id", "place_id"])
        w.writerows((str(i), codes[i % len(codes)]) for i in range(1500))
    out = tmp_path / "doc.json"
    r = invoke("analyze", simulated / "votes.csv", "--places", places, "--participants", pp, "--policy", "sqrt",
               "--json", out, "--quiet")
    assert r.exit_code == 0, r.output
    doc = json.loads(out.read_text())
    validate_document(doc)
    assert doc["places"] is not None
    assert doc["meta"]["timings"]["places_s"] > 0


def test_places_that_are_not_in_the_registry_exit_2(simulated, shared_data, tmp_path):
    places = shared_data / "places" / "eu-referendum-2016-by-area.csv"
    pp = tmp_path / "participants.csv"
    pp.write_text("participant_id,place_id\n0,NOWHERE\n1,NOWHERE\n")
    r = invoke("analyze", simulated / "votes.csv", "--places", places, "--participants", pp,
               "--json", tmp_path / "doc.json")
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output and not (tmp_path / "doc.json").exists()


def test_analyze_replay_records_its_history_and_needs_times(tmp_path):
    r = invoke("simulate", tmp_path / "export", "--participants", 200, "--statements", 25, "--format", "polis")
    assert r.exit_code == 0, r.output
    r = invoke("analyze", tmp_path / "export", "--replay", "--replay-window", 3600, "--json", tmp_path / "doc.json",
               "--quiet")
    assert r.exit_code == 0, r.output
    doc = json.loads((tmp_path / "doc.json").read_text())
    validate_document(doc)
    opts = doc["meta"]["options"]
    assert opts["history"] == "replay" and opts["replay_window_s"] == 3600 and opts["replay_steps"] >= 1
    r = invoke("analyze", tmp_path / "export", "--json", tmp_path / "cold.json", "--quiet")
    assert json.loads((tmp_path / "cold.json").read_text())["meta"]["options"]["history"].startswith("cold")
    votes = tmp_path / "plain.csv"
    votes.write_text("participant,statement,vote\n" + "".join(f"p{i},s{j},{(i + j) % 3 - 1}\n"
                                                             for i in range(20) for j in range(5)))
    r = invoke("analyze", votes, "--replay", "--quiet")
    assert r.exit_code == 2 and "needs vote times" in r.output
