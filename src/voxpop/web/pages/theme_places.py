"""Themes by place on the listening page and the results page: what both pass to the partial template
report/themes_by_place.html (`tmap`, `tmap_json`). The data is voxpop.services.theme_places'; the drawing
voxpop.report.themes_map's."""

from __future__ import annotations

from sqlalchemy.orm import Session

from voxpop.report.themes_map import ThemesMap, themes_map
from voxpop.services import theme_places as TP
from voxpop.web.api.common import API_PREFIX


def load(s: Session, cid: str, *, manager: bool) -> tuple[dict, dict[str, str], dict | None] | None:
    """(data, place_of, layout) for the page, read inside the page's session; None when there is nothing to
    show. Readers who do not manage the conversation get the public data."""
    tp = TP.theme_places(s, cid)
    if tp is None:
        return None
    return (tp.data if manager else TP.public_data(tp)), tp.place_of, TP.layout_for(s, cid)


def context(cid: str, loaded: tuple[dict, dict[str, str], dict | None] | None, *,
            id_prefix: str = "themes-map") -> dict:
    """The template variables (built in the request, so in the reader's language)."""
    tmap: ThemesMap | None = None
    if loaded is not None:
        data, place_of, layout = loaded
        tmap = themes_map(data, layout, place_of, id_prefix=id_prefix)
    return {"tmap": tmap, "tmap_json": f"{API_PREFIX}/conversations/{cid}/listen/places"}
