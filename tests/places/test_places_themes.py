"""Themes by place (voxpop.places.themes): each place's most-mentioned listening theme, small cells suppressed
(also against subtraction), the level chosen, place names matched through the place finder."""

from __future__ import annotations

import pytest

from voxpop.places.finder import PlaceFinder, place_aliases
from voxpop.places.registry import PlaceRecord, build_registry
from voxpop.places.themes import match_place, place_of_level, themes_by_place
from voxpop.report.themes_map import themes_map

PLACES = [("N", "North", None, "region"), ("S", "South", None, "region"),
          ("N1", "Leeds", "N", "area"), ("N2", "Bradford", "N", "area"), ("N3", "York", "N", "area"),
          ("S1", "Cornwall", "S", "area"), ("S2", "Bristol, City of", "S", "area")]
THEMES = {0: "Bus services", 1: "Rent and housing", 2: "Libraries"}


def registry():
    return build_registry([PlaceRecord(id=i, name=n, parent=p, level=lv, population=1000.0 if p else None)
                           for i, n, p, lv in PLACES], source="test places")


def finder():
    reg = registry()
    return PlaceFinder.build([(a, pid) for i, pid in enumerate(reg.ids) for a in place_aliases(pid, reg.names[i])])


def section(people: list[tuple[str, str | None, list[int | None]]]) -> dict:
    """A listening themes section: one testimony per (speaker, place, themes of its sentences)."""
    testimonies, claims = [], []
    for k, (speaker, place, themes) in enumerate(people):
        tid = f"t{k}"
        ids = [f"{tid}:{j}" for j in range(len(themes))]
        testimonies.append({"id": tid, "speaker": speaker, "place": place, "claims": ids, "text": "..."})
        claims += [{"id": c, "testimony": tid, "theme": th} for c, th in zip(ids, themes, strict=True)]
    return {"testimonies": testimonies, "claims": claims,
            "themes": [{"id": i, "label": label} for i, label in THEMES.items()]}


def compute(people, **kw):
    f = finder()
    return themes_by_place(section(people), registry(), lambda text: match_place(f, text), **kw)


def crowd(place: str | None, n: int, themes: list[int | None], prefix: str = "") -> list:
    return [(f"{prefix}{place}-{i}", place, themes) for i in range(n)]


def by_name(data: dict) -> dict[str, dict]:
    return {r["name"]: r for r in data["places"]}


def test_each_place_shows_the_theme_most_of_its_people_spoke_about():
    people = (crowd("Leeds", 4, [0, 0, 1]) + crowd("Leeds", 2, [1], "b") + crowd("Cornwall", 5, [1, 2])
              + crowd("Bristol", 6, [2]))
    data = compute(people)
    assert data["level"] == "area" and data["min_cell"] == 5 and data["n_people"] == 17
    rows = by_name(data)
    leeds = rows["Leeds"]
    assert leeds["status"] == "shown" and leeds["n_people"] == 6 and leeds["parent_name"] == "North"
    # 4 people spoke about buses (in 8 sentences), all 6 about rent: rent leads, by people, not sentences
    assert leeds["top"]["label"] == "Rent and housing" and leeds["top"]["n_people"] == 6
    assert leeds["top"]["share"] == 1.0 and leeds["top"]["tied_with"] == []
    assert [(t["label"], t["n_people"], t["n_sentences"]) for t in leeds["themes"]] == [
        ("Rent and housing", 6, 6), ("Bus services", 4, 8)]
    # Cornwall: a tie between rent and libraries is reported as a tie
    assert rows["Cornwall"]["top"]["n_people"] == 5 and rows["Cornwall"]["top"]["tied_with"] == [2]
    assert rows["Bristol, City of"]["top"]["label"] == "Libraries"
    # the key lists the themes that lead somewhere, most places first
    assert [(t["label"], t["places"]) for t in data["themes"]] == [("Rent and housing", 2), ("Libraries", 1)]
    assert data["not_placed"] == {"n_people": 0, "status": "shown"}


def test_a_place_with_too_few_people_shows_neither_theme_nor_counts():
    people = crowd("Leeds", 6, [0]) + crowd("Cornwall", 7, [1]) + crowd("York", 3, [2]) + crowd(None, 2, [2])
    data = compute(people)
    york = by_name(data)["York"]
    assert york["status"] == "too_few"
    assert york["top"] is None and york["themes"] == [] and york["n_people"] is None and york["n_testimonies"] is None
    assert "Libraries" not in [t["label"] for t in data["themes"]]  # York's theme is nowhere
    # York (3) and the 2 people with no place are hidden together: 5, so neither can be worked out
    assert data["not_placed"] == {"n_people": None, "status": "too_few"}
    assert by_name(data)["Leeds"]["status"] == by_name(data)["Cornwall"]["status"] == "shown"


def test_hidden_people_never_add_up_to_a_small_number():
    # York's 2 people would be the total (17) minus Leeds and Cornwall: the smallest other place hides too
    people = crowd("Leeds", 9, [0]) + crowd("Cornwall", 6, [1]) + crowd("York", 2, [2])
    rows = by_name(compute(people))
    assert rows["York"]["status"] == "too_few"
    assert rows["Cornwall"]["status"] == "hidden" and rows["Cornwall"]["top"] is None
    assert rows["Cornwall"]["n_people"] is None
    assert rows["Leeds"]["status"] == "shown"
    # and with the conversation's own rule (min_cell 2) York is shown
    assert by_name(compute(people, min_cell=2))["York"]["status"] == "shown"


def test_too_few_people_per_area_groups_places_by_region():
    people = (crowd("Leeds", 2, [0]) + crowd("Bradford", 2, [0]) + crowd("York", 2, [1])
              + crowd("Cornwall", 3, [1]) + crowd("Bristol", 3, [1]))
    data = compute(people)
    assert data["level"] == "region" and data["finest"] == "area" and not data["level_asked"]
    assert themes_map(data, None, {}).coarser  # the page says why: too few people per area
    assert {r["name"]: (r["status"], r["top"]["label"]) for r in data["places"]} == {
        "North": ("shown", "Bus services"), "South": ("shown", "Rent and housing")}
    assert by_name(data)["North"]["n_people"] == 6
    # every area maps to its region on the map
    assert place_of_level(registry(), "region") == {"N": "N", "S": "S", "N1": "N", "N2": "N", "N3": "N",
                                                    "S1": "S", "S2": "S"}
    # the level can be forced; an unknown one is refused with the choices
    forced = compute(people, level="area")
    assert forced["level"] == "area" and {r["status"] for r in forced["places"]} == {"too_few"}
    regions = compute(people, level="region")
    assert regions["level_asked"] and not themes_map(regions, None, {}).coarser
    with pytest.raises(ValueError, match="choose one of region, area"):
        compute(people, level="ward")


def test_people_are_speakers_at_a_place_and_sentences_in_other_count_for_no_theme():
    # one speaker with three testimonies is one person; a speaker whose sentences are all "other" has no theme
    people = ([("Ana", "Leeds", [0]), ("Ana", "Leeds", [0, None]), ("Ana", "Leeds", [1])]
              + crowd("Leeds", 4, [None]))
    leeds = by_name(compute(people))["Leeds"]
    assert leeds["n_people"] == 5 and leeds["n_testimonies"] == 7
    assert [(t["label"], t["n_people"], t["share"]) for t in leeds["themes"]] == [
        ("Bus services", 1, 0.2), ("Rent and housing", 1, 0.2)]


def test_place_names_are_matched_by_the_place_finder_never_guessed():
    f = finder()
    assert match_place(f, "leeds") == "N1"
    assert match_place(f, "Bristol") == "S2"  # "Bristol, City of"
    assert match_place(f, "Cornwal") == "S1"  # a typo
    assert match_place(f, "Atlantis") is None and match_place(f, "") is None and match_place(f, None) is None
    people = crowd("Leeds", 5, [0]) + crowd("LEEDS ", 1, [0], "x") + crowd("Atlantis", 5, [1])
    data = compute(people)
    assert by_name(data)["Leeds"]["n_people"] == 6
    assert data["unmatched"] == [{"place": "Atlantis", "n_testimonies": 5}]
    assert data["not_placed"] == {"n_people": 5, "status": "shown"}


def test_the_map_and_table_never_show_a_suppressed_place():
    people = crowd("Leeds", 6, [0]) + crowd("Cornwall", 7, [1]) + crowd("York", 3, [2]) + crowd(None, 2, [2])
    data = compute(people)
    layout = {"width": 100, "height": 100, "shapes": [
        {"id": s, "place": s, "name": n, "d": "M0 0L1 0L1 1Z"} for s, n in (("N1", "Leeds"), ("N3", "York"),
                                                                           ("S1", "Cornwall"), ("S2", "Bristol"))]}
    m = themes_map(data, layout, place_of_level(registry(), data["level"]))
    svg = str(m.svg)
    assert 'aria-label="York: too few to show (fewer than 5 people)"' in svg
    assert 'aria-label="Leeds: Bus services"' in svg and 'fill="url(#themes-map-p0)"' in svg
    assert "<title>Bristol: no testimony from here</title>" in svg and 'href="#themes-map-row-S2"' not in svg
    assert "Libraries" not in svg
    rows = {r.name: r for r in m.rows}
    assert rows["York"].text == "too few to show (fewer than 5 people)" and rows["York"].themes == []
    assert [(k.label, k.count) for k in m.keys if k.count] == [
        ("too few to show (fewer than 5 people)", 1), ("Bus services", 1), ("Rent and housing", 1)]
    assert len({k.pattern for k in m.keys if k.pattern_id}) == len([k for k in m.keys if k.pattern_id])
