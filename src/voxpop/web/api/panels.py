"""JSON API for invited panels (voxpop.fieldwork.panels).

  POST /conversations/{cid}/panels                 organiser: pool + quotas CSV (multipart), size, name
  GET  /conversations/{cid}/panels                 organiser: the panels and their state
  GET  /conversations/{cid}/panels/{pid}           organiser: one panel: quotas met, probabilities, turnout
  POST /conversations/{cid}/panels/{pid}/draw      organiser: draw by lot (algorithm legacy|maximin|nash)
  GET  /conversations/{cid}/panels/{pid}/members   organiser: the pool (?all=1) or the selected, with codes
  GET  /invitations/{code}                         anyone with the code: which conversation, used or not
  POST /invitations/{code}/redeem                  the invited person: binds them (once) to place and attributes
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Path, Request, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from voxpop import i18n
from voxpop.errors import TooLarge
from voxpop.fieldwork import panels as FP
from voxpop.fieldwork.csvin import MAX_BYTES
from voxpop.web.api.common import API_PREFIX, managed_conversation, participant_id, services

router = APIRouter(prefix=API_PREFIX, tags=["field work: panels"])
PanelId = Annotated[int, Path(ge=1, lt=2**62)]


MAX_ESTIMATE_DRAWS = 10_000


class DrawIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    algorithm: str = Field("legacy", description="legacy (fast; probabilities estimated), maximin or nash (exact)")
    seed: int = Field(0, ge=0, lt=2**31, description="0: a fresh secure random draw; else a reproducible one")
    estimate_draws: int = Field(200, ge=0, le=MAX_ESTIMATE_DRAWS, description="legacy only: draws to estimate probabilities")


async def _read(f: UploadFile, what: str) -> bytes:
    data = await f.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise TooLarge(i18n.lazy_gettext("the %(what)s file is larger than %(value)s MB", what=what, value=MAX_BYTES // 1_000_000))
    return data


def create_panel_sync(request: Request, cid: str, size: int, name: str, pool: bytes, quotas: bytes) -> dict:
    db = services(request).db
    with db.read() as s:
        managed_conversation(request, s, cid)
    with db.write() as s:
        panel = FP.create_panel(s, cid, size=size, pool_csv=pool, quotas_csv=quotas, name=name)
        return FP.panel_summary(s, panel)


@router.post("/conversations/{cid}/panels", status_code=201)
async def create_panel(cid: str, request: Request, pool: UploadFile = File(..., description="volunteers CSV"),
                       quotas: UploadFile = File(..., description="feature,value,min,max CSV"),
                       size: int = Form(..., ge=1, le=10_000), name: str = Form("", max_length=200)) -> dict:
    """A panel from a volunteer pool (CSV: id[,name][,place], attribute columns) and quotas."""
    services(request).security.check_rate(request, cost=5)
    p, q = await _read(pool, "pool"), await _read(quotas, "quotas")
    return await run_in_threadpool(create_panel_sync, request, cid, size, name, p, q)


@router.get("/conversations/{cid}/panels")
async def list_panels(cid: str, request: Request) -> dict:
    def go():
        with services(request).db.read() as s:
            managed_conversation(request, s, cid)
            return {"conversation": cid, "panels": FP.panels_of(s, cid)}

    return await run_in_threadpool(go)


@router.get("/conversations/{cid}/panels/{pid}")
async def get_panel(cid: str, pid: PanelId, request: Request) -> dict:
    def go():
        with services(request).db.read() as s:
            managed_conversation(request, s, cid)
            return FP.panel_summary(s, FP.get_panel(s, cid, pid))

    return await run_in_threadpool(go)


def draw_sync(request: Request, cid: str, pid: int, body: DrawIn) -> dict:
    with services(request).db.write() as s:
        managed_conversation(request, s, cid)
        return FP.draw(s, FP.get_panel(s, cid, pid), algorithm=body.algorithm, seed=body.seed,
                       estimate_draws=body.estimate_draws)


@router.post("/conversations/{cid}/panels/{pid}/draw")
async def draw(cid: str, pid: PanelId, request: Request, body: DrawIn | None = None) -> dict:
    """Draw the panel by lot; each selected volunteer gets a one-time invitation code."""
    services(request).security.check_rate(request, cost=20)
    return await run_in_threadpool(draw_sync, request, cid, pid, body or DrawIn())


@router.get("/conversations/{cid}/panels/{pid}/members")
async def panel_members(cid: str, pid: PanelId, request: Request, all: bool = False) -> dict:
    def go():
        with services(request).db.read() as s:
            managed_conversation(request, s, cid)
            panel = FP.get_panel(s, cid, pid)
            return {"panel": pid, "members": FP.members(s, panel, selected_only=not all)}

    return await run_in_threadpool(go)


@router.get("/invitations/{code}")
async def invitation(code: Annotated[str, Path(max_length=40)], request: Request) -> dict:
    services(request).security.check_rate(request, cost=5)

    def go():
        with services(request).db.read() as s:
            info = FP.invitation_info(s, code)
            return {k: info[k] for k in ("conversation", "used", "place")}

    return await run_in_threadpool(go)


class RedeemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    xid: str | None = Field(None, max_length=200)


def redeem_sync(request: Request, code: str, pk: int) -> dict:
    with services(request).db.write() as s:
        v, panel = FP.redeem(s, code, pk)
        return {"conversation": panel.conversation_id, "participant": pk, "place": v.place_id,
                "channel": "invited", "participate": f"/c/{panel.conversation_id}"}


@router.post("/invitations/{code}/redeem")
async def redeem(code: Annotated[str, Path(max_length=40)], request: Request, response: Response,
                 body: RedeemIn | None = None) -> dict:
    """Use an invitation code: the caller becomes an invited participant of that place (once per code)."""
    svc = services(request)
    svc.security.check_rate(request, cost=5)
    xid = body.xid if body else None

    def go():
        with svc.db.read() as s:
            return FP.invitation_info(s, code)["conversation"]

    cid = await run_in_threadpool(go)
    pk = await participant_id(request, response, cid, xid=xid, create=True)
    assert pk is not None  # create=True
    return await run_in_threadpool(redeem_sync, request, code, pk)
