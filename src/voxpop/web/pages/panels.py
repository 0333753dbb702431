"""Organiser pages for invited panels, the printable invitation letters, and the invitation page itself.

JSON twins: /api/v1/conversations/{cid}/panels[/{pid}[/members]], /api/v1/invitations/{code}.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, File, Form, Request, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse

from voxpop import i18n
from voxpop.errors import Invalid, ServiceError
from voxpop.fieldwork import panels as FP
from voxpop.fieldwork.qr import qr_svg
from voxpop.services import conversation_text as CT
from voxpop.services.conversations import get_conversation
from voxpop.web.api import panels as AP
from voxpop.web.api.common import API_PREFIX, participant_id, services
from voxpop.web.pages.common import render, service_error_page, whole_number, with_cookies, with_msg
from voxpop.web.pages.organiser import _csrf, _managed, _run

router = APIRouter(include_in_schema=False)


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@router.get("/organiser/c/{cid}/panels")
async def panels_page(cid: str, request: Request) -> Response:
    svc = services(request)

    def go():
        with svc.db.read() as s:
            conv, _ = _managed(request, s, cid)
            return conv, FP.panels_of(s, cid)

    out, err = await _run(request, go)
    if err:
        return err
    conv, panels = out
    cookies = Response()
    o = f"/organiser/c/{cid}"
    resp = render(request, "field/panels.html", title=i18n._("Invited panels · %(topic)s", topic=conv.topic), conv=conv, panels=panels,
                  csrf_token=svc.security.csrf_token(request, cookies), algorithms=FP.ALGORITHMS,
                  urls={"back": o, "self": f"{o}/panels"}, nav_label="Organiser",
                  json_twin=f"{API_PREFIX}/conversations/{cid}/panels")
    return with_cookies(resp, cookies)


@router.post("/organiser/c/{cid}/panels")
async def create_panel(cid: str, request: Request, csrf_token: str = Form(""), size: str = Form(""),
                       name: str = Form(""), pool: UploadFile = File(...), quotas: UploadFile = File(...)) -> Response:
    back = f"/organiser/c/{cid}/panels"
    try:
        p, q = await AP._read(pool, "pool"), await AP._read(quotas, "quotas")
    except ServiceError as e:  # too large
        return service_error_page(request, e, back=back)

    def go():
        _csrf(request, csrf_token)
        n = whole_number(size)
        if n is None:
            raise Invalid(i18n.lazy_gettext("panel size must be a whole number (how many people to invite)"))
        return AP.create_panel_sync(request, cid, n, name[:200], p, q)

    out, err = await _run(request, go, back=back)
    return err or RedirectResponse(f"{back}/{out['id']}", status_code=303)


@router.get("/organiser/c/{cid}/panels/{pid}")
async def panel_page(cid: str, pid: AP.PanelId, request: Request) -> Response:
    svc = services(request)

    def go():
        with svc.db.read() as s:
            conv, _ = _managed(request, s, cid)
            panel = FP.get_panel(s, cid, pid)
            return conv, FP.panel_summary(s, panel), FP.members(s, panel)

    out, err = await _run(request, go)
    if err:
        return err
    conv, summary, members = out
    cookies = Response()
    o = f"/organiser/c/{cid}/panels"
    resp = render(request, "field/panel.html", title=f"{summary['name'] or i18n._('Panel')} · {conv.topic}", conv=conv,
                  panel=summary, members=members, algorithms=FP.ALGORITHMS,
                  csrf_token=svc.security.csrf_token(request, cookies),
                  urls={"back": o, "draw": f"{o}/{pid}/draw", "letters": f"{o}/{pid}/letters"},
                  nav_label="Organiser", json_twin=f"{API_PREFIX}/conversations/{cid}/panels/{pid}")
    return with_cookies(resp, cookies)


@router.post("/organiser/c/{cid}/panels/{pid}/draw")
async def draw(cid: str, pid: AP.PanelId, request: Request, csrf_token: str = Form(""), algorithm: str = Form("legacy"),
               estimate_draws: str = Form("200")) -> Response:
    back = f"/organiser/c/{cid}/panels/{pid}"

    def go():
        _csrf(request, csrf_token)
        n = whole_number(estimate_draws)
        if n is None:
            raise Invalid(i18n.lazy_gettext("draws for the estimate must be a whole number (e.g. 200)"))
        if n > AP.MAX_ESTIMATE_DRAWS:  # DrawIn would refuse it with a pydantic error (a 500 here)
            raise Invalid(i18n.lazy_gettext("draws for the estimate must be from 0 to %(max_estimate_draws)s", max_estimate_draws=AP.MAX_ESTIMATE_DRAWS))
        return AP.draw_sync(request, cid, pid, AP.DrawIn(algorithm=algorithm, estimate_draws=n))

    _, err = await _run(request, go, back=back)
    return err or RedirectResponse(with_msg(back, "saved"), status_code=303)


@router.get("/organiser/c/{cid}/panels/{pid}/letters")
async def letters(cid: str, pid: AP.PanelId, request: Request) -> Response:
    """One printable letter per selected volunteer: the code, the address to type, a QR code."""
    def go():
        with services(request).db.read() as s:
            conv, _ = _managed(request, s, cid)
            # the letters speak the language they are printed in: the title in it where the organiser gave one
            return conv, CT.for_reader(s, conv), FP.members(s, FP.get_panel(s, cid, pid))

    out, err = await _run(request, go)
    if err:
        return err
    conv, ct, members = out
    base = _base(request)
    for m in members:
        m["url"] = f"{base}/i/{quote(m['code'] or '')}"
        m["qr"] = qr_svg(m["url"])
    return render(request, "field/letters.html", title=i18n._("Invitation letters · %(topic)s", topic=ct.topic),
                  conv=conv, ct=ct,
                  members=members, enter_url=f"{base}/i", body_class="print-pages",
                  urls={"back": f"/organiser/c/{cid}/panels/{pid}"})


@router.get("/i")
async def enter_code(request: Request, code: str = "") -> Response:
    if code.strip():
        return RedirectResponse(f"/i/{quote(FP.normalise_code(code)[:40])}", status_code=303)
    return render(request, "field/invitation.html", title=i18n._("Your invitation"), invitation=None, narrow=True)


@router.get("/i/{code}")
async def invitation_page(code: str, request: Request) -> Response:
    svc = services(request)

    def go():
        svc.security.check_rate(request, cost=5)
        with svc.db.read() as s:
            info = FP.invitation_info(s, code)
            conv = get_conversation(s, info["conversation"])
            return {**info, "conv": conv}, CT.for_reader(s, conv)

    try:
        inv, ct = await run_in_threadpool(go)
    except ServiceError as e:
        return service_error_page(request, e, back="/i")
    cookies = Response()
    resp = render(request, "field/invitation.html", title=i18n._("Your invitation"), invitation=inv, ct=ct, narrow=True,
                  csrf_token=svc.security.csrf_token(request, cookies), action=f"/i/{quote(code)}",
                  json_twin=f"{API_PREFIX}/invitations/{quote(code)}")
    return with_cookies(resp, cookies)


@router.post("/i/{code}")
async def accept(code: str, request: Request, csrf_token: str = Form("")) -> Response:
    svc = services(request)
    cookies = Response()
    try:
        svc.security.check_csrf(request, csrf_token)
        svc.security.check_rate(request, cost=5)

        def cid_of():
            with svc.db.read() as s:
                return FP.invitation_info(s, code)["conversation"]

        cid = await run_in_threadpool(cid_of)
        pk = await participant_id(request, cookies, cid, create=True)
        assert pk is not None  # create=True
        await run_in_threadpool(AP.redeem_sync, request, code, pk)
    except ServiceError as e:
        return with_cookies(service_error_page(request, e, back=f"/i/{quote(code)}"), cookies)
    return with_cookies(RedirectResponse(f"/c/{quote(cid)}", status_code=303), cookies)
