"""Results by channel and open vs invited: /c/{cid}/results/channels (JSON twin /api/v1/.../channels)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool

from voxpop import i18n
from voxpop.errors import ServiceError
from voxpop.fieldwork.channels import CHANNELS
from voxpop.services.conversations import get_conversation
from voxpop.web.api import channels as AC
from voxpop.web.api.common import API_PREFIX, services
from voxpop.web.pages.common import render, service_error_page

router = APIRouter(include_in_schema=False)


@router.get("/c/{cid}/results/channels")
async def channels_page(cid: str, request: Request) -> Response:
    chosen = [c for c in request.query_params.getlist("channel") if c in CHANNELS]

    def go():
        report = AC.channels_sync(request, cid, ",".join(chosen) or None, 10)
        with services(request).db.read() as s:
            return get_conversation(s, cid), report

    try:
        conv, report = await run_in_threadpool(go)
    except ServiceError as e:
        return service_error_page(request, e)
    q = "&".join(f"channel={c}" for c in chosen)
    return render(request, "field/channels.html", title=i18n._("Results by channel · %(topic)s", topic=conv.topic), conv=conv,
                  report=report, channels=CHANNELS, chosen=chosen or list(CHANNELS),
                  urls={"results": f"/c/{cid}/results", "self": f"/c/{cid}/results/channels"},
                  json_twin=f"{API_PREFIX}/conversations/{cid}/channels" + (f"?channel={','.join(chosen)}" if q else ""))
