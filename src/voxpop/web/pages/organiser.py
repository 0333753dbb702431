"""Organiser pages: sign in, conversations, settings, seed statements (one or a CSV), moderation queue,
exports, share link and embed snippet. JSON twins: /api/v1/conversations[/{cid}[/moderation]].
"""

from __future__ import annotations

from html import escape
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Request, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse

from voxpop import i18n
from voxpop.analysis.schema import stored
from voxpop.errors import Invalid, ServiceError, Unauthorized
from voxpop.i18n import N_
from voxpop.report.palette import group_style
from voxpop.services import accounts
from voxpop.services import conversation_text as CT
from voxpop.services.analyses import get_analysis
from voxpop.services.conversations import (
    check_can_manage,
    create_conversation,
    get_conversation,
    list_conversations,
    update_conversation,
)
from voxpop.services.moderation import moderate, moderation_queue
from voxpop.services.statements import CSV_MAX_BYTES, add_statement, bulk_seed_csv, list_statements
from voxpop.store.counts import statement_vote_counts
from voxpop.store.group_names import group_names
from voxpop.web.api.common import API_PREFIX, services
from voxpop.web.pages.common import done, render, service_error_page, whole_number, with_cookies

router = APIRouter(include_in_schema=False)
EXPORTS = (("comments.csv", N_("Statements (CSV)")), ("votes.csv", N_("Every vote (CSV)")),
           ("participants-votes.csv", N_("Participants × statements (CSV)")), ("summary.csv", N_("Summary (CSV)")),
           ("analysis.json", N_("Analysis document (JSON)")))
ARCHIVE = ("archive", N_("Archive (zip): everything, to move or back up the conversation"))
STATUS = {1: N_("Accepted"), 0: N_("Waiting"), -1: N_("Rejected")}


class _SignInNeeded(Exception):
    pass


def _organiser(request: Request, s):
    org = services(request).security.organiser(request, s)
    if org is None:
        raise _SignInNeeded()
    return org


def _sign_in_redirect(request: Request) -> Response:
    nxt = request.url.path if request.method == "GET" else "/organiser"
    return RedirectResponse("/organiser/sign-in?" + urlencode({"next": nxt, "msg": "sign-in-needed"}),
                            status_code=303)


def _managed(request: Request, s, cid: str):
    org = _organiser(request, s)
    conv = get_conversation(s, cid)
    check_can_manage(conv, org)
    return conv, org


async def _run(request: Request, fn, *, back: str | None = None):
    """Run fn in a thread; turn 'not signed in' into a redirect and service errors into a page."""
    try:
        return await run_in_threadpool(fn), None
    except _SignInNeeded:
        return None, _sign_in_redirect(request)
    except Unauthorized:
        return None, _sign_in_redirect(request)
    except ServiceError as e:
        return None, service_error_page(request, e, back=back)


def _csrf(request: Request, token: str) -> None:
    services(request).security.check_csrf(request, token)


def _safe_next(url: str) -> str:
    return url if url.startswith("/") and not url.startswith("//") and "\\" not in url else "/organiser"


def _nav(current: str) -> list[dict]:
    return [{"href": "/organiser", "label": i18n._("Your conversations"), "current": current == "home"},
            {"href": "/organiser/import", "label": i18n._("Import"), "current": current == "import"}]


# ------------------------------------------------------------------ sign in / out


@router.get("/organiser/sign-in")
async def sign_in_page(request: Request, next: str = "/organiser") -> Response:
    cookies = Response()
    token = services(request).security.csrf_token(request, cookies)
    resp = render(request, "organiser/sign_in.html", title=i18n._("Organiser sign in"), csrf_token=token,
                  next_url=_safe_next(next), urls={"sign_in": "/organiser/sign-in"}, narrow=True)
    return with_cookies(resp, cookies)


@router.post("/organiser/sign-in")
async def sign_in(request: Request, csrf_token: str = Form(""), username: str = Form(""),
                  password: str = Form(""), next: str = Form("/organiser")) -> Response:
    svc = services(request)
    try:
        _csrf(request, csrf_token)
        svc.security.login_attempt(request, username[:64])
    except ServiceError as e:
        return service_error_page(request, e, back="/organiser/sign-in")

    def go():
        with svc.db.write() as s:
            org = accounts.authenticate(s, username[:64], password[:256])
            return accounts.create_session(s, org.id) if org else None

    session = await run_in_threadpool(go)
    if session is None:
        cookies = Response()
        token = svc.security.csrf_token(request, cookies)
        resp = render(request, "organiser/sign_in.html", status_code=401, title=i18n._("Organiser sign in"),
                      csrf_token=token, next_url=_safe_next(next), urls={"sign_in": "/organiser/sign-in"},
                      username=username[:64], flash=i18n._("Wrong username or password. Please try again."),
                      flash_kind="error", narrow=True)
        return with_cookies(resp, cookies)
    resp = RedirectResponse(_safe_next(next) + ("&" if "?" in next else "?") + "msg=signed-in", status_code=303)
    svc.security.login(request, resp, session)
    svc.security.login_succeeded(request, resp, username[:64])
    return resp


@router.post("/organiser/sign-out")
async def sign_out(request: Request, csrf_token: str = Form("")) -> Response:
    try:
        _csrf(request, csrf_token)
    except ServiceError as e:
        return service_error_page(request, e)
    svc = services(request)
    token = svc.security.session_token(request)

    def go():
        with svc.db.write() as s:
            accounts.end_session(s, token)

    if token is not None:
        await run_in_threadpool(go)
    resp = RedirectResponse("/organiser/sign-in?msg=signed-out", status_code=303)
    svc.security.logout(resp)
    return resp


# ------------------------------------------------------------------ conversations


@router.get("/organiser")
async def dashboard(request: Request) -> Response:
    svc = services(request)

    def go():
        with svc.db.read() as s:
            org = _organiser(request, s)
            convs = list_conversations(s, owner_id=None if org.is_admin else org.id)
            return [{"title": c.topic, "is_open": c.is_open, "manage_url": f"/organiser/c/{c.id}",
                     "moderate_url": f"/organiser/c/{c.id}/moderate",
                     "pending": len(moderation_queue(s, c.id))} for c in convs]

    rows, err = await _run(request, go)
    if err:
        return err
    cookies = Response()
    token = svc.security.csrf_token(request, cookies)
    resp = render(request, "organiser/dashboard.html", title=i18n._("Your conversations"), conversations=rows,
                  csrf_token=token, urls={"create": "/organiser/conversations", "sign_out": "/organiser/sign-out"},
                  nav=_nav("home"), nav_label="Organiser", json_twin=f"{API_PREFIX}/conversations")
    return with_cookies(resp, cookies)


@router.post("/organiser/conversations")
async def create(request: Request, csrf_token: str = Form(""), topic: str = Form(""),
                 description: str = Form("")) -> Response:
    def go():
        _csrf(request, csrf_token)
        with services(request).db.write() as s:
            org = _organiser(request, s)
            return create_conversation(s, topic=topic, description=description, owner_id=org.id).id

    cid, err = await _run(request, go, back="/organiser")
    return err or done(request, f"/organiser/c/{cid}", "created")


def embed_snippet(base: str, cid: str, title: str) -> str:
    src = f"{base}/c/{cid}/embed"
    return (f'<iframe src="{escape(src)}" title="{escape(title)}" loading="lazy" '
            'style="width:100%;max-width:40rem;height:46rem;border:1px solid #c9d0d8;border-radius:12px"></iframe>')


@router.get("/organiser/c/{cid}")
async def manage(cid: str, request: Request) -> Response:
    svc = services(request)

    def go():
        with svc.db.read() as s:
            conv, _ = _managed(request, s, cid)
            votes = statement_vote_counts(s, cid)
            none = {"agree": 0, "disagree": 0, "pass": 0, "total": 0}
            stmts = [{"id": st.tid, "text": st.text, "mod_status": st.mod_status,
                      "status": (i18n._("Meta") + " · " if st.is_meta else "") + i18n._(STATUS[st.mod_status]),
                      "origin": i18n._("Seed") if st.is_seed else i18n._("Participant"), "votes": votes.get(st.tid, none)}
                     for st in list_statements(s, cid, include_hidden=True)]
            res = get_analysis(s, cid)
            given = CT.translations(s, conv)
            title_translations = [{"code": code, "name": i18n.language_name(code),
                                   "own_name": i18n.LANGUAGES[code].name, "dir": i18n.text_direction(code),
                                   **given.get(code, {"topic": "", "description": ""})}
                                  for code in CT.languages_to_give(conv)]
            return conv, stmts, len(moderation_queue(s, cid)), res, group_names(s, cid), title_translations

    out, err = await _run(request, go)
    if err:
        return err
    conv, stmts, pending, res, names, title_translations = out
    doc = stored(res["document"])
    groups = [{"id": str(g["id"]), "letter": group_style(i).letter, "size": g["size"],
               "name": names.get(str(g["id"]), "")}
              for i, g in enumerate(doc["groups"] if doc else [])]
    counts = doc["meta"]["counts"] if doc else None
    message = res.get("message") or ""
    analysis = {"status": res.get("status"), "fresh": res.get("fresh"), "message": message[:1].upper() + message[1:],
                "participants": counts["participants"] if counts else None,
                "votes": counts["votes"] if counts else None, "groups": len(groups),
                "job": res.get("job") or {}}
    base = str(request.base_url).rstrip("/")
    cookies = Response()
    token = svc.security.csrf_token(request, cookies)
    o = f"/organiser/c/{cid}"
    resp = render(
        request, "organiser/conversation.html", title=conv.topic, conv=conv, statements=stmts, pending=pending,
        analysis=analysis, groups=groups, title_translations=title_translations,
        csrf_token=token, share_url=f"{base}/c/{cid}", embed_snippet=embed_snippet(base, cid, conv.topic),
        max_statement_len=conv.statement_max_len,
        exports=[{"href": f"{API_PREFIX}/conversations/{cid}/exports/{n}", "label": i18n._(label)} for n, label in EXPORTS]
        + [{"href": f"{API_PREFIX}/conversations/{cid}/{ARCHIVE[0]}", "label": i18n._(ARCHIVE[1])}],
        urls={"participate": f"/c/{cid}", "results": f"/c/{cid}/results", "moderate": f"{o}/moderate",
              "settings": f"{o}/settings", "seed": f"{o}/statements", "seed_csv": f"{o}/statements-csv",
              "places": f"{o}/places", "close": f"{o}/close", "reopen": f"{o}/reopen",
              "group_names": f"{o}/group-names", "erase": f"{o}/erase-participant",
              "privacy": f"/c/{cid}/privacy"},
        nav=_nav(""), nav_label="Organiser", json_twin=f"{API_PREFIX}/conversations/{cid}",
    )
    return with_cookies(resp, cookies)


@router.post("/organiser/c/{cid}/settings")
async def settings(cid: str, request: Request, csrf_token: str = Form(""), topic: str = Form(""),
                   description: str = Form(""), who_may_add: str = Form("participants"),
                   moderation: str = Form("post"), statement_max_len: str = Form("280"),
                   show_results: str = Form(""), forget_identities_days: str = Form("")) -> Response:
    """Save the settings form (closing and reopening have their own buttons and confirmation); the title and
    description in other languages come as topic_CODE / description_CODE fields (all checked before any is saved)."""
    form = await request.form()
    given = {code: {"topic": str(form.get(f"topic_{code}") or ""),
                    "description": str(form.get(f"description_{code}") or "")}
             for code in i18n.LANGUAGES if f"topic_{code}" in form or f"description_{code}" in form}

    def go():
        _csrf(request, csrf_token)
        try:
            max_len = int(statement_max_len)
        except ValueError:
            raise Invalid(i18n.lazy_gettext("the longest statement must be a whole number of characters")) from None
        days = forget_identities_days.strip()
        n_days = whole_number(days, below=2**62) if days else None
        if days and n_days is None:
            raise Invalid(i18n.lazy_gettext("forget identities after: a whole number of days, or leave it "
                                            "empty to keep them"))
        with services(request).db.write() as s:
            _managed(request, s, cid)
            conv = update_conversation(s, cid, topic=topic, description=description, who_may_add=who_may_add,
                                       moderation=moderation, statement_max_len=max_len,
                                       show_results=bool(show_results),
                                       forget_identities_days=n_days)
            if given:
                CT.set_translations(s, conv, given)  # one transaction: an invalid translation saves nothing

    _, err = await _run(request, go, back=f"/organiser/c/{cid}")
    return err or done(request, f"/organiser/c/{cid}", "saved")


@router.post("/organiser/c/{cid}/erase-participant")
async def erase_participant(cid: str, request: Request, csrf_token: str = Form(""),
                            participant: str = Form("")) -> Response:
    """Erase one participant on their request (the number their "Your data" page shows them)."""
    from voxpop.services.participants import get_participant
    from voxpop.web.api.privacy import erase_and_reanalyse

    def go():
        _csrf(request, csrf_token)
        pid = whole_number(participant, below=2**62)
        if pid is None:
            raise Invalid(i18n.lazy_gettext("give the participant's number, as their \"Your data\" page "
                                            "shows it"))
        with services(request).db.read() as s:
            _managed(request, s, cid)
            get_participant(s, cid, pid)
        erase_and_reanalyse(request, cid, pid)

    _, err = await _run(request, go, back=f"/organiser/c/{cid}")
    return err or done(request, f"/organiser/c/{cid}", "participant-erased")


@router.post("/organiser/c/{cid}/statements")
async def seed_one(cid: str, request: Request, csrf_token: str = Form(""), text: str = Form("")) -> Response:
    def go():
        _csrf(request, csrf_token)
        with services(request).db.write() as s:
            _managed(request, s, cid)
            add_statement(s, cid, text, by_organiser=True)

    _, err = await _run(request, go, back=f"/organiser/c/{cid}")
    return err or done(request, f"/organiser/c/{cid}", "seeded")


@router.post("/organiser/c/{cid}/statements-csv")
async def seed_csv(cid: str, request: Request, csrf_token: str = Form(""),
                   file: UploadFile = File(...)) -> Response:
    data = await file.read(CSV_MAX_BYTES + 1)
    name = file.filename or "upload.csv"

    def go():
        _csrf(request, csrf_token)
        with services(request).db.write() as s:
            _managed(request, s, cid)
            return len(bulk_seed_csv(s, cid, data, filename=name))

    n, err = await _run(request, go, back=f"/organiser/c/{cid}")
    return err or done(request, f"/organiser/c/{cid}", "seeded", n=n)


# ------------------------------------------------------------------ moderation


@router.get("/organiser/c/{cid}/moderate")
async def queue(cid: str, request: Request) -> Response:
    svc = services(request)

    def go():
        with svc.db.read() as s:
            conv, _ = _managed(request, s, cid)
            return conv, [{"id": st.tid, "text": st.text} for st in moderation_queue(s, cid)]

    out, err = await _run(request, go)
    if err:
        return err
    conv, items = out
    cookies = Response()
    token = svc.security.csrf_token(request, cookies)
    resp = render(request, "organiser/moderate.html", title=i18n._("Moderation: %(topic)s", topic=conv.topic), conv=conv, items=items,
                  csrf_token=token, focus_first=request.query_params.get("msg") in ("accepted", "rejected", "meta"),
                  urls={"manage": f"/organiser/c/{cid}", "moderate": f"/organiser/c/{cid}/moderate"},
                  nav=_nav(""), nav_label="Organiser", json_twin=f"{API_PREFIX}/conversations/{cid}/moderation")
    return with_cookies(resp, cookies)


@router.post("/organiser/c/{cid}/moderate")
async def decide(cid: str, request: Request, csrf_token: str = Form(""), statement_id: str = Form(""),
                 decision: str = Form(""), back: str = Form("")) -> Response:
    def go():
        _csrf(request, csrf_token)
        tid = whole_number(statement_id)
        if tid is None:
            raise Invalid(i18n.lazy_gettext("the form did not say which statement to moderate; reload the "
                                            "page"))
        if decision not in ("accept", "reject", "meta"):
            raise Invalid(i18n.lazy_gettext("choose Accept, Reject or Meta"))
        with services(request).db.write() as s:
            _, org = _managed(request, s, cid)
            moderate(s, cid, tid, decision, organiser_id=org.id)

    # the queue, or the statements table of the conversation page (post-moderation: reject what is shown)
    to = f"/organiser/c/{cid}" + ("#statements-heading" if back == "manage" else "/moderate")
    _, err = await _run(request, go, back=to)
    msg = {"accept": "accepted", "reject": "rejected", "meta": "meta"}.get(decision, "")
    if err is None and back == "manage":
        return done(request, f"/organiser/c/{cid}", msg)
    return err or done(request, to, msg)
