"""JSON API: results by channel (online, kiosk, paper, invited) and the invited panel against the open
conversation (voxpop.fieldwork.channels). Visible to whoever may see the conversation's results.

  GET /conversations/{cid}/channels?channel=online,kiosk&top=10
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool

from voxpop.fieldwork import channels as FC
from voxpop.services.conversations import get_conversation
from voxpop.web.api.common import API_PREFIX, check_results_visible, services

router = APIRouter(prefix=API_PREFIX, tags=["field work: channels"])


def channels_sync(request: Request, cid: str, channel: str | None, top: int) -> dict:
    with services(request).db.read() as s:
        conv = get_conversation(s, cid)
        check_results_visible(request, s, conv)
        return FC.channels_report(s, cid, FC.parse_channels(channel), top=top)


@router.get("/conversations/{cid}/channels")
async def by_channel(cid: str, request: Request,
                     channel: Annotated[str | None, Query(max_length=100, description="e.g. online,kiosk")] = None,
                     top: Annotated[int, Query(ge=1, le=100)] = 10) -> dict:
    """Agree / disagree / pass per statement among the chosen channels' participants, participants per
    channel, and for the most-voted statements the invited panel against the open conversation (95% Wilson
    intervals; cells with fewer voters than the conversation's min_cell are suppressed)."""
    return await run_in_threadpool(channels_sync, request, cid, channel, top)
