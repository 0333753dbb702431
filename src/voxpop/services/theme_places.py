"""Themes by place for a conversation: its listening themes (Artifact "listen_themes": the published run's
for the results page and the public JSON, the latest run's for the organisers' listening page; see
services.theme_publishing), its places (registry, place finder with the organiser's aliases) and its
small-cell rule (places settings' min_cell), put together by voxpop.places.themes. Used by the listening page,
the results page and their JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voxpop.errors import Invalid
from voxpop.places.themes import match_place, place_of_level, themes_by_place
from voxpop.services import theme_publishing
from voxpop.store.models import Artifact, Place, PlaceAlias
from voxpop.store.places import finder_for, settings_of, stored_layout, stored_registry

_CACHE_MAX = 64
Which = Literal["published", "latest"]  # the published run's themes (what the public may see), or the latest run's


@dataclass(frozen=True)
class ThemePlaces:
    data: dict  # voxpop.places.themes.themes_by_place (JSON-ready)
    place_of: dict[str, str]  # every place id -> the id of the place shown for it (its ancestor at the level)


_cache: dict[tuple, ThemePlaces] = {}


def theme_places(s: Session, cid: str, *, level: str | None = None, which: Which = "published") -> ThemePlaces | None:
    """The conversation's themes by place, or None when it has no such listening themes (`which`: the published
    run's, the default, or the latest run's) or no places. Computed once per themes, places, aliases, min_cell
    and level (kept in memory). Invalid for an unknown level."""
    art = (theme_publishing.latest_artifact(s, cid) if which == "latest"
           else theme_publishing.published_artifact(s, cid))
    if art is None:
        return None
    stamp = (s.execute(select(func.count(Place.id), func.max(Place.id)).where(Place.conversation_id == cid)).one(),
             s.execute(select(func.count(PlaceAlias.id), func.max(PlaceAlias.id))
                       .where(PlaceAlias.conversation_id == cid)).one())
    if not stamp[0][0]:
        return None
    min_cell = int(settings_of(s, cid)["min_cell"])
    ck = (cid, art, tuple(stamp[0]), tuple(stamp[1]), min_cell, level)
    hit = _cache.get(ck)
    if hit is not None:
        return hit
    registry = stored_registry(s, cid)
    finder = finder_for(s, cid)
    if registry is None or finder is None:
        return None
    section = s.execute(select(Artifact.payload).where(Artifact.id == art)).scalar() or {}
    try:
        data = themes_by_place(section, registry, lambda text: match_place(finder, text), min_cell=min_cell,
                               level=level)
    except ValueError as e:
        raise Invalid(str(e)) from None
    out = ThemePlaces(data, place_of_level(registry, data["level"]) if data["level"] else {})
    if len(_cache) >= _CACHE_MAX:
        _cache.clear()
    _cache[ck] = out
    return out


def public_data(tp: ThemePlaces) -> dict:
    """What anyone who may read the results sees: no place names people typed that matched no place."""
    return {k: v for k, v in tp.data.items() if k != "unmatched"}


def layout_for(s: Session, cid: str) -> dict | None:
    """The conversation's map layout (uploaded, or the packaged UK map for the UK's counting areas)."""
    return stored_layout(s, cid)
