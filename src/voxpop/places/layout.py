"""Map layouts for a place set: a HexJSON hex cartogram or GeoJSON boundaries, turned into SVG paths.

A layout is plain JSON (stored with a conversation's places, see voxpop.store.places):
    {"kind": "hexjson" | "geojson", "source": "...", "width": W, "height": H,
     "shapes": [{"id": shape id, "place": place id, "name": "...", "d": "M.. L.. Z"}, ...]}
Paths are in a box W wide (WIDTH) with north up; each shape belongs to one place (several shapes may
belong to the same place: Northern Ireland's 11 district hexes are its one 2016 counting area).

HexJSON (https://open-innovations.org/projects/hexmaps/hexjson): {"layout": "odd-r" | "even-r" |
"odd-q" | "even-q", "hexes": {ID: {"q": col, "r": row, "n"/"name": ..., "place": optional}}}; rows grow
northwards. GeoJSON: a FeatureCollection of Polygon / MultiPolygon features; the place id comes from
`id_property` (or "place", "id", "code"), or the feature's id. Longitude/latitude are drawn with an
equirectangular projection at the layout's mean latitude; projected coordinates (|x| > 360) as they are.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from importlib import resources
from typing import Any

from voxpop import i18n
from voxpop.places.registry import PlaceError

WIDTH = 600.0
MAX_SHAPES = 20_000
MAX_POINTS = 400_000
DEFAULT_UK = "uk-local-authority-districts-2016.hexjson"
# the 2016 referendum counted Northern Ireland as one area; the hex map draws its 11 council districts
UK_PLACE_OF = {"N09": "N92000002"}


def _r(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _path(points: list[tuple[float, float]]) -> str:
    return "M" + "L".join(f"{_r(x)} {_r(y)}" for x, y in points) + "Z"


def from_hexjson(data: Any, *, source: str = "HexJSON", place_of: dict[str, str] | None = None) -> dict:
    """A layout from a HexJSON object (see the module docstring); errors say what to fix."""
    if not isinstance(data, dict) or not isinstance(data.get("hexes"), dict) or not data["hexes"]:
        raise PlaceError(source, i18n.lazy_gettext("not a HexJSON layout"),
                         fix=i18n.lazy_gettext("give an object with \"layout\" and \"hexes\": {ID: {\"q\", "
                                               "\"r\"}}"))
    kind = str(data.get("layout") or "odd-r")
    if kind not in ("odd-r", "even-r", "odd-q", "even-q"):
        raise PlaceError(source, i18n.lazy_gettext("unknown hex layout %(kind)s", kind=repr(kind)),
                         fix=i18n.lazy_gettext("use odd-r, even-r, odd-q or even-q"))
    if len(data["hexes"]) > MAX_SHAPES:
        raise PlaceError(source, i18n.lazy_gettext("%(n)s hexes", n=len(data['hexes'])),
                         fix=i18n.lazy_gettext("give at most %(max_shapes)s", max_shapes=format(MAX_SHAPES, ',')))
    cells = []
    for hid, h in data["hexes"].items():
        if not isinstance(h, dict) or not all(isinstance(h.get(k), int | float) for k in ("q", "r")):
            raise PlaceError(source, i18n.lazy_gettext("hex %(hid)s has no numeric q and r", hid=repr(hid)),
                             fix=i18n.lazy_gettext("give every hex integer q and r"))
        cells.append((str(hid), int(h["q"]), int(h["r"]), h))
    pointy = kind.endswith("-r")
    odd = kind.startswith("odd")
    s = 1.0
    w, hgt = (math.sqrt(3) * s, 2 * s) if pointy else (2 * s, math.sqrt(3) * s)
    centres = []
    for _hid, q, r, _ in cells:
        if pointy:
            shift = (w / 2) if ((r % 2 == 1) == odd) else 0.0
            centres.append((q * w + shift, -r * 1.5 * s))
        else:
            shift = (hgt / 2) if ((q % 2 == 1) == odd) else 0.0
            centres.append((q * 1.5 * s, -(r * hgt + shift)))
    corners = [(math.cos(math.radians(a)), math.sin(math.radians(a)))
               for a in ((30, 90, 150, 210, 270, 330) if pointy else (0, 60, 120, 180, 240, 300))]
    xs = [c[0] for c in centres]
    ys = [c[1] for c in centres]
    x0, y0 = min(xs) - w / 2, min(ys) - hgt / 2
    span_x, span_y = max(xs) + w / 2 - x0, max(ys) + hgt / 2 - y0
    k = WIDTH / span_x
    shapes = []
    for (hid, _q, _r2, h), (cx, cy) in zip(cells, centres, strict=True):
        pts = [((cx + 0.96 * s * dx - x0) * k, (cy + 0.96 * s * dy - y0) * k) for dx, dy in corners]
        shapes.append({"id": hid, "place": str(h.get("place") or _mapped(hid, place_of)),
                       "name": str(h.get("n") or h.get("name") or hid), "d": _path(pts)})
    return {"kind": "hexjson", "source": source, "width": WIDTH, "height": round(span_y * k, 1), "shapes": shapes}


def _mapped(shape_id: str, place_of: dict[str, str] | None) -> str:
    for prefix, place in (place_of or {}).items():
        if shape_id.startswith(prefix):
            return place
    return shape_id


def _rings(geom: dict) -> list[list]:
    t, coords = geom.get("type"), geom.get("coordinates")
    if t == "Polygon" and isinstance(coords, list):
        return coords
    if t == "MultiPolygon" and isinstance(coords, list):
        return [ring for poly in coords if isinstance(poly, list) for ring in poly]
    return []


def from_geojson(data: Any, *, source: str = "GeoJSON", id_property: str | None = None) -> dict:
    """A layout from a GeoJSON FeatureCollection of (Multi)Polygons (see the module docstring)."""
    feats = data.get("features") if isinstance(data, dict) else None
    if not isinstance(feats, list) or not feats:
        raise PlaceError(source, i18n.lazy_gettext("not a GeoJSON FeatureCollection with features"),
                         fix=i18n.lazy_gettext("give {\"type\": \"FeatureCollection\", \"features\": [...]} "
                                               "of Polygon or MultiPolygon"))
    if len(feats) > MAX_SHAPES:
        raise PlaceError(source, i18n.lazy_gettext("%(n)s features", n=len(feats)),
                         fix=i18n.lazy_gettext("give at most %(max_shapes)s", max_shapes=format(MAX_SHAPES, ',')))
    items, n_points = [], 0
    for i, f in enumerate(feats):
        if not isinstance(f, dict) or not isinstance(f.get("geometry"), dict):
            continue
        props: dict = f["properties"] if isinstance(f.get("properties"), dict) else {}
        keys = [id_property] if id_property else ["place", "id", "code"]
        pid = next((props[k] for k in keys if k and props.get(k) not in (None, "")), f.get("id"))
        if pid is None:
            raise PlaceError(source, i18n.lazy_gettext("feature %(value)s has no place id", value=i + 1),
                             fix=i18n.lazy_gettext("give each feature a %(value)s property matching a place "
                                                   "id", value=repr(id_property or 'place')))
        rings = []
        for ring in _rings(f["geometry"]):
            pts = [(float(p[0]), float(p[1])) for p in ring if isinstance(p, list | tuple) and len(p) >= 2]
            if len(pts) >= 3:
                rings.append(pts)
                n_points += len(pts)
        if rings:
            items.append((str(pid), str(props.get("name") or pid), rings))
    if not items:
        raise PlaceError(source, i18n.lazy_gettext("no Polygon or MultiPolygon features"),
                         fix=i18n.lazy_gettext("give polygons for the places"))
    if n_points > MAX_POINTS:
        raise PlaceError(source, i18n.lazy_gettext("%(n_points)s boundary points", n_points=format(n_points, ',')),
                         fix=i18n.lazy_gettext("simplify the boundaries to %(max_points)s", max_points=format(MAX_POINTS, ',')))
    all_pts = [p for _, _, rings in items for ring in rings for p in ring]
    geographic = all(abs(x) <= 360 and abs(y) <= 90 for x, y in all_pts)
    lat0 = sum(y for _, y in all_pts) / len(all_pts) if geographic else 0.0
    fx = math.cos(math.radians(lat0)) if geographic else 1.0
    xs = [x * fx for x, _ in all_pts]
    ys = [-y for _, y in all_pts]
    x0, y0 = min(xs), min(ys)
    span_x, span_y = max(max(xs) - x0, 1e-9), max(max(ys) - y0, 1e-9)
    k = WIDTH / span_x
    shapes = []
    for pid, name, rings in items:
        d = "".join(_path([((x * fx - x0) * k, (-y - y0) * k) for x, y in ring]) for ring in rings)
        shapes.append({"id": pid, "place": pid, "name": name, "d": d})
    return {"kind": "geojson", "source": source, "width": WIDTH, "height": round(span_y * k, 1), "shapes": shapes}


def read_layout(text: str | bytes, name: str, *, id_property: str | None = None) -> dict:
    """A layout from an uploaded file's text: HexJSON (an object with "hexes") or GeoJSON."""
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as e:
        raise PlaceError(name, i18n.lazy_gettext("not JSON (%(e)s)", e=e),
                         fix=i18n.lazy_gettext("upload a .hexjson or .geojson file")) from None
    if isinstance(data, dict) and "hexes" in data:
        return from_hexjson(data, source=name)
    return from_geojson(data, source=name, id_property=id_property)


def match(layout: dict, place_ids: set[str]) -> tuple[int, list[str]]:
    """(shapes that belong to a known place, ids of the shapes that belong to none)."""
    shapes = layout.get("shapes") or []
    unknown = [s["id"] for s in shapes if s.get("place") not in place_ids]
    return len(shapes) - len(unknown), unknown


@lru_cache(maxsize=1)
def default_uk_layout() -> dict:
    """The packaged UK hex map (one hex per local authority district, 2016)."""
    text = resources.files("voxpop.places").joinpath("data", DEFAULT_UK).read_text(encoding="utf-8")
    return from_hexjson(json.loads(text), source="UK local authority districts hex map (Open Innovations, MIT)",
                        place_of=UK_PLACE_OF)


def referendum_places_path():
    """The packaged 2016 referendum counting areas (the demo's places; read with the eu-referendum-2016 mapping)."""
    return resources.files("voxpop.places").joinpath("data", "eu-referendum-2016-by-area.csv")


def default_layout_for(place_ids: set[str]) -> dict | None:
    """The packaged UK map when most of its shapes belong to these places, else None."""
    uk = default_uk_layout()
    n, _ = match(uk, place_ids)
    return uk if n >= 0.5 * len(uk["shapes"]) else None
