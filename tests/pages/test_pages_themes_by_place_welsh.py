"""Themes by place in the reader's language (the real app on SQLite, in-process): in Welsh the places carry
their Welsh names where the packaged place data has them ("Caerdydd", "Abertawe", "Cymru") and the words
around the themes are Welsh, while a theme's name stays in the language of the testimony it came from
(never machine-translated), marked with that language."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from voxpop.places.io import read_places
from voxpop.places.layout import referendum_places_path
from voxpop.places.names import layout_with_names, name_in, with_names
from voxpop.services import theme_publishing
from voxpop.store.places import replace_places
from voxpop.store.queries import add_artifact
from voxpop.web.api.listen import THEMES_KIND


def _section() -> dict:
    """Six people from Cardiff and six from Swansea speaking about rent (in English), two from Newport (too few
    to show)."""
    where = ["Cardiff"] * 6 + ["Swansea"] * 6 + ["Newport"] * 2
    return {"schema": "voxpop.themes", "themes": [{"id": 0, "label": "Rent", "language": "en"}],
            "testimonies": [{"id": f"t{k}", "speaker": f"P{k}", "place": p, "claims": [f"t{k}:0"], "text": "."}
                            for k, p in enumerate(where)],
            "claims": [{"id": f"t{k}:0", "testimony": f"t{k}", "theme": 0} for k in range(len(where))]}


@pytest.fixture
def cid(app, seeded):
    cid = seeded["cid"]
    with app.state.voxpop.db.write() as s:
        replace_places(s, cid, read_places(referendum_places_path(), "eu-referendum-2016"))
        add_artifact(s, cid, THEMES_KIND, _section())
        theme_publishing.publish(s, cid, organiser_id=None)
    return cid


def _section_html(page: str) -> str:
    return re.search(r'<section id="themes-by-place".*?</section>', page, re.S)[0]


def _rows(html: str) -> list[tuple[str, str, str]]:
    """(place, area, theme cell) of each row of the table."""
    return [tuple(re.sub(r"<[^>]+>", "", c).strip() for c in m)
            for m in re.findall(r'<tr id="themes-map-row-[^"]+" class="\w+"><th scope="row">(.*?)</th><td>(.*?)</td>'
                                r'<td>(.*?)</td></tr>', html)]


def test_welsh_readers_read_welsh_place_names_around_the_testimonys_own_theme_names(app, cid):
    with TestClient(app) as reader:
        cy = _section_html(reader.get(f"/c/{cid}/results?lang=cy&level=area").text)
        en = _section_html(reader.get(f"/c/{cid}/results?lang=en&level=area").text)
    assert _rows(en) == [("Cardiff", "Wales", "not shown, so that a smaller count nearby cannot be worked out"),
                         ("Newport", "Wales", "too few to show (fewer than 5 people)"), ("Swansea", "Wales", "Rent")]
    rows = _rows(cy)  # in the order of the Welsh names
    assert [r[:2] for r in rows] == [("Abertawe", "Cymru"), ("Caerdydd", "Cymru"), ("Casnewydd", "Cymru")]
    assert rows[0][2] == "Rent" and '<span lang="en">Rent</span>' in cy  # the testimony's words, marked English
    assert rows[2][2] == "rhy ychydig i’w dangos (llai na 5 o bobl)" and rows[1][2] != _rows(en)[0][2]  # our words
    words = re.sub(r"<[^>]+>", " ", cy)  # what is read (the ids and values in tags are not)
    for english in ("Cardiff", "Swansea", "Newport", "Wales", "Themes by place", "Spoken about most", "Map key",
                    "places)", "The theme people from each", "Counts and shares by place", "as JSON", "too few",
                    "not shown", "area"):
        assert english not in words, english
    # the map: each hex titled with its place's Welsh name
    assert 'aria-label="Abertawe: Rent"' in cy and 'aria-label="Caerdydd: ' in cy
    assert 'aria-label="Swansea: Rent"' in en


def test_welsh_names_come_from_the_packaged_data_or_the_places_own_context():
    assert name_in("W06000015", "Cardiff", "cy") == "Caerdydd"
    assert name_in("W92000004", "Wales", "cy") == "Cymru" and name_in("S92000003", "Scotland", "cy") == "Yr Alban"
    assert name_in("E08000035", "Leeds", "cy") == "Leeds"  # the same in Welsh
    assert name_in("W06000015", "Cardiff", "en") == "Cardiff" and name_in("W06000015", "Cardiff", "ar") == "Cardiff"
    assert name_in("X1", "Hometown", "cy") == "Hometown"  # no Welsh name: kept, never machine-translated
    assert name_in("X1", "Hometown", "cy", {"name_cy": "Trefgartref"}) == "Trefgartref"
    assert name_in("W06000015", "Cardiff City", "cy", {"name_cy": 3.0}) == "Caerdydd"  # a number is no name


def test_a_places_section_and_a_layout_take_the_readers_names_without_changing_the_stored_ones():
    section = {"places": [{"id": "W06000015", "name": "Cardiff", "parent": "W92000004"}],
               "next": [{"place": "W06000015", "name": "Cardiff"}], "kinds": [{"cell": "urban", "name": "urban"}],
               "weighting": [{"name": "place", "cells": 3}]}
    local = with_names(section, {"W06000015": "Caerdydd"})
    assert local["places"][0]["name"] == local["next"][0]["name"] == "Caerdydd"
    assert local["kinds"] == section["kinds"] and local["weighting"] == section["weighting"]
    assert section["places"][0]["name"] == "Cardiff"  # a copy
    layout = {"width": 10, "shapes": [{"id": "W06000015", "place": "W06000015", "name": "Cardiff", "d": "M0 0Z"},
                                      {"id": "N09000003", "place": "N92000002", "name": "Belfast", "d": "M1 1Z"}]}
    shapes = layout_with_names(layout, {"W06000015": "Caerdydd", "N92000002": "Gogledd Iwerddon"})["shapes"]
    assert [s["name"] for s in shapes] == ["Caerdydd", "Belfast"]  # a hex keeps its own name (Belfast)
    assert layout["shapes"][0]["name"] == "Cardiff"
