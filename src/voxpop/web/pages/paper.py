"""Organiser pages for paper: make and print a pack, type ballots in fast (twice), settle mismatches.

JSON twins: /api/v1/conversations/{cid}/paper, .../paper/packs, .../paper/entries[/csv].
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile
from fastapi.responses import RedirectResponse

from voxpop import i18n
from voxpop.errors import Invalid
from voxpop.fieldwork import paper as PP
from voxpop.fieldwork.csvin import MAX_BYTES
from voxpop.fieldwork.places import place_label
from voxpop.fieldwork.qr import qr_svg
from voxpop.services import conversation_text as CT
from voxpop.services.statements import list_statements
from voxpop.web.api import paper as AP
from voxpop.web.api.common import API_PREFIX, services
from voxpop.web.pages.common import render, whole_number, with_cookies
from voxpop.web.pages.organiser import _csrf, _managed, _run

router = APIRouter(include_in_schema=False)
STATUSES = ("entered", "imported", "mismatch")  # the template words each


def _page(request: Request, template: str, **ctx) -> Response:
    cookies = Response()
    resp = render(request, template, csrf_token=services(request).security.csrf_token(request, cookies),
                  nav_label="Organiser", **ctx)
    return with_cookies(resp, cookies)


@router.get("/organiser/c/{cid}/paper")
async def paper_page(cid: str, request: Request) -> Response:
    def go():
        with services(request).db.read() as s:
            conv, _ = _managed(request, s, cid)
            return conv, PP.summary(s, cid)

    out, err = await _run(request, go)
    if err:
        return err
    conv, summary = out
    o = f"/organiser/c/{cid}"
    return _page(request, "field/paper.html", title=i18n._("Paper · %(topic)s", topic=conv.topic), conv=conv, summary=summary,
                 urls={"back": o, "packs": f"{o}/paper/packs", "enter": f"{o}/paper/enter",
                       "csv": f"{o}/paper/entries/csv"}, json_twin=f"{API_PREFIX}/conversations/{cid}/paper")


@router.post("/organiser/c/{cid}/paper/packs")
async def make_pack(cid: str, request: Request, csrf_token: str = Form(""), place: str = Form(""),
                    sheets: str = Form("")) -> Response:
    def go():
        _csrf(request, csrf_token)
        n = whole_number(sheets)
        if n is None:
            raise Invalid(i18n.lazy_gettext("the number of sheets must be a whole number, e.g. 50"))
        if not 1 <= n <= PP.MAX_SHEETS:  # PackIn would refuse it with a pydantic error (a 500 here)
            raise Invalid(i18n.lazy_gettext("the number of sheets must be from 1 to %(max_sheets)s", max_sheets=PP.MAX_SHEETS))
        return AP.make_pack_sync(request, cid, AP.PackIn(place=place[:100] or None, sheets=n))

    out, err = await _run(request, go, back=f"/organiser/c/{cid}/paper")
    return err or RedirectResponse(out["print"], status_code=303)


@router.get("/organiser/c/{cid}/paper/print")
async def print_pack(cid: str, request: Request, sheets: str = Query("", max_length=20_000)) -> Response:
    """The pack to print: statement cards for the table, then one ballot sheet per page."""
    def go():
        with services(request).db.read() as s:
            conv, _ = _managed(request, s, cid)
            found = PP.sheets_for_print(s, cid, [x for x in sheets.split(",") if x.strip()])
            texts = {st.tid: st.text for st in list_statements(s, cid, include_hidden=True)}
            # the sheets speak the language they are printed in: the title in it where the organiser gave one
            return conv, CT.for_reader(s, conv), found, texts, place_label(s, cid, found[0].place_id)

    out, err = await _run(request, go, back=f"/organiser/c/{cid}/paper")
    if err:
        return err
    conv, ct, found, texts, label = out
    base = str(request.base_url).rstrip("/")
    place_id = found[0].place_id
    url = f"{base}/c/{quote(cid)}" + (f"?{urlencode({'place': place_id})}" if place_id else "")
    ballots = [{"id": PP.pretty_sheet_id(sh.sheet_id),
                "statements": [{"n": i + 1, "tid": t, "text": texts.get(t, "")} for i, t in enumerate(sh.statements)]}
               for sh in found]
    cards = ballots[0]["statements"] if ballots else []
    return render(request, "field/paper_print.html", title=i18n._("Paper pack · %(topic)s", topic=ct.topic), conv=conv,
                  ct=ct, ballots=ballots,
                  cards=cards, place=label, online_url=url, qr=qr_svg(url), body_class="print-pages",
                  urls={"back": f"/organiser/c/{cid}/paper"})


@router.get("/organiser/c/{cid}/paper/enter")
async def enter_page(cid: str, request: Request, sheet: str = Query("", max_length=20),
                     status: str = Query("", max_length=20), entered_by: str = Query("", max_length=100)) -> Response:
    def go():
        with services(request).db.read() as s:
            conv, _ = _managed(request, s, cid)
            return conv

    conv, err = await _run(request, go)
    if err:
        return err
    last = {"sheet": sheet, "status": status} if status in STATUSES else None
    return _page(request, "field/paper_enter.html", title=i18n._("Type in paper ballots · %(topic)s", topic=conv.topic), conv=conv,
                 last=last, entered_by=entered_by, narrow=True,
                 urls={"back": f"/organiser/c/{cid}/paper", "enter": f"/organiser/c/{cid}/paper/enter"})


@router.post("/organiser/c/{cid}/paper/enter")
async def enter(cid: str, request: Request, csrf_token: str = Form(""), sheet: str = Form(""),
                answers: str = Form(""), entered_by: str = Form("")) -> Response:
    back = f"/organiser/c/{cid}/paper/enter"

    def go():
        _csrf(request, csrf_token)
        return AP.enter_sync(request, cid, AP.EntryIn(sheet=sheet[:20], answers=answers[:400],
                                                      entered_by=entered_by[:100]))

    out, err = await _run(request, go, back=back + "?" + urlencode({"entered_by": entered_by[:100]}))
    if err:
        return err
    q = urlencode({"sheet": out["sheet"], "status": out["status"], "entered_by": entered_by[:100]})
    return RedirectResponse(f"{back}?{q}", status_code=303)


@router.post("/organiser/c/{cid}/paper/entries/csv")
async def enter_csv(cid: str, request: Request, csrf_token: str = Form(""), file: UploadFile = File(...)) -> Response:
    data = await file.read(MAX_BYTES + 1)

    def go():
        _csrf(request, csrf_token)
        with services(request).db.read() as s:
            conv, _ = _managed(request, s, cid)
        return conv, AP.enter_csv_sync(request, cid, data)

    out, err = await _run(request, go, back=f"/organiser/c/{cid}/paper")
    if err:
        return err
    conv, result = out
    return _page(request, "field/paper_result.html", title=i18n._("Tally imported · %(topic)s", topic=conv.topic), conv=conv,
                 result=result, urls={"back": f"/organiser/c/{cid}/paper"})
