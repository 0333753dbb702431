"""Organiser page: the conversation's languages and its statements' translations (the translation queue).

JSON twin: /api/v1/conversations/{cid}/translations. Statements added by participants in one language wait
here, with every statement missing a translation listed first.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request, Response

from voxpop import i18n
from voxpop.services import translations as T
from voxpop.services.statements import list_statements
from voxpop.web.api.common import API_PREFIX, services
from voxpop.web.pages.common import done, render, with_cookies
from voxpop.web.pages.organiser import _csrf, _managed, _run

router = APIRouter(include_in_schema=False)


@router.get("/organiser/c/{cid}/translations")
async def translations_page(cid: str, request: Request) -> Response:
    def go():
        with services(request).db.read() as s:
            conv, _ = _managed(request, s, cid)
            langs = T.languages_of(conv)
            given = T.translations_of(s, cid)
            missing = T.missing_translations(s, conv)
            rows = [{"id": st.tid, "text": st.text, "language": st.language or langs[0],
                     "translations": given.get(st.tid, {}), "missing": missing.get(st.tid, [])}
                    for st in list_statements(s, cid, include_hidden=True) if st.mod_status != -1]
            return conv, langs, sorted(rows, key=lambda r: (not r["missing"], r["id"]))

    out, err = await _run(request, go)
    if err:
        return err
    conv, langs, rows = out
    cookies = Response()
    token = services(request).security.csrf_token(request, cookies)
    reader = i18n.current()
    resp = render(request, "organiser/translations.html", title=i18n._("Languages · %(topic)s", topic=conv.topic),
                  conv=conv, csrf_token=token, rows=rows, langs=langs,
                  names={c: T.language_name(c, reader) for c in langs},
                  waiting=sum(1 for r in rows if r["missing"]),
                  urls={"back": f"/organiser/c/{cid}", "self": f"/organiser/c/{cid}/translations",
                        "languages": f"/organiser/c/{cid}/languages", "statements": f"/organiser/c/{cid}/statements"},
                  nav_label=i18n._("Organiser"), json_twin=f"{API_PREFIX}/conversations/{cid}/translations")
    return with_cookies(resp, cookies)


@router.post("/organiser/c/{cid}/languages")
async def save_languages(cid: str, request: Request, csrf_token: str = Form(""),
                         languages: str = Form("")) -> Response:
    def go():
        _csrf(request, csrf_token)
        with services(request).db.write() as s:
            conv, _ = _managed(request, s, cid)
            T.set_languages(s, conv, [c for c in languages.replace(";", ",").split(",")])

    back = f"/organiser/c/{cid}/translations"
    _, err = await _run(request, go, back=back)
    return err or done(request, back, "saved")


@router.post("/organiser/c/{cid}/statements/{tid}/translations")
async def save_translations(cid: str, tid: Annotated[int, Path(ge=0, lt=2**31)], request: Request) -> Response:
    form = await request.form()

    def go():
        _csrf(request, str(form.get("csrf_token", "")))
        with services(request).db.write() as s:
            conv, _ = _managed(request, s, cid)
            for code in T.languages_of(conv):
                value = form.get(f"text_{code}")
                if isinstance(value, str):
                    T.set_translation(s, conv, tid, code, value)

    back = f"/organiser/c/{cid}/translations"
    _, err = await _run(request, go, back=back)
    return err or done(request, f"{back}#s{tid}", "saved")
