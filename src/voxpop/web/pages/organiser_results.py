"""Organiser pages for a conversation's life and results: close and reopen it (an explicit button, then a
confirmation page that works without JavaScript) and name its opinion groups.

JSON twins: GET/PUT /api/v1/conversations/{cid}/group-names (voxpop.web.api.group_names); the open state is
in GET /api/v1/conversations/{cid} (is_open) and changed with PATCH there.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from voxpop import i18n
from voxpop.analysis.schema import stored
from voxpop.services.analyses import get_analysis
from voxpop.services.conversations import set_open
from voxpop.store.group_names import group_names, save_group_names
from voxpop.web.api.common import API_PREFIX, services
from voxpop.web.pages.common import done, render, with_cookies
from voxpop.web.pages.organiser import _csrf, _managed, _nav, _run

router = APIRouter(include_in_schema=False)
ACTIONS = {"close": False, "reopen": True}


@router.get("/organiser/c/{cid}/close")
async def confirm_close(cid: str, request: Request) -> Response:
    return await _confirm_page(cid, "close", request)


@router.get("/organiser/c/{cid}/reopen")
async def confirm_reopen(cid: str, request: Request) -> Response:
    return await _confirm_page(cid, "reopen", request)


@router.post("/organiser/c/{cid}/close")
async def close(cid: str, request: Request) -> Response:
    return await _change_open(cid, "close", request)


@router.post("/organiser/c/{cid}/reopen")
async def reopen(cid: str, request: Request) -> Response:
    return await _change_open(cid, "reopen", request)


async def _confirm_page(cid: str, action: str, request: Request) -> Response:
    svc = services(request)

    def go():
        with svc.db.read() as s:
            conv, _ = _managed(request, s, cid)
            return conv

    conv, err = await _run(request, go, back=f"/organiser/c/{cid}")
    if err:
        return err
    cookies = Response()
    token = svc.security.csrf_token(request, cookies)
    title = (i18n._("Close: %(topic)s", topic=conv.topic) if action == "close"
             else i18n._("Reopen: %(topic)s", topic=conv.topic))
    resp = render(request, "organiser/confirm_open.html", title=title, conv=conv,
                  action=action, csrf_token=token, back=f"/organiser/c/{cid}", nav=_nav(""), nav_label="Organiser",
                  json_twin=f"{API_PREFIX}/conversations/{cid}")
    return with_cookies(resp, cookies)


async def _change_open(cid: str, action: str, request: Request) -> Response:
    form = await request.form()

    def go():
        _csrf(request, str(form.get("csrf_token") or ""))
        with services(request).db.write() as s:
            conv, _ = _managed(request, s, cid)
            if conv.is_open != ACTIONS[action]:
                set_open(s, cid, ACTIONS[action])

    _, err = await _run(request, go, back=f"/organiser/c/{cid}")
    return err or done(request, f"/organiser/c/{cid}", "closed" if action == "close" else "reopened")


@router.post("/organiser/c/{cid}/group-names")
async def name_groups(cid: str, request: Request) -> Response:
    form = await request.form()

    def go():
        _csrf(request, str(form.get("csrf_token") or ""))
        with services(request).db.write() as s:
            _managed(request, s, cid)
            doc = stored(get_analysis(s, cid)["document"])
            ids = [str(g["id"]) for g in (doc["groups"] if doc else [])]
            names = group_names(s, cid)
            for gid in ids:
                if f"name-{gid}" in form:
                    names[gid] = str(form.get(f"name-{gid}") or "")
            save_group_names(s, cid, names)

    _, err = await _run(request, go, back=f"/organiser/c/{cid}")
    return err or done(request, f"/organiser/c/{cid}", "groups-named")
