"""`voxpop analyze` finds what lies beside a votes file, reads voxpop's web export names, writes to stdout,
uses the full width when piped; --help shows no type noise and no double negatives."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from tests.roundtrip.compare import assert_same_analysis
from typer.testing import CliRunner

from voxpop.cli import _register, app, dash_paths

_register()
runner = CliRunner()


def invoke(*args, env=None):
    return runner.invoke(app, [str(a) for a in args], env=env)


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    out = tmp_path_factory.mktemp("plain")
    r = invoke("simulate", out, "--participants", 400, "--statements", 30, "--groups", 2, "--seed", 2)
    assert r.exit_code == 0, r.output
    return out


@pytest.fixture(scope="module")
def polis(tmp_path_factory):
    out = tmp_path_factory.mktemp("polis")
    r = invoke("simulate", out, "--participants", 400, "--statements", 30, "--groups", 2, "--seed", 2,
               "--format", "polis")
    assert r.exit_code == 0, r.output
    return out


def _doc(*args):
    r = invoke("analyze", *args, "--json", "-", "--quiet")
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_analyze_reads_the_statements_file_beside_the_votes_and_says_so(plain):
    r = invoke("analyze", plain / "votes.csv", "--width", 200)
    assert r.exit_code == 0, r.output
    assert f"using statements: {plain / 'statements.csv'}" in r.output
    assert "(no text)" not in r.output
    doc = _doc(plain / "votes.csv")
    texts = {s["id"]: s["text"] for s in doc["statements"]}
    assert all(texts.values()) and len(texts) == 30
    # the folder that simulate wrote analyses the same way
    assert_same_analysis(_doc(plain), doc)
    # --only-given reads the votes alone
    alone = _doc(plain / "votes.csv", "--only-given")
    assert not any(s["text"] for s in alone["statements"])


def test_places_and_participants_beside_are_used_and_named(tmp_path, plain):
    folder = tmp_path / "with-places"
    shutil.copytree(plain, folder)
    (folder / "places.csv").write_text("id,name,kind,population\nN,North,region,600\nS,South,region,400\n")
    rows = "\n".join(f"{p},{'N' if int(p) % 3 else 'S'}" for p in range(400))
    (folder / "participants.csv").write_text("participant_id,place_id\n" + rows + "\n")
    r = invoke("analyze", folder / "votes.csv", "--width", 200)
    assert r.exit_code == 0, r.output
    assert f"using places: {folder / 'places.csv'}" in r.output
    assert f"using participants: {folder / 'participants.csv'}" in r.output
    assert _doc(folder / "votes.csv")["places"]
    assert _doc(folder / "votes.csv", "--only-given")["places"] is None


def test_json_dash_writes_the_document_to_stdout_and_the_summary_elsewhere(plain):
    r = invoke("analyze", plain, "--json", "-")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["meta"]["status"] == "ok"
    assert "opinion groups" in r.stderr
    both = invoke("analyze", plain, "--json", "-", "--html", "-")
    assert both.exit_code == 2 and "both write to stdout" in both.output


def test_piped_output_is_not_cut_at_80_columns(plain):
    for env, args in (({"COLUMNS": ""}, ()), ({}, ("--width", 150))):
        r = invoke("analyze", plain, *args, env=env)
        assert r.exit_code == 0, r.output
        assert max(len(line) for line in r.stdout.splitlines()) > 80
    narrow = invoke("analyze", plain, "--width", 60)
    assert max(len(line) for line in narrow.stdout.splitlines()) <= 60


def _as_web_exports(src, dest, cid):
    dest.mkdir(exist_ok=True)
    for name in ("comments", "votes", "summary"):
        shutil.copy(src / f"{name}.csv", dest / f"voxpop-{cid}-{name}.csv")


def test_a_folder_of_web_exports_and_one_export_file_analyse_directly(tmp_path, polis):
    _as_web_exports(polis, tmp_path / "downloads", "-5j6Rb75ZRs")
    reference = _doc(polis)
    assert_same_analysis(_doc(tmp_path / "downloads"), reference)
    assert_same_analysis(_doc(tmp_path / "downloads" / "voxpop--5j6Rb75ZRs-votes.csv"), reference)
    r = invoke("analyze", tmp_path / "downloads", "--width", 200)
    assert "using exports of conversation -5j6Rb75ZRs" in r.output
    _as_web_exports(polis, tmp_path / "downloads", "other")
    r = invoke("analyze", tmp_path / "downloads")
    assert r.exit_code == 2
    assert "holds the votes of 2 conversations (-5j6Rb75ZRs, other)" in r.output and "give one of" in r.output


def test_a_file_whose_name_starts_with_a_dash_is_not_an_option(tmp_path, polis):
    for name in ("comments", "votes"):
        shutil.copy(polis / f"{name}.csv", tmp_path / f"-5j6Rb75ZRs-{name}.csv")
    assert dash_paths(["analyze", "--json", "-", "-nope.csv"]) == ["analyze", "--json", "-", "-nope.csv"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    r = subprocess.run([sys.executable, "-m", "voxpop.cli", "analyze", "-5j6Rb75ZRs-votes.csv", "--json", "-",
                        "--quiet"], cwd=tmp_path, capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["meta"]["status"] == "ok"


@pytest.mark.parametrize("command", ["analyze", "serve", "worker", "demo", "create-organiser", "simulate",
                                     "listen"])
def test_help_has_no_bool_noise_and_no_double_negatives(command):
    r = invoke(command, "--help", env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    assert "<bool>" not in r.output and "--no-no-" not in r.output
    if command == "serve":
        assert "--no-rate-limit-per-address" in r.output


def test_listen_json_dash_writes_to_stdout(tmp_path):
    src = tmp_path / "t.csv"
    src.write_text("id,text\n1,The buses are always late at night.\n2,Rents are too high for young people.\n"
                   "3,Night buses stopped running after ten.\n", encoding="utf-8")
    r = invoke("listen", src, "--json", "-", "--model", "tfidf")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["themes"]["schema"] == "voxpop.themes"
    assert not (tmp_path / "-").exists()
