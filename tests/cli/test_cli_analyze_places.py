"""`voxpop analyze` places options through Typer's CliRunner: --min-cell, --place-mapping, --margins, --csv."""

from __future__ import annotations

import csv
import json

import pytest
from tests.conftest import require_shared
from typer.testing import CliRunner

from voxpop.cli import _register, app

_register()
runner = CliRunner()
CSV_FILES = ["breakdowns.csv", "coverage_next.csv", "places.csv", "support.csv"]


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def write_votes(path, people: list[str], n_statements: int = 8) -> None:
    """Two opinion camps (first half / second half), some passes."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["participant", "statement", "vote"])
        for k, pid in enumerate(people):
            for t in range(n_statements):
                v = 1 if (k < len(people) // 2) == (t % 2 == 0) else -1
                w.writerow([pid, t, 0 if (k + t) % 7 == 0 else v])


@pytest.fixture
def files(tmp_path):
    people = [f"p{k}" for k in range(60)]
    write_votes(tmp_path / "votes.csv", people)
    # custom column names: needs --place-mapping
    (tmp_path / "areas.csv").write_text(
        "Code,Area,Electorate,Region_Code,Region\n"
        "a1,Abbeytown,1000,N,North\na2,Port Town,3000,N,North\na3,Cham,5000,S,South\na4,Dale,2000,S,South\n",
        encoding="utf-8")
    bands = ["16-34", "35+"]
    rows = "".join(f"{pid},a{k % 4 + 1},{bands[k % 3 == 0]}\n" for k, pid in enumerate(people))
    (tmp_path / "who.csv").write_text("participant_id,place_id,age_band\n" + rows, encoding="utf-8")
    (tmp_path / "margins.json").write_text(json.dumps({"age_band": {"16-34": 0.3, "35+": 0.7}}))
    return tmp_path


MAPPING = "id=Code,name=Area,population=Electorate,level_name=area,parent.region=Region_Code:Region"


def test_places_options_end_to_end(files):
    out, csv_dir = files / "doc.json", files / "tables"
    r = invoke("analyze", files / "votes.csv", "--places", files / "areas.csv", "--place-mapping", MAPPING,
               "--participants", files / "who.csv", "--margins", files / "margins.json", "--min-cell", 3,
               "--policy", "equal", "--csv", csv_dir, "--json", out)
    assert r.exit_code == 0, r.output
    places = json.loads(out.read_text())["places"]
    assert places["min_cell"] == 3 and places["policy"] == "equal"
    assert places["levels"] == ["region", "area"]
    assert {p["id"] for p in places["places"]} >= {"a1", "a4", "N", "S"}
    age = next(m for m in places["weights"]["margins"] if m["name"] == "age_band")
    assert age["achieved"] == pytest.approx({"16-34": 0.3, "35+": 0.7}, abs=0.01)  # sample: 2/3 are 16-34
    assert sorted(p.name for p in csv_dir.iterdir()) == CSV_FILES
    support = list(csv.DictReader(open(csv_dir / "support.csv", encoding="utf-8")))
    assert len(support) == 8
    for name in CSV_FILES:
        assert f"wrote {csv_dir / name}" in r.output.replace("\n", "")


def test_min_cell_suppresses_small_cells(files):
    sizes = {}
    for k in (2, 20):
        out = files / f"doc{k}.json"
        r = invoke("analyze", files / "votes.csv", "--places", files / "areas.csv", "--place-mapping", MAPPING,
                   "--participants", files / "who.csv", "--min-cell", k, "--json", out, "-q")
        assert r.exit_code == 0, r.output
        sizes[k] = json.loads(out.read_text())["places"]["breakdowns"]["suppressed"]
    assert sizes[2] < sizes[20]  # cells of 15 participants (each area) are shown at 2, hidden at 20


@pytest.mark.parametrize("content, says", [
    ("{not json", "not valid JSON"),
    ('{"age_band": {"16-34": -1, "35+": 0.7}}', "share of 0 or more"),
    ("[1, 2]", "give an object of strata"),
])
def test_bad_margins_are_one_red_line_and_nothing_written(files, content, says):
    (files / "bad.json").write_text(content)
    out, csv_dir = files / "doc.json", files / "tables"
    r = invoke("analyze", files / "votes.csv", "--places", files / "areas.csv", "--place-mapping", MAPPING,
               "--participants", files / "who.csv", "--margins", files / "bad.json", "--json", out,
               "--csv", csv_dir)
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert says in r.output.replace("\n", "") and "bad.json" in r.output.replace("\n", "")
    assert not out.exists() and not csv_dir.exists()


def test_place_options_need_places(files):
    r = invoke("analyze", files / "votes.csv", "--csv", files / "tables")
    assert r.exit_code == 2 and "--csv needs --places" in r.output
    r = invoke("analyze", files / "votes.csv", "--places", files / "areas.csv", "-q")  # no mapping: no Code→id
    assert r.exit_code == 2 and "'id'" in r.output and "Code" in r.output


def test_shared_referendum_file_to_csv(tmp_path):
    eu = require_shared("data", "places", "eu-referendum-2016-by-area.csv")
    areas = ["E09000002", "E09000003", "S12000033", "W06000019", "E06000001", "E07000008"]
    people = [f"v{k}" for k in range(72)]
    write_votes(tmp_path / "votes.csv", people)
    (tmp_path / "who.csv").write_text("participant_id,place_id\n"
                                      + "".join(f"{p},{areas[k % 6]}\n" for k, p in enumerate(people)))
    csv_dir = tmp_path / "tables"
    r = invoke("analyze", tmp_path / "votes.csv", "--places", eu, "--participants", tmp_path / "who.csv",
               "--csv", csv_dir, "--json", tmp_path / "doc.json", "-q")
    assert r.exit_code == 0, r.output
    places = json.loads((tmp_path / "doc.json").read_text())["places"]
    assert places["levels"] == ["region", "area"] and places["min_cell"] == 5
    rows = list(csv.DictReader(open(csv_dir / "places.csv", encoding="utf-8")))
    london = next(r for r in rows if r["id"] == "E12000007")
    assert london["name"] == "London" and london["participants"] == "24"  # two London boroughs x 12
    assert sorted(p.name for p in csv_dir.iterdir()) == CSV_FILES


def test_a_participant_in_an_unknown_place_is_one_red_line(files):
    (files / "who.csv").write_text("participant_id,place_id\np0,a1\np1,nowhere\n", encoding="utf-8")
    r = invoke("analyze", files / "votes.csv", "--places", files / "areas.csv", "--place-mapping", MAPPING,
               "--participants", files / "who.csv", "--json", files / "doc.json")
    assert r.exit_code == 2 and "Traceback" not in r.output and "nowhere" in r.output
    assert not (files / "doc.json").exists()
