"""JSON API: themes by place (docs/listening.md, "Themes by place"), the JSON twin of the map of themes on the
listening page and the results page.

  GET /api/v1/conversations/{cid}/listen/places[?level=area|region|...][&themes=published|latest]
      For each place at one level of the conversation's places, the listening theme most of its people spoke
      about, with counts and shares; places with fewer people than the conversation's min_cell (and those
      hidden so that a smaller count cannot be worked out) have no theme and no counts. By default the themes
      an organiser published (docs/listening.md, "Publishing the themes"), as on the results page: readable
      by whoever may read the results, 404 while none are published. `themes=latest`: the latest listening
      run's, as on the listening page, for the organisers who manage the conversation only. Those organisers
      also get `unmatched` (place names in the testimony that matched none of the conversation's places).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool

from voxpop import i18n
from voxpop.errors import Forbidden, NotFound
from voxpop.services import theme_places as TP
from voxpop.services.conversations import can_manage, get_conversation
from voxpop.web.api.common import API_PREFIX, check_results_visible, organiser_or_none, services

router = APIRouter(prefix=API_PREFIX, tags=["listening"])


def places_sync(request: Request, cid: str, level: str | None, which: TP.Which = "published") -> dict:
    with services(request).db.read() as s:
        conv = get_conversation(s, cid)
        check_results_visible(request, s, conv)
        manager = can_manage(conv, organiser_or_none(request, s))
        if which == "latest" and not manager:
            raise Forbidden(i18n.lazy_gettext("only the organisers who manage this conversation see "
                                              "listening themes that are not published; leave out "
                                              "themes=latest for the published ones"))
        tp = TP.theme_places(s, cid, level=level, which=which)
        if tp is None:
            if which == "latest":
                raise NotFound(i18n.lazy_gettext("this conversation has no listening themes with places yet: "
                                                 "it needs testimony analysed on its listening page and a "
                                                 "set of places"))
            if manager:
                raise NotFound(i18n.lazy_gettext("this conversation shows no listening themes by place: its "
                                                 "organisers have not published any (or it has no places); "
                                                 "themes=latest gives the latest run's"))
            raise NotFound(i18n.lazy_gettext("this conversation shows no listening themes by place: its organisers "
                                             "have not published any (or it has no places)"))
    return tp.data if manager else TP.public_data(tp)


@router.get("/conversations/{cid}/listen/places")
async def themes_by_place(
        cid: str, request: Request,
        level: Annotated[str | None, Query(max_length=50, description="a level of the conversation's places, "
                                           "e.g. area or region; default: the finest level with enough people")] = None,
        themes: Annotated[Literal["published", "latest"], Query(
            description="published (default): the themes on the results page; latest: the latest listening "
                        "run's, organisers who manage the conversation only")] = "published",
) -> dict:
    """Themes by place: each place's most-mentioned listening theme, small cells suppressed (schema
    voxpop.themes_by_place, docs/listening.md). 404 when the conversation has no published listening themes
    (or, with themes=latest, none at all) or no places; 422 for an unknown level; 403 when its results are not
    shown to you, or themes=latest from someone who does not manage it."""
    return await run_in_threadpool(places_sync, request, cid, level, themes)
