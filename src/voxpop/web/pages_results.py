"""The results page: opinion map, groups and what they stand for, common ground, bridging statements and
every statement's votes by group. Drawn by voxpop.report (the same SVG as the HTML report).
JSON twin: /api/v1/conversations/{cid}/analysis.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool

from voxpop.report.places import build_places
from voxpop.report.svg import map_positions
from voxpop.report.view import build_view
from voxpop.store.conversations import get_conversation
from voxpop.store.errors import ServiceError
from voxpop.store.standing import participant_standing
from voxpop.web.api_common import API_PREFIX, participant_id, services
from voxpop.web.api_results import analysis_for
from voxpop.web.pages_common import render, service_error_page
from voxpop.web.pages_participate import participant_nav

router = APIRouter(include_in_schema=False)
MAX_BARS = 150  # statements drawn with bars on one page


@router.get("/c/{cid}/results")
async def results(cid: str, request: Request) -> Response:
    def go(pk):
        res = analysis_for(request, cid)  # Forbidden when the organisers hide results
        with services(request).db.read() as s:
            conv = get_conversation(s, cid)
            mine = participant_standing(s, cid, pk) if pk is not None and res.get("document") else None
        return conv, res, mine

    try:
        pk = await participant_id(request, Response(), cid, create=False)
        conv, res, mine = await run_in_threadpool(go, pk)
    except ServiceError as e:
        return service_error_page(request, e, back=f"/c/{cid}")
    doc = res.get("document")
    view = build_view(doc, title=conv.topic) if doc else None
    standing = _standing(view, mine) if view and view.ok and mine else None
    shown, hidden = _statements_to_show(view)
    places = build_places(view.places, view) if view and view.ok else None
    counts = view.counts if view else {"participants": 0, "votes": 0, "statements": conv.n_statements}
    analysed_at = None
    if res.get("computed_ms"):
        when = datetime.fromtimestamp(res["computed_ms"] / 1000, tz=UTC)
        analysed_at = when.strftime("%-d %B %Y at %H:%M UTC")
    return render(
        request, "results/results.html", title=f"Results: {conv.topic}", conv=conv, v=view, counts=counts,
        positions=map_positions(view) if view and view.ok else {}, fresh=res.get("fresh"), analysed_at=analysed_at,
        json_twin=f"{API_PREFIX}/conversations/{cid}/analysis", back_url=f"/c/{cid}" if conv.is_open else None,
        nav=participant_nav(cid, "results", True), standing=standing, shown=shown, hidden=hidden,
        places=places,
    )


def _statements_to_show(view) -> tuple[list, int]:
    """Every statement's bars, or the MAX_BARS most-voted in a big conversation (the rest are in the
    exports and the JSON twin); returns (statements in their order, how many were left out)."""
    if view is None:
        return [], 0
    live = [st for st in view.statements if not st.moderated_out]
    if len(live) <= MAX_BARS:
        return live, 0
    keep = {id(st) for st in sorted(live, key=lambda st: -st.votes.n_seen)[:MAX_BARS]}
    return [st for st in live if id(st) in keep], len(live) - MAX_BARS


def _standing(view, mine: dict) -> dict | None:
    """The participant's group and how often they voted with each group's majority, for the page."""
    if not mine.get("votes"):
        return None
    rows = []
    for g in mine.get("groups") or []:
        gv = view.group(g.get("id"))
        if gv is not None and g.get("agreement") is not None and g.get("compared"):
            rows.append({"group": gv, "pct": round(100 * g["agreement"]), "compared": g["compared"]})
    own = view.group(mine["group"]) if mine.get("group") is not None else None
    return {"group": own, "rows": rows, "votes": mine["votes"]}
