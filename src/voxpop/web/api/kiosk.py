"""JSON API for kiosk mode (voxpop.fieldwork.kiosk).

  POST /conversations/{cid}/kiosks               organiser: open a kiosk {pin, place, event, questions, idle_seconds}
  GET  /conversations/{cid}/kiosks               organiser: the kiosks and how many people each had
  POST /conversations/{cid}/kiosks/{kid}/close   organiser: the device's address stops working
  GET  /kiosks/{kid}                             the device: conversation, statements, priorities, questions
  POST /kiosks/{kid}/people                      the device: one person {person, answers} (idempotent)
  POST /kiosks/{kid}/unlock                      the device: check the staff PIN before leaving kiosk mode

Votes and statements from a kiosk go through the ordinary participant endpoints with
`xid = "kiosk-" + person` and a client_key per vote, so a queue sent twice counts once.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from voxpop.fieldwork import kiosk as FK
from voxpop.web.api.common import API_PREFIX, managed_conversation, participant_id, services

router = APIRouter(prefix=API_PREFIX, tags=["field work: kiosks"])
KioskId = Annotated[str, Path(max_length=40)]


class KioskIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pin: str = Field(min_length=4, max_length=12, description="staff PIN (digits) to leave kiosk mode")
    place: str | None = Field(None, max_length=100, description="place id (or exact name) every person counts for")
    event: str = Field("", max_length=200, description="e.g. 'Saturday market'")
    questions: str | list[dict] | None = Field(None, description="'Question: option, option' per line, or a list")
    idle_seconds: int = Field(120, ge=FK.IDLE_MIN, le=FK.IDLE_MAX, description="start afresh after this much quiet")


class PersonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    person: str = Field(min_length=16, max_length=64)
    answers: dict[str, str] | None = None


class PinIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pin: str = Field(max_length=12)


def open_kiosk_sync(request: Request, cid: str, body: KioskIn) -> dict:
    with services(request).db.write() as s:
        _, org = managed_conversation(request, s, cid)
        k = FK.open_kiosk(s, cid, pin=body.pin, place=body.place, event=body.event, questions=body.questions,
                          idle_seconds=body.idle_seconds, organiser_id=org.id)
        return next(x for x in FK.kiosks_of(s, cid) if x["id"] == k.id)


@router.post("/conversations/{cid}/kiosks", status_code=201)
async def open_kiosk(cid: str, body: KioskIn, request: Request) -> dict:
    """Open a kiosk; load its `url` on the shared device (the address is the device's key: keep it there)."""
    services(request).security.check_rate(request, cost=5)
    return await run_in_threadpool(open_kiosk_sync, request, cid, body)


@router.get("/conversations/{cid}/kiosks")
async def list_kiosks(cid: str, request: Request) -> dict:
    def go():
        with services(request).db.read() as s:
            managed_conversation(request, s, cid)
            return {"conversation": cid, "kiosks": FK.kiosks_of(s, cid)}

    return await run_in_threadpool(go)


@router.post("/conversations/{cid}/kiosks/{kid}/close")
async def close_kiosk(cid: str, kid: KioskId, request: Request) -> dict:
    def go():
        with services(request).db.write() as s:
            managed_conversation(request, s, cid)
            FK.close_kiosk(s, cid, kid)
            return {"kiosk": kid, "open": False}

    return await run_in_threadpool(go)


@router.get("/kiosks/{kid}")
async def kiosk_config(kid: KioskId, request: Request) -> dict:
    def go():
        with services(request).db.read() as s:
            return FK.kiosk_config(s, FK.get_kiosk(s, kid))

    return await run_in_threadpool(go)


@router.get("/conversations/{cid}/offline-pack")
async def offline_pack(cid: str, request: Request, response: Response) -> dict:
    """For a participant's own phone (/k/c/{cid}): statements, routing priorities and the caller's votes,
    to keep voting without a network (votes then go to /votes with a client_key each, as usual)."""
    pk = await participant_id(request, response, cid, create=False)

    def go():
        with services(request).db.read() as s:
            return FK.conversation_pack(s, cid, pk)

    return await run_in_threadpool(go)


@router.post("/kiosks/{kid}/people")
async def register_person(kid: KioskId, body: PersonIn, request: Request) -> dict:
    """A new person at the kiosk (the kiosk's id is its credential: no per-address new-participant limit,
    since one tablet serves a whole market)."""
    svc = services(request)
    svc.security.check_rate(request)

    def go():
        with svc.db.write() as s:
            return FK.register_person(s, kid, body.person, body.answers)

    return await run_in_threadpool(go)


@router.post("/kiosks/{kid}/unlock")
async def unlock(kid: KioskId, body: PinIn, request: Request) -> dict:
    """Wrong PINs are counted like sign-in attempts (doubling waits), so guessing one takes days."""
    svc = services(request)
    who = f"kiosk:{kid}"
    svc.security.abuse.login_attempt(svc.security.address_key(request), who)

    def go():
        with svc.db.read() as s:
            FK.check_pin(s, kid, body.pin)
            k = FK.get_kiosk(s, kid)
            return {"ok": True, "leave_to": f"/organiser/c/{k.conversation_id}/kiosks"}

    out = await run_in_threadpool(go)
    svc.security.abuse.login_succeeded(svc.security.address_key(request), who)
    return out
