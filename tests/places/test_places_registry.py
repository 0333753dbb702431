"""Place registry import: the shared referendum file, generic files, mappings and every bad input."""

from __future__ import annotations

import numpy as np
import pytest
from tests.conftest import require_shared

from voxpop.places.io import parse_mapping, read_participant_places, read_places
from voxpop.places.registry import PlaceError


@pytest.fixture(scope="module")
def referendum():
    return read_places(require_shared("data", "places", "eu-referendum-2016-by-area.csv"))


def test_referendum_file_imports_directly(referendum):
    r = referendum
    assert r.is_leaf.sum() == 382  # every counting area (Northern Ireland is one area and its own region)
    assert r.level_names == ["region", "area"]
    regions = [i for i in range(len(r)) if r.levels[i] == "region"]
    assert len(regions) == 12
    london = r.index["E12000007"]
    assert r.names[london] == "London"
    kids = r.children(london)
    assert len(kids) == 33 and all(r.levels[k] == "area" for k in kids)
    # electorate as population; parents sum their children
    assert r.population[r.index["E09000002"]] == 115812  # Barking and Dagenham
    assert r.population[london] == pytest.approx(r.population[kids].sum())
    assert r.population[r.is_leaf].sum() == 46500001
    # leave share as a fraction context column
    assert r.context["leave_share"][r.index["S12000033"]] == pytest.approx(0.389)
    ni = r.index["N92000002"]
    assert r.is_leaf[ni] and r.parent[ni] == -1 and r.population[ni] == 1260955


def test_generic_csv_any_order(tmp_path):
    p = tmp_path / "places.csv"
    p.write_text("id,name,kind,parent,population,income\n"
                 "a1,Ábbeytown,rural,r1,1000,21.5\n"
                 "r1,North,,n,,\n"
                 "n,Nation,,,,\n"
                 "a2,Port Town,coastal,r1,3000,\n")
    r = read_places(p)
    assert r.ids[0] == "n" and r.level_names == ["level 0", "level 1", "level 2"]
    assert r.population[r.index["r1"]] == 4000 and r.population[r.index["n"]] == 4000
    assert np.isnan(r.context["income"][r.index["a2"]])
    assert r.kind_names == ["coastal", "rural"]


def test_mapping_from_command_line(tmp_path):
    p = tmp_path / "m.csv"
    p.write_text("code,label,people,reg,regname,depr\nx,X,10,R,Reg,0.3\ny,Y,20,R,Reg,0.4\n")
    r = read_places(p, "id=code,name=label,population=people,parent.region=reg:regname,context.dep=depr,"
                       "level_name=ward")
    assert r.level_names == ["region", "ward"] and r.population[r.index["R"]] == 30
    assert r.context["dep"][r.index["y"]] == pytest.approx(0.4)
    assert parse_mapping("eu-referendum-2016")["population"] == "Electorate"


@pytest.mark.parametrize("body, line, words", [
    ("id,name,parent,population\na,A,,10\nb,B,zz,5\n", 3, "unknown parent 'zz'"),
    ("id,name,parent,population\na,A,,10\nb,B,a,5\na,Again,,3\n", 4, "duplicate place id 'a' (first seen on line 2)"),
    ("id,name,parent,population\na,A,,10\nb,B,a,-5\n", 3, "negative or invalid population"),
    ("id,name,parent,population\na,A,,10\nb,B,a,\n", 3, "has no population"),
    ("id,name,parent,population\na,A,,10\nb,B,a,lots\n", 3, "population 'lots' is not a number"),
    ("id,name,parent,population\na,A,b,10\nb,B,a,5\n", 2, "parent cycle"),
    ("id,name,parent,population\n,A,,10\n", 2, "empty place id"),
    ("code,name\na,A\n", 1, "no 'id' column"),
])
def test_bad_places_name_file_line_and_fix(tmp_path, body, line, words):
    p = tmp_path / "bad.csv"
    p.write_text(body)
    with pytest.raises(PlaceError) as e:
        read_places(p)
    assert e.value.line == line
    assert words in str(e.value) and str(p) in str(e.value) and "—" in str(e.value)


def test_participants_file(tmp_path):
    p = tmp_path / "who.csv"
    p.write_text("participant_id,place_id,age_band\np1,a,16-24\np2,,\np3,b,65+\n")
    got = read_participant_places(p)
    assert got == {"p1": ("a", {"age_band": "16-24"}), "p2": (None, {}), "p3": ("b", {"age_band": "65+"})}
    p.write_text("participant_id,place_id\np1,a\np1,b\n")
    with pytest.raises(PlaceError, match=r"line 3: participant 'p1' appears twice \(first on line 2\)"):
        read_participant_places(p)
    p.write_text("who,where\np1,a\n")
    with pytest.raises(PlaceError, match="needs a participant_id and a place_id column"):
        read_participant_places(p)
