"""Finding a place from what a person types: official, short and Welsh names, variants, an organiser's
alias table (towns, postcode districts), typos, ambiguity, unknown names."""

from __future__ import annotations

import pytest

from voxpop.places.finder import (
    PlaceFinder,
    fold,
    name_variants,
    place_aliases,
    postcode_district,
    uk_area_names,
)


@pytest.fixture(scope="module")
def uk() -> PlaceFinder:
    areas = uk_area_names()
    pairs = [(alias, pid) for pid, row in areas.items() for alias in place_aliases(pid, row["name"])]
    # an organiser's alias table: a town and a postcode district in Cornwall
    pairs += [("Penzance", "E06000052"), ("TR18", "E06000052"), ("Newlyn", "E06000052")]
    return PlaceFinder.build(pairs)


def test_packaged_uk_names_cover_every_counting_area():
    areas = uk_area_names()
    assert len(areas) == 382
    welsh = {pid: r for pid, r in areas.items() if pid.startswith("W")}
    assert len(welsh) == 22 and all(r["name_cy"] for r in welsh.values())
    assert areas["W06000015"]["name_cy"] == "Caerdydd"


@pytest.mark.parametrize("typed, area", [
    ("Penzance", "E06000052"),       # through the alias table
    ("penzance ", "E06000052"),
    ("Caerdydd", "W06000015"),       # Welsh name
    ("ABERTAWE", "W06000011"),
    ("Ynys Mon", "W06000001"),       # accents optional
    ("hull", "E06000010"),           # common short name
    ("Bristol", "E06000023"),        # "Bristol, City of"
    ("Durham", "E06000047"),         # "County Durham"
    ("St Helens", "E08000013"),      # "St. Helens"
    ("TR18", "E06000052"),           # postcode district (alias)
    ("tr18 4ab", "E06000052"),       # a full postcode finds its district
    ("Birmingam", "E08000025"),      # a typo
    ("Manchestr", "E08000003"),
])
def test_finds_the_right_area(uk, typed, area):
    found = uk.find(typed)
    assert found.unique is not None, f"{typed!r}: {found}"
    assert found.unique.place_id == area


def test_ambiguous_name_offers_a_choice(uk):
    found = uk.find("Newcastle")
    assert found.ambiguous and found.unique is None
    assert {m.place_id for m in found.matches} >= {"E08000021", "E07000195"}  # upon Tyne, under Lyme


def test_type_ahead_prefix(uk):
    found = uk.find("Caerd")
    assert found.matches and found.matches[0].place_id == "W06000015" and not found.ambiguous


def test_unknown_name_gives_no_match_but_suggestions(uk):
    assert uk.find("Xqzzy").matches == []
    assert uk.find("").matches == []
    near = uk.suggest("Penzanse Town")
    assert near and near[0].place_id == "E06000052"


def test_folding_and_variants():
    assert fold("King's Lynn & West Norfolk") == "kings lynn and west norfolk"
    assert fold("  Saint-Étienne ") == "saint etienne"
    assert "Bristol" in name_variants("Bristol, City of")
    assert "Edinburgh" in name_variants("City of Edinburgh")
    assert {"Brighton", "Hove"} <= set(name_variants("Brighton and Hove"))
    assert "Newcastle" in name_variants("Newcastle-under-Lyme")
    assert postcode_district("SW1A 1AA") == "sw1a" and postcode_district("Bristol") is None
