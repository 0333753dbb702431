"""Pages: "Your data" (see, download, erase what is held about you here) and the privacy notice.

JSON twins: /api/v1/conversations/{cid}/me/data and /api/v1/conversations/{cid}/privacy.
"""

from __future__ import annotations

from fastapi import APIRouter, Form, Request, Response
from fastapi.concurrency import run_in_threadpool

from voxpop import i18n
from voxpop.errors import Invalid, ServiceError
from voxpop.services import conversation_text as CT
from voxpop.services import privacy
from voxpop.services.conversations import get_conversation
from voxpop.services.participant_places import place_name_of
from voxpop.web.api.common import API_PREFIX, services
from voxpop.web.api.privacy import erase_and_reanalyse, my_participant
from voxpop.web.pages.common import done, render, service_error_page, with_cookies
from voxpop.web.pages.participate import participant_nav

router = APIRouter(include_in_schema=False)


def _nav(cid: str, conv, current: str) -> list[dict]:
    return participant_nav(cid, current, conv.show_results) + [
        {"href": f"/c/{cid}/privacy", "label": i18n._("Privacy"), "current": current == "privacy"}]


@router.get("/c/{cid}/my-data")
async def my_data(cid: str, request: Request) -> Response:
    svc = services(request)
    cookies = Response()
    try:
        pk = await my_participant(request, cookies, cid, None)

        def go():
            with svc.db.read() as s:
                conv = get_conversation(s, cid)
                ct = CT.for_reader(s, conv)
                if pk is None:
                    return conv, ct, None, None
                return conv, ct, privacy.participant_data(s, cid, pk), place_name_of(s, cid, pk, i18n.current())

        conv, ct, data, place_name = await run_in_threadpool(go)
    except ServiceError as e:
        return service_error_page(request, e, back=f"/c/{cid}")
    token = svc.security.csrf_token(request, cookies)
    resp = render(request, "participate/my_data.html", title=i18n._("Your data: %(topic)s", topic=ct.topic), conv=conv,
                  ct=ct, data=data,
                  place_name=place_name,
                  csrf_token=token, nav=_nav(cid, conv, "data"), narrow=True,
                  json_twin=f"{API_PREFIX}/conversations/{cid}/me/data",
                  urls={"download": f"{API_PREFIX}/conversations/{cid}/me/data?download=true",
                        "erase": f"/c/{cid}/my-data/erase", "privacy": f"/c/{cid}/privacy",
                        "participate": f"/c/{cid}"})
    return with_cookies(resp, cookies)


@router.post("/c/{cid}/my-data/erase")
async def erase(cid: str, request: Request, csrf_token: str = Form(""), confirm: str = Form("")) -> Response:
    svc = services(request)
    cookies = Response()
    try:
        svc.security.check_csrf(request, csrf_token)
        if confirm != "yes":
            raise Invalid(i18n.lazy_gettext("tick the box to confirm that your votes and statements should be deleted"))
        pk = await my_participant(request, cookies, cid, None)
        if pk is None:
            return with_cookies(done(request, f"/c/{cid}/my-data", "nothing-to-erase"), cookies)
        await run_in_threadpool(erase_and_reanalyse, request, cid, pk)
    except ServiceError as e:
        return with_cookies(service_error_page(request, e, back=f"/c/{cid}/my-data"), cookies)
    return with_cookies(done(request, f"/c/{cid}/my-data", "erased"), cookies)


@router.get("/c/{cid}/privacy")
async def notice(cid: str, request: Request) -> Response:
    def go():
        with services(request).db.read() as s:
            conv = get_conversation(s, cid)
            return conv, CT.for_reader(s, conv), privacy.notice(conv)

    try:
        conv, ct, data = await run_in_threadpool(go)
    except ServiceError as e:
        return service_error_page(request, e)
    return render(request, "participate/privacy.html", title=i18n._("Privacy: %(topic)s", topic=ct.topic), conv=conv,
                  ct=ct, notice=data,
                  nav=_nav(cid, conv, "privacy"), narrow=True, json_twin=f"{API_PREFIX}/conversations/{cid}/privacy",
                  urls={"my_data": f"/c/{cid}/my-data", "participate": f"/c/{cid}"})
