"""Organiser pages: import a conversation — a voxpop archive or a Pol.is export — as a zip or its files.
JSON twin: POST /api/v1/imports (and GET /api/v1/conversations/{cid}/archive for the archive itself)."""

from __future__ import annotations

from fastapi import APIRouter, File, Form, Request, Response, UploadFile

from voxpop import i18n
from voxpop.errors import ServiceError, Unauthorized
from voxpop.web.api.common import API_PREFIX, services
from voxpop.web.api.exports import import_files
from voxpop.web.pages.common import done, render, service_error_page, with_cookies
from voxpop.web.pages.organiser import _nav, _sign_in_redirect

router = APIRouter(include_in_schema=False)


@router.get("/organiser/import")
async def import_page(request: Request) -> Response:
    svc = services(request)
    with svc.db.read() as s:
        if svc.security.organiser(request, s) is None:
            return _sign_in_redirect(request)
    cookies = Response()
    token = svc.security.csrf_token(request, cookies)
    resp = render(request, "organiser/import.html", title=i18n._("Import a conversation"), csrf_token=token,
                  nav=_nav("import"), nav_label="Organiser", narrow=True, json_twin=f"{API_PREFIX}/imports")
    return with_cookies(resp, cookies)


@router.post("/organiser/import")
async def import_post(request: Request, csrf_token: str = Form(""), files: list[UploadFile] = File(default=[]),
                      as_copy: str = Form("")) -> Response:
    svc = services(request)
    try:
        svc.security.check_csrf(request, csrf_token)
        result = await import_files(request, files, bool(as_copy))
    except Unauthorized:
        return _sign_in_redirect(request)
    except ServiceError as e:
        return service_error_page(request, e, back="/organiser/import")
    return done(request, f"/organiser/c/{result['id']}", "imported", result)
