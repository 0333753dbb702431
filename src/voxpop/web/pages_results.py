"""The results page: opinion map, groups and what they stand for, common ground, bridging statements and
every statement's votes by group. Drawn by voxpop.report (the same SVG as the HTML report).
JSON twin: /api/v1/conversations/{cid}/analysis.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool

from voxpop.report.svg import map_positions
from voxpop.report.view import build_view
from voxpop.store.conversations import get_conversation
from voxpop.store.errors import ServiceError
from voxpop.web.api_common import API_PREFIX, services
from voxpop.web.api_results import analysis_for
from voxpop.web.pages_common import render, service_error_page
from voxpop.web.pages_participate import participant_nav

router = APIRouter(include_in_schema=False)


@router.get("/c/{cid}/results")
async def results(cid: str, request: Request) -> Response:
    def go():
        res = analysis_for(request, cid)  # Forbidden when the organisers hide results
        with services(request).db.read() as s:
            conv = get_conversation(s, cid)
        return conv, res

    try:
        conv, res = await run_in_threadpool(go)
    except ServiceError as e:
        return service_error_page(request, e, back=f"/c/{cid}")
    doc = res.get("document")
    view = build_view(doc, title=conv.topic) if doc else None
    counts = view.counts if view else {"participants": 0, "votes": 0, "statements": conv.n_statements}
    analysed_at = None
    if res.get("computed_ms"):
        when = datetime.fromtimestamp(res["computed_ms"] / 1000, tz=UTC)
        analysed_at = when.strftime("%-d %B %Y at %H:%M UTC")
    return render(
        request, "results/results.html", title=f"Results: {conv.topic}", conv=conv, v=view, counts=counts,
        positions=map_positions(view) if view and view.ok else {}, fresh=res.get("fresh"), analysed_at=analysed_at,
        json_twin=f"{API_PREFIX}/conversations/{cid}/analysis", back_url=f"/c/{cid}" if conv.is_open else None,
        nav=participant_nav(cid, "results", True),
    )
