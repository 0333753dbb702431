"""JSON API for listening: upload testimony as a background job, follow it, read the themes, accept candidates.

Routes (prefix /api/v1; organisers who manage the conversation only — testimony is people's own words):
  POST /conversations/{cid}/listen                     multipart `files` (CSV / .txt / .md, docs/listening.md);
                                                       ?model=auto|minilm|tfidf. Keeps the upload and answers
                                                       202 with the job and its URL (Location); the worker
                                                       themes it (services.listen_jobs) and stores the themes
                                                       section as Artifact(kind="listen_themes").
  GET  /conversations/{cid}/listen/jobs                the conversation's latest jobs, newest first
  GET  /conversations/{cid}/listen/jobs/{job}          one job: status queued|running|retrying|done|failed,
                                                       stage, progress 0..1, message, error, failures
  POST /conversations/{cid}/listen/jobs/{job}/retry    a failed job whose files are still kept (can_retry) is
                                                       queued again: 202 with the job; 409 when it has not
                                                       failed or its files are gone (upload them again)
  GET  /conversations/{cid}/listen/themes              the latest themes section (404 when none yet)
  POST /conversations/{cid}/listen/candidates/accept   {"ids": ["c0.1", ...]}: each candidate becomes a seed
                                                       statement through services.statements.add_statement;
                                                       the link (candidate -> statement tid, testimony, span)
                                                       is stored as Artifact(kind="listen_accepted").
Candidates are cut to the conversation's statement_max_len.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query, Request, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from voxpop import i18n
from voxpop.analysis.schema import validate_themes
from voxpop.errors import Conflict, Invalid, NotFound
from voxpop.services import listen_jobs as jobs
from voxpop.services.statements import add_statement
from voxpop.store.queries import add_artifact, latest_artifact
from voxpop.web.api.common import API_PREFIX, managed_conversation, read_session, services, write_session

router = APIRouter(prefix=API_PREFIX, tags=["listening"])
THEMES_KIND = jobs.THEMES_KIND
ACCEPTED_KIND = "listen_accepted"
MAX_FILES = jobs.MAX_FILES
MAX_UPLOAD_BYTES = jobs.MAX_UPLOAD_BYTES  # all files together (web.limits.UPLOADS)


class AcceptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ids: list[str] = Field(..., min_length=1, max_length=500)
    # the organiser's own wording for some of them (candidate id -> text); the rest are added as proposed
    texts: dict[str, str] = Field(default_factory=dict, max_length=500)


def latest(s: Session, cid: str, kind: str) -> dict | None:
    return latest_artifact(s, cid, kind)


def save_themes(s: Session, cid: str, section: dict) -> None:
    """Store a themes section as the conversation's newest; DocumentError (nothing stored) when it does not
    follow its type (voxpop.analysis.schema_themes)."""
    add_artifact(s, cid, THEMES_KIND, validate_themes(section))


def job_url(cid: str, job_id: str) -> str:
    return f"{API_PREFIX}/conversations/{cid}/listen/jobs/{job_id}"


def uploads(files: list[UploadFile] | None) -> list[jobs.Upload]:
    """The multipart files as streams (Starlette keeps a big one in a temporary file, not in memory)."""
    return [jobs.Upload(f.filename or "", f.file) for f in files or [] if f.filename or f.size]


async def start_job(request: Request, cid: str, files: list[UploadFile] | None, model: str, max_len: int,
                    organiser_id: int | None) -> str:
    svc = services(request)
    return await run_in_threadpool(jobs.create_job, svc.db, cid, uploads(files), model=model,
                                   max_statement_length=max_len, organiser_id=organiser_id)


@router.post("/conversations/{cid}/listen", status_code=202)
async def run_listening(cid: str, request: Request, response: Response, files: list[UploadFile],
                        model: Literal["auto", "minilm", "tfidf"] = Query("auto")) -> dict:
    svc = services(request)
    with svc.db.read() as s:
        conv, org = managed_conversation(request, s, cid)
        max_len, org_id = conv.statement_max_len, org.id
    svc.security.check_rate(request)
    job_id = await start_job(request, cid, files, model, max_len, org_id)
    with svc.db.read() as s:
        job = jobs.job_view(jobs.get_job(s, cid, job_id))
    response.headers["Location"] = url = job_url(cid, job_id)
    return {"job": job, "url": url}


@router.get("/conversations/{cid}/listen/jobs")
def list_jobs(cid: str, request: Request, s: Session = Depends(read_session)) -> dict:
    managed_conversation(request, s, cid)
    return {"jobs": [{**jobs.job_view_in(s, j), "url": job_url(cid, j.id)} for j in jobs.latest_jobs(s, cid)]}


@router.get("/conversations/{cid}/listen/jobs/{job_id}")
def get_job(cid: str, job_id: str, request: Request, s: Session = Depends(read_session)) -> dict:
    managed_conversation(request, s, cid)
    job = jobs.job_view_in(s, jobs.get_job(s, cid, job_id))
    return {**job, "url": job_url(cid, job_id),
            "themes_url": f"{API_PREFIX}/conversations/{cid}/listen/themes" if job["status"] == "done" else None}


@router.post("/conversations/{cid}/listen/jobs/{job_id}/retry", status_code=202)
def retry_job(cid: str, job_id: str, request: Request, response: Response,
              s: Session = Depends(write_session, scope="function")) -> dict:
    managed_conversation(request, s, cid)
    job = jobs.job_view_in(s, jobs.retry_job(s, cid, job_id))
    response.headers["Location"] = url = job_url(cid, job_id)
    return {"job": job, "url": url}


@router.get("/conversations/{cid}/listen/themes")
def get_themes(cid: str, request: Request, s: Session = Depends(read_session)) -> dict:
    managed_conversation(request, s, cid)
    section = latest(s, cid, THEMES_KIND)
    if section is None:
        raise NotFound(i18n.lazy_gettext("no testimony has been analysed for this conversation yet"))
    accepted = latest(s, cid, ACCEPTED_KIND) or {}
    return {**section, "accepted": accepted.get("accepted", [])}


@router.post("/conversations/{cid}/listen/candidates/accept")
def accept_candidates(cid: str, body: AcceptIn, request: Request, s: Session = Depends(write_session, scope="function")) -> dict:
    managed_conversation(request, s, cid)
    return accept(s, cid, body.ids, body.texts)


def accept(s: Session, cid: str, ids: list[str], texts: dict[str, str] | None = None) -> dict:
    """Add the candidates `ids` as seed statements, in the organiser's wording where `texts` gives one;
    {"added": [...], "skipped": [{candidate, reason}]}."""
    section = latest(s, cid, THEMES_KIND)
    if section is None:
        raise NotFound(i18n.lazy_gettext("no testimony has been analysed for this conversation yet"))
    by_id = {c["id"]: c for t in section["themes"] for block in [t, *t["subthemes"]] for c in block["candidates"]}
    texts = {k: " ".join(v.split()) for k, v in (texts or {}).items()}
    unknown = [i for i in [*ids, *texts] if i not in by_id]
    if unknown:
        raise Invalid(i18n.lazy_gettext("unknown candidate id(s): %(names)s; nothing was added", names=', '.join(unknown[:10])))
    empty = [i for i in ids if i in texts and not texts[i]]
    if empty:
        raise Invalid(i18n.lazy_gettext("the wording of candidate %(value)s is empty; write the statement or "
                                        "untick it", value=empty[0]))
    previous = latest(s, cid, ACCEPTED_KIND) or {"accepted": []}
    done = {a["candidate"] for a in previous["accepted"]}
    added, skipped = [], []
    for cid_ in dict.fromkeys(ids):
        c = by_id[cid_]
        if cid_ in done:
            skipped.append({"candidate": cid_, "reason": "already accepted"})
            continue
        try:
            st = add_statement(s, cid, texts.get(cid_) or c["text"], by_organiser=True)
        except Conflict as exc:
            skipped.append({"candidate": cid_, "reason": exc.message})
            continue
        added.append({"candidate": cid_, "statement": st.tid, "text": st.text, "proposed": c["text"],
                      "edited": st.text != c["text"], "testimony": c["testimony"],
                      "claim": c["claim"], "source": c["source"], "start": c["start"], "end": c["end"]})
    add_artifact(s, cid, ACCEPTED_KIND, {"accepted": previous["accepted"] + added})
    return {"added": added, "skipped": skipped}
