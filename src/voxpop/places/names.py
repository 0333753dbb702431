"""A place's name in the reader's language: the name the organiser's places give (`name`), unless the place
has one of its own in that language, from its context (a text value under `name_<code>`, e.g. `name_cy`, as
voxpop.places.finder also reads) or, for a UK code, from the packaged names (data/uk-area-names.csv for the
382 counting areas of 2016, data/uk-region-names.csv for their 12 regions and nations: see data/README.md).
Nothing is translated by machine: a place with no name in the language keeps the name it was given."""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

from voxpop.places.finder import uk_area_names


@cache
def packaged_names() -> dict[str, dict[str, str]]:
    """The packaged names by UK code: the counting areas' and their regions' (columns name, name_cy, ...)."""
    text = resources.files("voxpop.places").joinpath("data/uk-region-names.csv").read_text(encoding="utf-8")
    regions = {r["id"]: r for r in csv.DictReader(text.splitlines())}
    return regions | uk_area_names()


def name_in(place_id: str, name: str, language: str, context: dict | None = None) -> str:
    """`place_id`'s name in `language` (a language code such as "cy"), or `name` when it has none."""
    key = f"name_{language.split('-')[0].lower()}" if language else ""
    if not key or key == "name_":
        return name
    own = (context or {}).get(key)
    if isinstance(own, str) and own.strip():
        return own.strip()
    known = packaged_names().get(place_id, {}).get(key)
    return known.strip() if known and known.strip() else name


_ID_KEYS = ("id", "place", "cell")  # the keys that hold a place's id next to its "name" in a places section


def with_names(value: object, names: dict[str, str]) -> object:
    """A copy of `value` (a places section of the analysis, or a map layout, as JSON) with each place's "name"
    replaced by `names[place id]` where it has one (the object next to the name holds the place's id under
    "id", "place" or "cell"); everything else as it was. `value` itself is not changed."""
    if not names:
        return value
    if isinstance(value, list):
        return [with_names(v, names) for v in value]
    if not isinstance(value, dict):
        return value
    out = {k: with_names(v, names) for k, v in value.items()}
    if isinstance(out.get("name"), str):
        for k in _ID_KEYS:
            local = names.get(str(out.get(k))) if out.get(k) is not None else None
            if local:
                out["name"] = local
                break
    return out


def layout_with_names(layout: dict, names: dict[str, str]) -> dict:
    """A copy of a map layout (voxpop.places.layout) whose shapes carry their names in `names` where they have
    one, found by the shape's own id (a hex for Belfast keeps "Belfast", though its place is Northern Ireland)."""
    if not names or not isinstance(layout.get("shapes"), list):
        return layout
    shapes = []
    for s in layout["shapes"]:
        own = str(s.get("id") or s.get("place")) if isinstance(s, dict) else ""
        shapes.append({**s, "name": names[own]} if own in names else s)
    return {**layout, "shapes": shapes}
