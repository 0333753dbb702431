"""The results page: opinion map, groups and what they stand for, common ground, bridging statements and
every statement's votes by group. Drawn by voxpop.report (the same SVG as the HTML report).
JSON twin: /api/v1/conversations/{cid}/analysis.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool

from voxpop import i18n
from voxpop.analysis.schema import stored
from voxpop.errors import ServiceError
from voxpop.report.placemap import place_map
from voxpop.report.places import build_places
from voxpop.report.svg import map_positions
from voxpop.report.view import build_view
from voxpop.report.words import summary as plain_summary
from voxpop.services import translations as T
from voxpop.services.conversations import get_conversation
from voxpop.services.standing import participant_standing
from voxpop.store.group_names import group_names
from voxpop.store.places import stored_layout
from voxpop.web.api.common import API_PREFIX, participant_id, services
from voxpop.web.api.results import analysis_for
from voxpop.web.caching import conditional
from voxpop.web.pages import theme_places as TPP
from voxpop.web.pages.common import render, service_error_page
from voxpop.web.pages.participate import participant_nav

router = APIRouter(include_in_schema=False)
MAX_BARS = 150  # statements drawn with bars on one page


@router.get("/c/{cid}/results")
async def results(cid: str, request: Request) -> Response:
    def go(pk):
        res = analysis_for(request, cid)  # Forbidden when the organisers hide results
        with services(request).db.read() as s:
            conv = get_conversation(s, cid)
            mine = participant_standing(s, cid, pk) if pk is not None and res.get("document") else None
            names = group_names(s, cid)
            doc = stored(res["document"])
            layout = stored_layout(s, cid) if doc and doc["places"] else None
            if doc:  # statements in the reader's language where the organisers gave a translation
                res = {**res, "document": T.document_for_reader(s, conv, doc, i18n.current())}
            themes = TPP.load(s, cid, manager=False, request=request)
        return conv, res, mine, names, layout, themes

    try:
        pk = await participant_id(request, Response(), cid, create=False)
        conv, res, mine, names, layout, themes = await run_in_threadpool(go, pk)
    except ServiceError as e:
        return service_error_page(request, e, back=f"/c/{cid}")
    doc = res.get("document")
    view = build_view(doc, title=conv.topic, group_names=names) if doc else None
    standing = _standing(view, mine) if view and view.ok and mine else None
    chosen = _chosen_group(view, request.query_params.get("group"))
    shown, hidden = _statements_to_show(view, chosen)
    places = build_places(view.places, view) if view and view.ok else None
    pmap = _place_map(view, layout, request.query_params.get("colour")) if places and layout else None
    counts = view.counts if view else {"participants": 0, "votes": 0, "statements": conv.n_statements}
    analysed_at = None
    if res.get("computed_ms"):
        when = datetime.fromtimestamp(res["computed_ms"] / 1000, tz=UTC)
        analysed_at = i18n._("%(date)s at %(time)s UTC", date=i18n.format_date(when, "long"),
                             time=when.strftime("%H:%M"))
    page = render(
        request, "results/results.html", title=i18n._("Results: %(topic)s", topic=conv.topic), conv=conv, v=view, counts=counts,
        positions=map_positions(view) if view and view.ok else {}, fresh=res.get("fresh"), analysed_at=analysed_at,
        json_twin=f"{API_PREFIX}/conversations/{cid}/analysis", back_url=f"/c/{cid}" if conv.is_open else None,
        nav=participant_nav(cid, "results", True), standing=standing, shown=shown, hidden=hidden,
        places=places, chosen=chosen, summary=plain_summary(view) if view and view.ok else None,
        bridging_extra=_bridging_extra(view), pmap=pmap,
        map_statements=[st for st in view.statements if not st.moderated_out and st.support] if pmap and view else [],
        **TPP.context(cid, themes, request=request),
    )
    # drawn from the stored document; a strong ETag lets a reader who has this page get an empty 304.
    # Shared caches may keep public results; a page with this participant's standing is theirs alone.
    return conditional(request, page, public=bool(res.get("public")) and mine is None)


def _place_map(view, layout, colour: str | None):
    """The map of places coloured by coverage, or by support for the statement chosen with ?colour=ID."""
    by_id = {st.id: st for st in view.statements if not st.moderated_out}
    mode = colour if colour is not None and colour in by_id else "coverage"
    return place_map(layout, view.places, mode=mode,
                     statement_text=by_id[mode].text if mode in by_id else None, id_prefix="place-map")


def _chosen_group(view, letter: str | None):
    """The group picked with ?group=A (by letter), or None."""
    if view is None or not letter:
        return None
    for g in view.groups:
        if g.letter.lower() == letter.strip().lower():
            return g
    return None


def _bridging_extra(view, top: int = 5) -> list:
    """Bridging statements that the common ground does not already show."""
    if view is None or not view.ok:
        return []
    in_cg = {f.statement.id for f in view.common_ground}
    return [s for s in view.bridging if s.id not in in_cg and s.known][:top]


def _statements_to_show(view, chosen=None) -> tuple[list, int]:
    """Every statement's bars, or the MAX_BARS most-voted in a big conversation (the rest are in the
    exports and the JSON twin); returns (statements in their order, how many were left out). With a
    chosen group, the statements that group agrees with most come first."""
    if view is None:
        return [], 0
    live = [st for st in view.statements if not st.moderated_out]
    hidden = 0
    if len(live) > MAX_BARS:
        keep = {id(st) for st in sorted(live, key=lambda st: -st.votes.n_seen)[:MAX_BARS]}
        live, hidden = [st for st in live if id(st) in keep], len(live) - MAX_BARS
    if chosen is not None:
        def agree(st) -> float:
            v = st.by_group.get(chosen.id)
            return v.n_agree / (v.n_agree + v.n_disagree) if v and v.n_agree + v.n_disagree else -1.0
        live = sorted(live, key=lambda st: -agree(st))
    return live, hidden


def _standing(view, mine: dict) -> dict | None:
    """The participant's group and how often they voted with each group's majority, for the page."""
    if not mine.get("votes"):
        return None
    rows = []
    for g in mine.get("groups") or []:
        gv = view.group(g.get("id"))
        if gv is not None and g.get("agreement") is not None and g.get("compared"):
            rows.append({"group": gv, "pct": round(100 * g["agreement"]), "compared": g["compared"],
                         "same": round(g["agreement"] * g["compared"])})
    own = view.group(mine["group"]) if mine.get("group") is not None else None
    return {"group": own, "rows": rows, "votes": mine["votes"]}
