"""JSON API: a participant's copy of their data and its erasure; organisers erase on request; the
privacy notice (what is stored, for how long, why). Pages: voxpop.web.pages_privacy (docs/privacy.md).
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from voxpop.errors import NotFound
from voxpop.services import privacy
from voxpop.services.analyses import run_analysis
from voxpop.services.conversations import get_conversation
from voxpop.services.participants import find_participant
from voxpop.web.api.common import (
    API_PREFIX,
    SafeJSONResponse,
    managed_conversation,
    participant_who,
    services,
)

router = APIRouter(prefix=API_PREFIX, tags=["privacy"])
log = logging.getLogger("voxpop.privacy")
XidQuery = Annotated[str | None, Query(max_length=200, description="external participant id from a host site")]
PidPath = Annotated[int, Path(ge=1, lt=2**62, description="the participant's number")]
NOTHING = "nothing is stored about you in this conversation (you have not voted or written here)"


async def my_participant(request: Request, response: Response, cid: str, xid: str | None) -> int | None:
    """The caller's participant id, read from the database (never from the per-process cache: an identity
    forgotten by the retention rules, or erased by another process, must not lead back to anything)."""
    who = participant_who(request, response, xid)

    def go():
        with services(request).db.read() as s:
            get_conversation(s, cid)
            ids = {"xid": who[1]} if who[0] == "xid" else {"anon_id": who[1]}
            p = find_participant(s, cid, **ids)
            return p.id if p is not None else None

    return await run_in_threadpool(go)


def _download(cid: str, data: dict, download: bool) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="voxpop-{cid}-my-data.json"'} if download else None
    return SafeJSONResponse(data, headers=headers)


def erase_and_reanalyse(request: Request, cid: str, pk: int) -> dict:
    """Delete the participant and theirs, then analyse again at once so that results and exports no longer
    count them (the analysis in this request: the participant is told only once it is done)."""
    svc = services(request)
    with svc.db.write() as s:
        out = privacy.erase_participant(s, cid, pk)
    svc.forget_participant(pk)
    try:
        run_analysis(svc.db, cid)
        updated = True
    except Exception:  # the erasure stands; the conversation stays marked stale and the worker retries
        log.exception("analysis after erasing a participant of %s failed", cid)
        updated = False
    return out | {"erased": True, "results_updated": updated}


@router.get("/conversations/{cid}/me/data")
async def my_data(cid: str, request: Request, response: Response, xid: XidQuery = None,
                  download: bool = False) -> Response:
    """Everything stored about the caller here (votes, vote history, statements, place); `download=true`
    sends it as a file. Nothing stored: `participant` is null and the lists are empty."""
    pk = await my_participant(request, response, cid, xid)

    def go():
        with services(request).db.read() as s:
            conv = get_conversation(s, cid)
            if pk is None:
                return {"conversation": {"id": conv.id, "topic": conv.topic}, "participant": None, "votes": [],
                        "vote_history": [], "statements": [], "retention": privacy.retention_dict(conv),
                        "message": NOTHING}
            return privacy.participant_data(s, cid, pk)

    return _download(cid, await run_in_threadpool(go), download)


@router.delete("/conversations/{cid}/me")
async def erase_me(cid: str, request: Request, response: Response, xid: XidQuery = None) -> dict:
    """Erase the caller's votes, vote history and statements here (and their participant record); the
    results are recomputed before answering. 404 when nothing is stored."""
    pk = await my_participant(request, response, cid, xid)
    if pk is None:
        raise NotFound(NOTHING)
    return await run_in_threadpool(erase_and_reanalyse, request, cid, pk)


@router.get("/conversations/{cid}/participants/{pid}/data")
async def participant_data(cid: str, pid: PidPath, request: Request, download: bool = False) -> Response:
    """Organisers: what is stored about participant `pid` (to answer a request from that person)."""
    def go():
        with services(request).db.read() as s:
            managed_conversation(request, s, cid)
            return privacy.participant_data(s, cid, pid)

    return _download(cid, await run_in_threadpool(go), download)


@router.delete("/conversations/{cid}/participants/{pid}")
async def erase_participant(cid: str, pid: PidPath, request: Request) -> dict:
    """Organisers: erase participant `pid` on their request (as DELETE /me does for them)."""
    def check():
        with services(request).db.read() as s:
            managed_conversation(request, s, cid)

    await run_in_threadpool(check)
    return await run_in_threadpool(erase_and_reanalyse, request, cid, pid)


@router.get("/conversations/{cid}/privacy")
async def privacy_notice(cid: str, request: Request) -> dict:
    """The privacy notice of this conversation: what is stored, for how long, why (docs/privacy.md)."""
    def go():
        with services(request).db.read() as s:
            return privacy.notice(get_conversation(s, cid))

    return await run_in_threadpool(go)
