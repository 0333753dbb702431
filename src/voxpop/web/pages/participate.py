"""Participant pages: one statement card at a time, add a statement, undo, say where you live.

Every form is a plain POST answered with 303 See Other (works without JavaScript); static/js/vote.js
sends the same vote form with `Accept: application/json` and gets the next statement back as JSON.
JSON twin: /api/v1/conversations/{cid}/next, /votes, /me.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse

from voxpop import i18n
from voxpop.errors import Invalid, ServiceError
from voxpop.services import conversation_text as CT
from voxpop.services import routing
from voxpop.services import translations as T
from voxpop.services import votes as V
from voxpop.services.conversations import get_conversation
from voxpop.services.participant_places import (
    conversation_has_places,
    find_place,
    finds_postcodes,
    place_name_of,
    save_place,
    set_place_by_id,
)
from voxpop.services.statements import add_statement, list_statements
from voxpop.web.api.common import API_PREFIX, participant_id, participant_who, services
from voxpop.web.errors import http_status
from voxpop.web.locale import prefer_default
from voxpop.web.pages.common import done, render, service_error_page, wants_json, whole_number, with_cookies

router = APIRouter(include_in_schema=False)

VOTE_LABELS = {"agree": i18n.lazy_gettext("Agree"), "disagree": i18n.lazy_gettext("Disagree"),
               "pass": i18n.lazy_gettext("Pass")}


def conversation_urls(cid: str) -> dict[str, str]:
    base = f"/c/{cid}"
    return {"participate": base, "vote": f"{base}/vote", "undo": f"{base}/undo",
            "add_statement": f"{base}/statements", "place": f"{base}/place", "results": f"{base}/results",
            "embed": f"{base}/embed", "place_search": f"{API_PREFIX}/conversations/{cid}/places/search",
            "json": f"{API_PREFIX}/conversations/{cid}", "json_next": f"{API_PREFIX}/conversations/{cid}/next"}


def participant_nav(cid: str, current: str, show_results: bool) -> list[dict]:
    nav = [{"href": f"/c/{cid}", "label": i18n._("Vote"), "current": current == "vote"}]
    if show_results:
        nav.append({"href": f"/c/{cid}/results", "label": i18n._("Results"), "current": current == "results"})
    nav.append({"href": f"/c/{cid}/my-data", "label": i18n._("Your data"), "current": current == "data"})
    return nav


def card_state(s, cid: str, pk: int | None, place_query: str | None = None, prefer: int | None = None) -> dict:
    """The conversation, the next statement and the participant's progress (one read session).
    `prefer`: show this statement if the participant may vote on it now (the one just undone)."""
    conv = get_conversation(s, cid)
    visible = list_statements(s, cid)
    mine = V.participant_votes(s, pk) if pk is not None else {}
    visible_tids = {st.tid for st in visible}
    voted = sum(1 for t in mine if t in visible_tids)
    again = next((st for st in visible if st.tid == prefer and prefer not in mine), None)
    nxt = (again or routing.next_statement(s, cid, pk)) if conv.is_open else None
    return {
        "conv": conv,
        "statement": ({"id": nxt.tid} | T.for_reader(s, conv, nxt, i18n.current())) if nxt is not None else None,
        "progress": {"voted": voted, "total": len(visible)},
        "places_enabled": conversation_has_places(s, cid),
        "place_name": place_name_of(s, cid, pk, i18n.current()) if pk is not None else None,
        "place_choices": find_place(s, cid, place_query)[1] if place_query else [],
    }


async def _page(request: Request, cid: str, *, embed: bool) -> Response:
    svc = services(request)
    cookies = Response()

    place_query = (request.query_params.get("place_q") or "")[:100] or None
    shown = request.query_params.get("statement", "")
    prefer = whole_number(shown)

    def go():
        with svc.db.read() as s:
            prefer_default(request, (get_conversation(s, cid).languages or [None])[0])  # this thread's copy
            state = card_state(s, cid, pk, place_query, prefer)
            # the hint offers postcodes only when one can be found (the page, not each vote's answer)
            state["place_postcodes"] = state["places_enabled"] and finds_postcodes(s, cid)
            state["ct"] = CT.for_reader(s, state["conv"])  # the title and description in the reader's language
            return state

    place = request.query_params.get("place")
    try:
        pk = await participant_id(request, cookies, cid, create=bool(place))
        if place and pk is not None:
            def store_place():
                with svc.db.write() as s:
                    set_place_by_id(s, cid, pk, place[:100])

            await run_in_threadpool(store_place)
        state = await run_in_threadpool(go)
        prefer_default(request, (state["conv"].languages or [None])[0])  # the conversation's own language
    except ServiceError as e:
        return service_error_page(request, e)
    conv = state["conv"]
    token = svc.security.csrf_token(request, cookies)
    urls = conversation_urls(cid)
    if embed:  # forms come back to the embed page
        urls.update({k: urls[k] + "?embed=1" for k in ("vote", "undo", "add_statement", "place")})
    resp = render(
        request, "participate/conversation.html", title=state["ct"].topic, conv=conv, ct=state["ct"], urls=urls,
        statement=state["statement"], progress=state["progress"], csrf_token=token,
        places_enabled=state["places_enabled"], place_postcodes=state["place_postcodes"],
        place_name=state["place_name"],
        place_query=place_query, place_choices=state["place_choices"],
        max_statement_len=conv.statement_max_len, json_twin=urls["json_next"], embed=embed,
        nav=participant_nav(cid, "vote", conv.show_results), narrow=True, body_class="embed" if embed else None,
        vote_message=None,
    )
    return with_cookies(resp, cookies)


@router.get("/c/{cid}")
async def participate(cid: str, request: Request) -> Response:
    return await _page(request, cid, embed=False)


@router.get("/c/{cid}/embed")
async def participate_embed(cid: str, request: Request) -> Response:
    return await _page(request, cid, embed=True)


def _fail(request: Request, e: ServiceError) -> Response:
    if wants_json(request):
        return JSONResponse({"error": e.code, "message": e.message, "detail": e.message}, status_code=http_status(e))
    return service_error_page(request, e)


def _back(request: Request, cid: str) -> str:
    """Where a form returns to: the embed page when it came from there, else the participant page."""
    return f"/c/{cid}/embed" if request.query_params.get("embed") == "1" else f"/c/{cid}"


@router.post("/c/{cid}/vote")
async def vote(cid: str, request: Request, csrf_token: str = Form(""), statement_id: str = Form(""),
               vote: str = Form("")) -> Response:
    svc = services(request)
    cookies = Response()
    try:
        svc.security.check_csrf(request, csrf_token)
        tid = whole_number(statement_id)
        if tid is None:
            raise Invalid(i18n.lazy_gettext("the form did not say which statement you voted on; reload the page"))
        value = V.parse_vote(vote)
        svc.security.check_rate(request)
        pk = await participant_id(request, cookies, cid, create=True)
        svc.security.check_rate_participant(f"p{pk}")
        fut = svc.writer.submit(V.VoteRequest(cid, pk, tid, value, None,
                                              who=participant_who(request, cookies, None)))
        await asyncio.wrap_future(fut)
    except ServiceError as e:
        return with_cookies(_fail(request, e), cookies)
    message = i18n._("Vote recorded: %(vote)s.", vote=VOTE_LABELS[V.VOTE_NAMES[value] or "pass"])
    payload = None
    if wants_json(request):
        def go():
            with svc.db.read() as s:
                return card_state(s, cid, pk)

        state = await run_in_threadpool(go)
        conv = state["conv"]
        payload = {"ok": True, "vote": V.VOTE_NAMES[value], "message": message, "next": state["statement"],
                   "progress": state["progress"],
                   "results_url": f"/c/{cid}/results" if conv.show_results else None,
                   "done_message": i18n._("You have voted on every statement for now. Thank you!")}
    return with_cookies(done(request, _back(request, cid), "voted", payload), cookies)


@router.post("/c/{cid}/undo")
async def undo(cid: str, request: Request, csrf_token: str = Form("")) -> Response:
    svc = services(request)
    cookies = Response()
    try:
        svc.security.check_csrf(request, csrf_token)
        pk = await participant_id(request, cookies, cid, create=False)

        def last():
            with svc.db.read() as s:
                return V.last_vote(s, pk) if pk is not None else None

        tid = await run_in_threadpool(last)
        if tid is None:
            return with_cookies(done(request, _back(request, cid), "nothing-to-undo"), cookies)
        await asyncio.wrap_future(svc.writer.submit(V.VoteRequest(cid, pk, tid, None, None)))
    except ServiceError as e:
        return with_cookies(_fail(request, e), cookies)
    # back to the statement just undone, so the participant can vote on it again
    return with_cookies(done(request, _back(request, cid), "undone", {"ok": True, "statement": tid},
                             statement=tid), cookies)


@router.post("/c/{cid}/statements")
async def add(cid: str, request: Request, csrf_token: str = Form(""), text: str = Form("")) -> Response:
    svc = services(request)
    cookies = Response()
    try:
        svc.security.check_csrf(request, csrf_token)
        svc.security.check_rate(request, cost=5)
        svc.security.check_new_statement(request)
        pk = await participant_id(request, cookies, cid, create=True)

        def go():
            with svc.db.write() as s:
                add_statement(s, cid, text, participant_id=pk, reader_language=i18n.current())
                return get_conversation(s, cid).moderation

        moderation = await run_in_threadpool(go)
    except ServiceError as e:
        return with_cookies(_fail(request, e), cookies)
    msg = "added-pending" if moderation == "strict" else "added"
    return with_cookies(done(request, _back(request, cid), msg), cookies)


@router.post("/c/{cid}/place")
async def place(cid: str, request: Request, csrf_token: str = Form(""), place: str = Form(""),
                place_id: str = Form(""), decline: str = Form("")) -> Response:
    """Save the participant's place: a chosen `place_id`, or a typed `place` that names exactly one place.
    An ambiguous or unknown name comes back to the page with a choice or suggestions (never an error page);
    `decline` ("I'd rather not say") stores nothing."""
    svc = services(request)
    cookies = Response()
    try:
        svc.security.check_csrf(request, csrf_token)
        if decline:
            return with_cookies(done(request, _back(request, cid), "place-declined"), cookies)
        pk = await participant_id(request, cookies, cid, create=True)

        def go() -> bool:
            with svc.db.write() as s:
                chosen = place_id.strip()[:100] or find_place(s, cid, place)[0]
                return chosen is not None and pk is not None and save_place(s, cid, pk, chosen)

        saved = await run_in_threadpool(go)
    except ServiceError as e:
        return with_cookies(_fail(request, e), cookies)
    if not saved:
        if wants_json(request):
            return with_cookies(JSONResponse({"ok": False, "place_q": place[:100]}, status_code=200), cookies)
        back = _back(request, cid)
        sep = "&" if "?" in back else "?"
        return with_cookies(RedirectResponse(f"{back}{sep}{urlencode({'place_q': place.strip()[:100]})}"
                                             "#place-heading", status_code=303), cookies)
    return with_cookies(done(request, _back(request, cid), "place-saved"), cookies)
