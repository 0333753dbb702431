"""Themes by place on the listening page and the results page: what both pass to the partial template
report/themes_by_place.html (`tmap`, `tmap_json`, the level form). The data is voxpop.services.theme_places';
the drawing voxpop.report.themes_map's. `?level=region` (a level of the conversation's places) chooses the
level shown; an unknown level is ignored (the default level is shown). The results page shows the published
listening run's themes (services.theme_publishing), the listening page the latest run's."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request
from sqlalchemy.orm import Session

from voxpop import i18n
from voxpop.errors import Invalid
from voxpop.report.themes_map import ThemesMap, level_word, themes_map
from voxpop.services import theme_places as TP
from voxpop.store.places import names_in
from voxpop.web.api.common import API_PREFIX

KEEP = ("group", "colour")  # the results page's other choices, kept when the level changes

Loaded = tuple[dict, dict[str, str], dict | None, dict[str, str]]


def _level(request: Request | None) -> str | None:
    level = request.query_params.get("level") if request is not None else None
    return level[:50] if level else None


def load(s: Session, cid: str, *, manager: bool, request: Request | None = None,
         which: TP.Which = "published") -> Loaded | None:
    """(data, place_of, layout, names) for the page, read inside the page's session; None when there is
    nothing to show. `names`: the places' names in the reader's language where they have one ("Cymru" for
    "Wales" in Welsh; voxpop.places.names). Readers who do not manage the conversation get the public data; `which` themes: the published run's
    (results page) or the latest run's (the organisers' listening page)."""
    try:
        tp = TP.theme_places(s, cid, level=_level(request), which=which)
    except Invalid:  # a level this conversation's places do not have: show the default one
        tp = TP.theme_places(s, cid, which=which)
    if tp is None:
        return None
    return (tp.data if manager else TP.public_data(tp)), tp.place_of, TP.layout_for(s, cid), names_in(s, cid, i18n.current())


def context(cid: str, loaded: Loaded | None, *, id_prefix: str = "themes-map", manager: bool = False,
            request: Request | None = None, which: TP.Which = "published") -> dict:
    """The template variables (built in the request, so in the reader's language); `manager` links the
    organiser's places page (where unmatched place names can become aliases); `which` as in load (the JSON
    link asks for the same themes)."""
    tmap: ThemesMap | None = None
    levels: list[tuple[str, str]] = []
    keep: dict[str, str] = {}
    current = None
    json_url = f"{API_PREFIX}/conversations/{cid}/listen/places"
    query: dict[str, str] = {"themes": "latest"} if which == "latest" else {}
    if loaded is not None:
        data, place_of, layout, names = loaded
        tmap = themes_map(data, layout, place_of, id_prefix=id_prefix, names=names)
        levels = [(lv, level_word(lv)) for lv in data.get("levels") or []]
        current = data.get("level")
        if request is not None:
            keep = {k: request.query_params[k][:100] for k in KEEP if request.query_params.get(k)}
        if _level(request) == data.get("level"):
            query["level"] = data["level"]
    if query:
        json_url += "?" + urlencode(query)
    return {"tmap": tmap, "tmap_json": json_url, "tmap_places_url": f"/organiser/c/{cid}/places" if manager else None,
            "tmap_levels": levels if len(levels) > 1 else [], "tmap_keep": keep,
            "tmap_level": current}
