"""JSON API: the analysis document, answered at once from the cache (recomputed in the background)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool

from voxpop.store import analyses
from voxpop.store.conversations import get_conversation
from voxpop.store.errors import Forbidden
from voxpop.web.api_common import API_PREFIX, managed_conversation, organiser_or_none, services

router = APIRouter(prefix=API_PREFIX, tags=["results"])
INLINE_MAX_VOTES = 5000  # a first analysis this small is computed in the request (milliseconds)


def analysis_for(request: Request, cid: str, with_document: bool = True) -> dict:
    """get_analysis, computing the very first analysis inline when the conversation is tiny."""
    db = services(request).db
    with db.read() as s:
        conv = get_conversation(s, cid)
        if not conv.show_results and organiser_or_none(request, s) is None:
            raise Forbidden("the organisers of this conversation do not show results to participants")
        res = analyses.get_analysis(s, cid, with_document=with_document)
        small = res["status"] == "pending" and conv.vote_version <= INLINE_MAX_VOTES
    if small:
        analyses.run_analysis(db, cid)
        with db.read() as s:
            res = analyses.get_analysis(s, cid, with_document=with_document)
    return res


@router.get("/conversations/{cid}/analysis")
async def analysis(cid: str, request: Request, response: Response) -> dict:
    """The analysis document (docs/analysis-schema.md). Never waits for a computation: headers say
    whether it is fresh (X-Voxpop-Analysis-Fresh) and when it was computed. Before there are enough
    votes, meta.status is "too_few_votes" with a message; a large conversation not analysed yet answers
    202 with {"status": "pending", "message": ...}."""
    res = await run_in_threadpool(analysis_for, request, cid)
    response.headers["X-Voxpop-Analysis-Fresh"] = "true" if res["fresh"] else "false"
    if res["document"] is None:
        response.status_code = 202
        response.headers["Retry-After"] = "2"
        return {"status": "pending", "message": res["message"], "fresh": False}
    response.headers["X-Voxpop-Analysis-Computed-Ms"] = str(res["computed_ms"])
    return res["document"]


@router.get("/conversations/{cid}/analysis/status")
async def analysis_status(cid: str, request: Request) -> dict:
    """Only the freshness: {"status", "fresh", "computed_ms", "message"}."""
    res = await run_in_threadpool(analysis_for, request, cid, False)
    return {k: v for k, v in res.items() if k != "document"}


@router.post("/conversations/{cid}/analysis/refresh", status_code=202)
async def refresh(cid: str, request: Request) -> dict:
    """Ask for a recomputation now (organisers)."""
    def go():
        with services(request).db.write() as s:
            managed_conversation(request, s, cid)
            analyses.request_analysis(s, cid)

    await run_in_threadpool(go)
    return {"status": "queued"}
