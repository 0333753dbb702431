"""JSON API: the analysis document, answered at once from the cache (recomputed in the background)."""

from __future__ import annotations

import threading

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool

from voxpop.analysis.schema import SCHEMA_URL
from voxpop.services import analyses
from voxpop.services.conversations import can_manage, get_conversation
from voxpop.settings import load_settings
from voxpop.web.api.common import (
    API_PREFIX,
    SafeJSONResponse,
    check_results_visible,
    managed_conversation,
    organiser_or_none,
    services,
)
from voxpop.web.caching import conditional, etag_of

router = APIRouter(prefix=API_PREFIX, tags=["results"])
INLINE_MAX_VOTES = 5000  # a first analysis this small is computed in the request (milliseconds)


def analysis_for(request: Request, cid: str, with_document: bool = True) -> dict:
    """get_analysis, computing the very first analysis inline when the conversation is tiny."""
    db = services(request).db
    with db.read() as s:
        conv = get_conversation(s, cid)
        check_results_visible(request, s, conv)
        res = analyses.get_analysis(s, cid, with_document=with_document)
        public = bool(conv.show_results)
        small = res["status"] == "pending" and not res["job"]["failures"] and conv.vote_version <= INLINE_MAX_VOTES
    if small:
        try:
            analyses.run_analysis(db, cid)
        except Exception as exc:  # recorded like the worker's failures; the answer says so
            settings = load_settings()
            analyses.record_failure(db, cid, exc, claim=None, retries=settings.job_retries,
                                    backoff_s=settings.job_backoff_s)
        with db.read() as s:
            res = analyses.get_analysis(s, cid, with_document=with_document)
    res["public"] = public  # everyone may read these results (else only the organisers who manage them)
    return res


@router.get("/conversations/{cid}/analysis")
async def analysis(cid: str, request: Request) -> Response:
    """The analysis document (docs/analysis-schema.md). Never waits for a computation: headers say
    whether it is fresh (X-Voxpop-Analysis-Fresh) and when it was computed. Before there are enough
    votes, meta.status is "too_few_votes" with a message; a large conversation not analysed yet answers
    202 with {"status": "pending", "message": ...}, one whose analysis keeps failing 202 with
    {"status": "failed", "message": ...} (the organiser reads why in .../analysis/status). The document's
    JSON Schema: GET /api/v1/schema/analysis (also named by this answer's Link header)."""
    res = await run_in_threadpool(analysis_for, request, cid, False)
    # a statement rejected since the last analysis must disappear at once: the hidden set is in the key
    key = (res["computed_ms"], res["hidden"])
    body, etag = _rendered.get((cid, key), (None, None))
    if body is None and res["computed_ms"] is not None:
        # read and rendered in a thread: megabytes of JSON take a while, and the event loop keeps taking votes
        res, body, etag = await run_in_threadpool(_render_document, request, cid)
    headers = {"X-Voxpop-Analysis-Fresh": "true" if res["fresh"] else "false"}
    if body is None:
        return SafeJSONResponse({"status": res["status"], "message": res["message"], "fresh": False}, status_code=202,
                                headers=headers | {"Retry-After": "2"})
    headers["X-Voxpop-Analysis-Computed-Ms"] = str(res["computed_ms"])
    headers["Link"] = f'<{SCHEMA_URL}>; rel="describedby"'  # its JSON Schema (voxpop.web.api.schemas)
    # strong ETag over the exact bytes: a reader who has them gets an empty 304 (voxpop.web.caching)
    return conditional(request, Response(body, media_type="application/json", headers=headers),
                       public=res["public"], etag=etag)


def _render_document(request: Request, cid: str) -> tuple[dict, bytes, str]:
    res = analysis_for(request, cid)
    body = SafeJSONResponse.render(None, res["document"])  # type: ignore[arg-type]  # render() does not use self
    etag = etag_of(body)
    _remember(cid, (res["computed_ms"], res["hidden"]), (body, etag))
    return res, body, etag


# the rendered JSON of the latest documents and its ETag: a big conversation's document is megabytes, read by many
_rendered: dict[tuple[str, tuple], tuple[bytes, str]] = {}
_RENDERED_MAX = 16
_rendered_lock = threading.Lock()


def _remember(cid: str, key: tuple, body: tuple[bytes, str]) -> None:
    with _rendered_lock:  # called from worker threads
        for old in [k for k in _rendered if k[0] == cid]:  # (a loop variable named `key` lost the new key)
            _rendered.pop(old, None)
        while len(_rendered) >= _RENDERED_MAX:
            _rendered.pop(next(iter(_rendered)), None)
        _rendered[(cid, key)] = body


@router.get("/conversations/{cid}/analysis/status")
async def analysis_status(cid: str, request: Request) -> dict:
    """Only the freshness: {"status", "fresh", "computed_ms", "duration_ms", "message", "job"}; job.error
    (why the last analysis failed) only for the organisers who manage the conversation."""
    def go() -> dict:
        res = analysis_for(request, cid, False)
        if res["job"]["error"] is not None:  # the error's words are for the organisers who manage it
            with services(request).db.read() as s:
                if not can_manage(get_conversation(s, cid), organiser_or_none(request, s)):
                    res["job"] = {**res["job"], "error": None}
        return {k: v for k, v in res.items() if k not in ("document", "hidden", "public")}

    return await run_in_threadpool(go)


@router.post("/conversations/{cid}/analysis/refresh", status_code=202)
async def refresh(cid: str, request: Request) -> dict:
    """Ask for a recomputation now (organisers)."""
    def go():
        with services(request).db.write() as s:
            managed_conversation(request, s, cid)
            analyses.request_analysis(s, cid)

    await run_in_threadpool(go)
    return {"status": "queued"}
