"""Organiser page for listening: upload testimony (CSV / .txt / .md), see the themes it falls into with
verbatim quotes and breakdowns (drawn by voxpop.report, small cells suppressed), and accept candidate
statements as seed statements in one step. JSON twin: /api/v1/conversations/{cid}/listen[/themes].

The themes' names come from people's testimony, so they reach the results page only when an organiser
publishes them here (services.theme_publishing): the page says which run is on the results page, and has a
button to publish the latest themes or to withdraw them (JSON twin: /api/v1/conversations/{cid}/listen/published).

An upload becomes a background job (services.listen_jobs): the form answers at once with a redirect to the
job's page (/organiser/c/{cid}/listen/jobs/{job}, JSON twin .../listen/jobs/{job}), which shows its stage
and progress; static/js/listen-job.js polls the JSON twin and updates the page (without JavaScript, a link
refreshes it). The work itself is web.api.listen's and the services'; this module only draws pages.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from fastapi import APIRouter, File, Form, Request, Response, UploadFile
from fastapi.responses import JSONResponse, RedirectResponse

from voxpop import i18n
from voxpop.errors import Invalid, ServiceError
from voxpop.i18n import N_
from voxpop.report.themes import build_themes
from voxpop.services import listen_jobs as jobs
from voxpop.services import theme_publishing as TPub
from voxpop.web.api import listen as AL
from voxpop.web.api.common import API_PREFIX, services
from voxpop.web.pages import theme_places as TPP
from voxpop.web.pages.common import done, render, service_error_page, wants_json, whole_number, with_cookies
from voxpop.web.pages.organiser import _csrf, _managed, _run

router = APIRouter(include_in_schema=False)
MODELS = {"auto": N_("Best available (MiniLM when installed, else TF-IDF)"), "tfidf": N_("TF-IDF (fast, no model)")}
# Why a candidate was not added: a code in the redirect's query string, never free text from the server.
SKIP_REASONS = {"accepted": N_("it was already added earlier"),
                "duplicate": N_("the same statement is already in the conversation"),
                "closed": N_("the conversation is closed and takes no new statements"),
                "other": N_("it could not be added right now")}
_ID = re.compile(r"^[\w.#\-]{1,80}$")  # candidate ids (c0.1, c2.0.3); never a comma or colon


def _reason_code(reason: str) -> str:
    if reason == "already accepted":
        return "accepted"
    if "already in the conversation" in reason:
        return "duplicate"
    return "closed" if "closed" in reason else "other"


def _status(request: Request) -> dict | None:
    """The message after a POST: ?msg=listened&themes=N, ?msg=themes-published, ?msg=themes-withdrawn, or
    ?msg=listen-accepted&added=N&skip=ID:CODE,..."""
    q = request.query_params
    if q.get("msg") in ("themes-published", "themes-withdrawn"):
        return {"published": q["msg"] == "themes-published"}
    if q.get("msg") == "listened":
        n = q.get("themes", "")
        return {"listened": whole_number(n)}
    if q.get("msg") != "listen-accepted":
        return None
    added = whole_number(q.get("added")) or 0
    skipped = []
    for item in q.get("skip", "").split(",")[:500]:
        cand, _, code = item.rpartition(":")
        if _ID.match(cand) and code in SKIP_REASONS:
            skipped.append({"candidate": cand, "reason": SKIP_REASONS[code]})
    return {"added": added, "skipped": skipped}


def _candidates(view, accepted: list[dict]) -> list[dict]:
    """Each theme with its (and its sub-themes') candidates for the checkbox list; the drawing keeps none."""
    done_ids = {a.get("candidate") for a in accepted}
    groups = []
    for t in view.themes:
        cands = [*t.candidates, *(c for sub in t.subthemes for c in sub.candidates)]
        t.candidates = []
        for sub in t.subthemes:
            sub.candidates = []
        if cands:
            groups.append({"label": t.label, "anchor": t.anchor,
                           "candidates": [{"id": c.id, "text": c.text, "testimony": c.testimony,
                                           "who": ", ".join(x for x in (c.speaker if c.speaker != c.testimony
                                                                        else "", c.place) if x) or "a participant",
                                           "n": c.n_testimonies, "done": c.id in done_ids} for c in cands]})
    return groups


@router.get("/organiser/c/{cid}/listen")
async def listen_page(cid: str, request: Request) -> Response:
    svc = services(request)

    def go():
        with svc.db.read() as s:
            conv, _ = _managed(request, s, cid)
            section = AL.latest(s, cid, AL.THEMES_KIND)
            accepted = (AL.latest(s, cid, AL.ACCEPTED_KIND) or {}).get("accepted") or []
            by_place = TPP.load(s, cid, manager=True, request=request, which="latest")
            last = next(iter(jobs.latest_jobs(s, cid, 1)), None)
            job = jobs.job_view_in(s, last) if last is not None else None
            published = TPub.state(s, cid)
        return conv, section, accepted, by_place, job, published

    out, err = await _run(request, go)
    if err:
        return err
    conv, section, accepted, by_place, job, published = out
    view = build_themes(section) if section else None
    groups = _candidates(view, accepted) if view else []
    cookies = Response()
    token = svc.security.csrf_token(request, cookies)
    o = f"/organiser/c/{cid}"
    resp = render(
        request, "organiser/listen.html", title=i18n._("Listening") + f" · {conv.topic}", conv=conv, csrf_token=token,
        themes=view, groups=groups, n_accepted=len(accepted), models=list(MODELS.items()), status=_status(request),
        urls={"back": o, "upload": f"{o}/listen", "accept": f"{o}/listen/accept", "publish": f"{o}/listen/publish",
              "withdraw": f"{o}/listen/withdraw", "results": f"/c/{cid}/results"},
        nav_label="Organiser", json_twin=f"{API_PREFIX}/conversations/{cid}/listen/themes",
        publishing=publishing_context(published),
        **TPP.context(cid, by_place, manager=True, request=request, which="latest"),
        # the latest upload while it is under way or when it failed (a finished one shows as the themes)
        job=job_context(cid, job) if job and job["status"] != "done" else None,
        max_files=jobs.MAX_FILES, max_mb=jobs.MAX_UPLOAD_BYTES // 2**20, max_bytes=jobs.MAX_UPLOAD_BYTES,
    )
    return with_cookies(resp, cookies)


def when(ms: int) -> str:
    """A time in the reader's language, as the results page says when it was analysed."""
    at = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return i18n._("%(date)s at %(time)s UTC", date=i18n.format_date(at, "long"), time=at.strftime("%H:%M"))


def _day(ms: int) -> object:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).date()


def since(published_ms: int, run_ms: int) -> str:
    """Since when the themes are on the results page and which run they are from, each time said once: the run
    is named by "then" when it finished in the minute it was published (the usual case), by its time alone
    when it finished earlier the same day, and by its date and time otherwise."""
    _ = i18n._
    published, run = when(published_ms), when(run_ms)
    if run == published:
        return _("On the results page since %(published)s: the themes of the run that finished then.",
                 published=published)
    pub_at, run_at = (datetime.fromtimestamp(ms / 1000, tz=UTC) for ms in (published_ms, run_ms))
    if pub_at.date() == run_at.date():
        return _("On the results page since %(published)s: the themes of the run that finished at %(time)s UTC "
                 "that day.", published=published, time=run_at.strftime("%H:%M"))
    return _("On the results page since %(published)s: the themes of the run that finished on %(run)s.",
             published=published, run=run)


def publishing_context(state: TPub.PublishState) -> dict | None:
    """What the page says about the results page, in plain words; None before the first themes."""
    _ = i18n._
    if state.latest is None:
        return None
    pub = state.published
    lines = []
    if pub is None:
        lines.append(_("Not on the results page."))
    else:
        lines.append(since(pub.published_ms, pub.run.created_ms))
    if state.status == "newer_not_published" and pub is not None and _day(pub.published_ms) == _day(state.latest.created_ms):
        lines.append(_("A newer run is not published yet: the themes below are from the run that finished at "
                       "%(time)s UTC.",
                       time=datetime.fromtimestamp(state.latest.created_ms / 1000, tz=UTC).strftime("%H:%M")))
    elif state.status == "newer_not_published":
        lines.append(_("A newer run is not published yet: the themes below are from the run of %(run)s.",
                       run=when(state.latest.created_ms)))
    if state.newer_not_published:
        lines.append(_("Check the theme names below before you publish them: they come from people's own words, "
                       "and everyone who may read the results will see them."))
    return {"status": state.status, "lines": lines, "artifact": state.latest.artifact_id,
            "published": pub is not None, "can_publish": state.newer_not_published}


@router.post("/organiser/c/{cid}/listen/publish")
async def publish(cid: str, request: Request, csrf_token: str = Form(""), artifact: str = Form("")) -> Response:
    """Publish the themes the organiser saw on the page (`artifact`, the latest run when the page was drawn)."""
    back = f"/organiser/c/{cid}/listen"

    def go():
        _csrf(request, csrf_token)
        artifact_id = whole_number(artifact, below=2**62) if artifact else None
        if artifact and artifact_id is None:
            raise Invalid(i18n.lazy_gettext("the form names no listening run to publish: reload the "
                                            "listening page and press the button again"))
        with services(request).db.write() as s:
            _, org = _managed(request, s, cid)
            return TPub.publish(s, cid, organiser_id=org.id, artifact_id=artifact_id)

    out, err = await _run(request, go, back=back)
    if err:
        return err
    return done(request, back, "themes-published", out.to_dict())


@router.post("/organiser/c/{cid}/listen/withdraw")
async def withdraw(cid: str, request: Request, csrf_token: str = Form("")) -> Response:
    """Take the themes off the results page."""
    back = f"/organiser/c/{cid}/listen"

    def go():
        _csrf(request, csrf_token)
        with services(request).db.write() as s:
            _managed(request, s, cid)
            return TPub.withdraw(s, cid)

    out, err = await _run(request, go, back=back)
    if err:
        return err
    return done(request, back, "themes-withdrawn", out.to_dict())


def job_labels() -> dict:
    """What the page (and listen-job.js) says about a job, in the reader's language."""
    _ = i18n._
    return {
        "status": {"queued": _("Waiting for the worker to start."),
                   "running": _("Working: %(stage)s.", stage="{stage}"),
                   "retrying": _("Something went wrong; it will be tried again in a moment."),
                   "done": _("Done: the themes are ready."),
                   "failed": _("The themes could not be found.")},
        "stage": {"read": _("reading the files"), "split": _("splitting the testimony into sentences"),
                  "embed": _("comparing the sentences"), "themes": _("finding and naming the themes"),
                  "": _("starting")},
        "percent": _("%(percent)s%% done", percent="{percent}"),
        "error": _("What went wrong:"),
        "see": _("See the themes"),
        "again": _("Fix the files and upload them again below."),
        "again_there": _("Fix the files and upload them again on the listening page."),
        "retry": _("Try again"),
        "retry_hint": _("If the files were fine, try again with the same files: they are kept for 7 days."),
    }


def job_context(cid: str, job: dict, *, own_page: bool = False) -> dict:
    """What the templates need about a job; `own_page`: on the job's page, where no upload form is below."""
    o = f"/organiser/c/{cid}/listen"
    labels = job_labels()
    if own_page:
        labels["again"] = labels["again_there"]
    status = job["status"]
    text = labels["status"][status]
    if status == "running":
        text = text.replace("{stage}", labels["stage"].get(job.get("stage") or "", labels["stage"][""]))
    percent = int(round(100 * float(job.get("progress") or 0)))
    return {**job, "text": text, "percent": percent, "percent_text": labels["percent"].replace("{percent}",
                                                                                               str(percent)),
            "labels": labels, "json_url": AL.job_url(cid, job["id"]), "page_url": f"{o}/jobs/{job['id']}",
            "retry_url": f"{o}/jobs/{job['id']}/retry", "can_retry": bool(job.get("can_retry")),
            "themes_url": f"{o}?msg=listened&themes={job.get('themes') or 0}",
            "finished": status in ("done", "failed")}


@router.get("/organiser/c/{cid}/listen/jobs/{job_id}")
async def job_page(cid: str, job_id: str, request: Request) -> Response:
    def go():
        with services(request).db.read() as s:
            conv, _ = _managed(request, s, cid)
            return conv, jobs.job_view_in(s, jobs.get_job(s, cid, job_id))

    out, err = await _run(request, go, back=f"/organiser/c/{cid}/listen")
    if err:
        return err
    conv, job = out
    cookies = Response()
    token = services(request).security.csrf_token(request, cookies)
    resp = render(request, "organiser/listen_job.html", title=i18n._("Finding themes") + f" · {conv.topic}",
                  conv=conv, job=job_context(cid, job, own_page=True), urls={"listen": f"/organiser/c/{cid}/listen"},
                  nav_label="Organiser", json_twin=AL.job_url(cid, job_id), csrf_token=token)
    return with_cookies(resp, cookies)


@router.post("/organiser/c/{cid}/listen/jobs/{job_id}/retry")
async def retry(cid: str, job_id: str, request: Request, csrf_token: str = Form("")) -> Response:
    """"Try again" on a failed job: queue it again on its kept files, then show its page."""
    page = f"/organiser/c/{cid}/listen/jobs/{job_id}"

    def go():
        _csrf(request, csrf_token)
        with services(request).db.write() as s:
            _managed(request, s, cid)
            return jobs.job_view_in(s, jobs.retry_job(s, cid, job_id))

    out, err = await _run(request, go, back=page)
    if err:
        return err
    if wants_json(request):
        return JSONResponse({"ok": True, "job": out, "url": AL.job_url(cid, job_id)}, status_code=202)
    return RedirectResponse(page, status_code=303)


@router.post("/organiser/c/{cid}/listen")
async def upload(cid: str, request: Request, csrf_token: str = Form(""), model: str = Form("auto"),
                 files: list[UploadFile] = File(default=[])) -> Response:
    back = f"/organiser/c/{cid}/listen"
    svc = services(request)

    def check():
        _csrf(request, csrf_token)
        if model not in MODELS:
            raise Invalid(i18n.lazy_gettext("unknown model %(model)s; choose one of %(models)s", model=repr(model), models=', '.join(MODELS)))
        with svc.db.read() as s:
            conv, org = _managed(request, s, cid)
        svc.security.check_rate(request)
        return conv.statement_max_len, org.id

    out, err = await _run(request, check, back=back)
    if err:
        return err
    max_len, org_id = out
    try:
        job_id = await AL.start_job(request, cid, files, model, max_len, org_id)
    except ServiceError as e:
        return service_error_page(request, e, back=back)
    url = f"{back}/jobs/{job_id}"
    if wants_json(request):
        return JSONResponse({"ok": True, "job": job_id, "url": AL.job_url(cid, job_id)}, status_code=202)
    return RedirectResponse(url, status_code=303)


@router.post("/organiser/c/{cid}/listen/accept")
async def accept(cid: str, request: Request, csrf_token: str = Form(""),
                 candidate: list[str] = Form(default=[])) -> Response:
    back = f"/organiser/c/{cid}/listen"
    form = await request.form()
    # each candidate's wording box is "text-<id>"; the organiser may have edited it before ticking
    texts = {c: str(form.get(f"text-{c}") or "") for c in candidate[:500] if f"text-{c}" in form}

    def go():
        _csrf(request, csrf_token)
        if not candidate:
            raise Invalid(i18n.lazy_gettext("tick at least one candidate statement, then press the button "
                                            "again"))
        with services(request).db.write() as s:
            _managed(request, s, cid)
            return AL.accept(s, cid, candidate[:500], texts)

    out, err = await _run(request, go, back=back)
    if err:
        return err
    skips = ",".join(f"{x['candidate']}:{_reason_code(x['reason'])}" for x in out["skipped"])
    return done(request, back, "listen-accepted", out, added=len(out["added"]), skip=skips)
