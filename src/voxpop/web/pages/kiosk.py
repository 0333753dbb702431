"""Kiosk pages: the organiser opens and closes kiosks; the shared device runs /k/{id} (static/js/field.js),
which keeps working offline with the service worker /k/sw.js. JSON twins: /api/v1/kiosks/{id},
/api/v1/conversations/{cid}/kiosks.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Form, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, RedirectResponse

from voxpop import i18n
from voxpop.errors import Invalid, ServiceError
from voxpop.fieldwork import kiosk as FK
from voxpop.fieldwork.places import place_label
from voxpop.services import conversation_text as CT
from voxpop.services.conversations import get_conversation
from voxpop.web.api import kiosk as AK
from voxpop.web.api.common import API_PREFIX, services
from voxpop.web.pages.common import render, service_error_page, whole_number, with_cookies
from voxpop.web.pages.organiser import _csrf, _managed, _run

router = APIRouter(include_in_schema=False)
STATIC = Path(__file__).resolve().parent.parent / "static"


def _strings() -> dict[str, str]:
    """What the kiosk's script says, in the reader's language (`_` so that the catalogs collect them)."""
    from voxpop.i18n import _

    return {"progress": _("%(n)s of %(total)s statements answered"),
            "waiting": _("Saved on this device: %(n)s waiting to send"),
            "all_sent": _("Everything is sent."), "saved": _("Vote saved."),
            "added": _("Thank you: your statement is saved."), "skip": _("I’d rather not say"),
            "pin_wrong": _("That is not the staff PIN."), "pin_wait": _("Too many tries; wait a while."),
            "pin_offline": _("Leaving kiosk mode needs the network; try again when it is back."),
            "no_config": _("This kiosk has not been prepared: connect it to the internet once and reload.")}


@router.get("/k/sw.js")
async def service_worker() -> Response:
    return FileResponse(STATIC / "js" / "field-sw.js", media_type="text/javascript",
                        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/k/"})


@router.get("/k/c/{cid}")
async def personal_offline_page(cid: str, request: Request) -> Response:
    """A participant's own phone, offline-capable: the kiosk client in personal mode (under /k/ so the
    same service worker answers it without a network)."""
    svc = services(request)

    def go():
        with svc.db.read() as s:
            conv = get_conversation(s, cid)
            return conv, CT.for_reader(s, conv)

    try:
        conv, ct = await run_in_threadpool(go)
    except ServiceError as e:
        return service_error_page(request, e)
    cookies = Response()
    svc.security.ensure_anon_id(request, cookies)  # votes sent later (maybe offline) need the browser's id
    resp = render(request, "field/kiosk.html", title=ct.topic, kiosk={"id": f"c:{cid}", "event": ""}, conv=conv, ct=ct,
                  place_name="", strings=_strings(), personal=True,
                  json_twin=f"{API_PREFIX}/conversations/{cid}/offline-pack")
    return with_cookies(resp, cookies)


@router.get("/k/{kid}")
async def kiosk_page(kid: str, request: Request) -> Response:
    def go():
        with services(request).db.read() as s:
            k = FK.get_kiosk(s, kid)
            conv = get_conversation(s, k.conversation_id)
            return k, conv, CT.for_reader(s, conv), place_label(s, k.conversation_id, k.place_id)

    try:
        k, conv, ct, label = await run_in_threadpool(go)
    except ServiceError as e:
        return service_error_page(request, e)
    resp = render(request, "field/kiosk.html", title=ct.topic, kiosk=k, conv=conv, ct=ct, place_name=label,
                  strings=_strings(), json_twin=f"{API_PREFIX}/kiosks/{kid}")
    resp.headers["Referrer-Policy"] = "no-referrer"  # the address is the kiosk's key
    return resp


@router.get("/organiser/c/{cid}/kiosks")
async def kiosks_page(cid: str, request: Request) -> Response:
    svc = services(request)

    def go():
        with svc.db.read() as s:
            conv, _ = _managed(request, s, cid)
            return conv, FK.kiosks_of(s, cid)

    out, err = await _run(request, go)
    if err:
        return err
    conv, kiosks = out
    cookies = Response()
    o = f"/organiser/c/{cid}/kiosks"
    resp = render(request, "field/kiosks.html", title=i18n._("Kiosks · %(topic)s", topic=conv.topic), conv=conv, kiosks=kiosks,
                  csrf_token=svc.security.csrf_token(request, cookies), base=str(request.base_url).rstrip("/"),
                  urls={"back": f"/organiser/c/{cid}", "self": o}, nav_label="Organiser",
                  json_twin=f"{API_PREFIX}/conversations/{cid}/kiosks")
    return with_cookies(resp, cookies)


@router.post("/organiser/c/{cid}/kiosks")
async def open_kiosk(cid: str, request: Request, csrf_token: str = Form(""), pin: str = Form(""),
                     place: str = Form(""), event: str = Form(""), questions: str = Form(""),
                     idle_seconds: str = Form("120")) -> Response:
    def go():
        _csrf(request, csrf_token)
        idle = whole_number(idle_seconds)
        if idle is None:
            raise Invalid(i18n.lazy_gettext("the idle timeout must be a whole number of seconds, e.g. 120"))
        if not 4 <= len(pin) <= 12:
            raise Invalid(i18n.lazy_gettext("the staff PIN must be 4 to 12 digits"))
        return AK.open_kiosk_sync(request, cid, AK.KioskIn(
            pin=pin, place=place[:100] or None, event=event[:200], questions=questions[:5000] or None,
            idle_seconds=max(FK.IDLE_MIN, min(FK.IDLE_MAX, idle))))

    out, err = await _run(request, go, back=f"/organiser/c/{cid}/kiosks")
    return err or RedirectResponse(out["url"], status_code=303)


@router.post("/organiser/c/{cid}/kiosks/{kid}/close")
async def close_kiosk(cid: str, kid: str, request: Request, csrf_token: str = Form("")) -> Response:
    def go():
        _csrf(request, csrf_token)
        with services(request).db.write() as s:
            _managed(request, s, cid)
            FK.close_kiosk(s, cid, kid)

    _, err = await _run(request, go, back=f"/organiser/c/{cid}/kiosks")
    return err or RedirectResponse(f"/organiser/c/{cid}/kiosks?msg=saved", status_code=303)
