"""JSON API: themes by place (docs/listening.md, "Themes by place"), the JSON twin of the map of themes on the
listening page and the results page.

  GET /api/v1/conversations/{cid}/listen/places[?level=area|region|...]
      For each place at one level of the conversation's places, the listening theme most of its people spoke
      about, with counts and shares; places with fewer people than the conversation's min_cell (and those
      hidden so that a smaller count cannot be worked out) have no theme and no counts. Readable by whoever
      may read the results; the organisers who manage the conversation also get `unmatched` (place names in
      the testimony that matched none of the conversation's places).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool

from voxpop.errors import NotFound
from voxpop.services import theme_places as TP
from voxpop.services.conversations import can_manage, get_conversation
from voxpop.web.api.common import API_PREFIX, check_results_visible, organiser_or_none, services

router = APIRouter(prefix=API_PREFIX, tags=["listening"])


def places_sync(request: Request, cid: str, level: str | None) -> dict:
    with services(request).db.read() as s:
        conv = get_conversation(s, cid)
        check_results_visible(request, s, conv)
        tp = TP.theme_places(s, cid, level=level)
        if tp is None:
            raise NotFound("this conversation has no listening themes with places yet: it needs testimony "
                           "analysed on its listening page and a set of places")
        manager = can_manage(conv, organiser_or_none(request, s))
    return tp.data if manager else TP.public_data(tp)


@router.get("/conversations/{cid}/listen/places")
async def themes_by_place(
        cid: str, request: Request,
        level: Annotated[str | None, Query(max_length=50, description="a level of the conversation's places, "
                                           "e.g. area or region; default: the finest level with enough people")] = None,
) -> dict:
    """Themes by place: each place's most-mentioned listening theme, small cells suppressed (schema
    voxpop.themes_by_place, docs/listening.md). 404 when the conversation has no listening themes or no places;
    422 for an unknown level; 403 when its results are not shown to you."""
    return await run_in_threadpool(places_sync, request, cid, level)
