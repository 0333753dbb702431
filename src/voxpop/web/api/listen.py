"""JSON API for listening: upload testimony, run it into themes, read them, accept candidates as seeds.

Routes (prefix /api/v1; organisers who manage the conversation only — testimony is people's own words):
  POST /conversations/{cid}/listen                     multipart `files` (CSV / .txt / .md, docs/listening.md);
                                                       ?model=auto|minilm|tfidf. Runs listening, stores the
                                                       themes section as Artifact(kind="listen_themes").
  GET  /conversations/{cid}/listen/themes              the latest themes section (404 when none yet)
  POST /conversations/{cid}/listen/candidates/accept   {"ids": ["c0.1", ...]}: each candidate becomes a seed
                                                       statement through services.statements.add_statement;
                                                       the link (candidate -> statement tid, testimony, span)
                                                       is stored as Artifact(kind="listen_accepted").
Candidates are cut to the conversation's statement_max_len.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Literal

from fastapi import APIRouter, Depends, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from voxpop.errors import Conflict, Invalid, NotFound
from voxpop.listen.io import MAX_FILE_BYTES
from voxpop.services.statements import add_statement
from voxpop.store.queries import add_artifact, latest_artifact
from voxpop.web.api.common import API_PREFIX, managed_conversation, read_session, services, write_session

router = APIRouter(prefix=API_PREFIX, tags=["listening"])
THEMES_KIND = "listen_themes"
ACCEPTED_KIND = "listen_accepted"
MAX_FILES = 50
MAX_UPLOAD_BYTES = MAX_FILE_BYTES  # all files together (web.limits.UPLOADS)


class AcceptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ids: list[str] = Field(..., min_length=1, max_length=500)
    # the organiser's own wording for some of them (candidate id -> text); the rest are added as proposed
    texts: dict[str, str] = Field(default_factory=dict, max_length=500)


def latest(s: Session, cid: str, kind: str) -> dict | None:
    return latest_artifact(s, cid, kind)


def save_themes(s: Session, cid: str, section: dict) -> None:
    add_artifact(s, cid, THEMES_KIND, section)


def _safe_name(name: str, i: int) -> str:
    base = re.sub(r"[^\w.\-]+", "_", Path(name or "").name)[:100].lstrip(".")
    return base if base and Path(base).suffix.lower() in (".csv", ".txt", ".md") else f"upload-{i}{Path(base).suffix}"


async def read_payloads(files: list[UploadFile]) -> list[tuple[str, bytes]]:
    """The uploaded testimony files as (safe file name, bytes), within the count and size limits."""
    files = [f for f in files or [] if f.filename or f.size]
    if not files or len(files) > MAX_FILES:
        raise Invalid(f"send 1 to {MAX_FILES} testimony files in the multipart field 'files'")
    payloads, total = [], 0
    for i, f in enumerate(files):
        data = await f.read(MAX_UPLOAD_BYTES + 1)
        total += len(data)
        if total > MAX_UPLOAD_BYTES:
            raise Invalid(f"the upload is over {MAX_UPLOAD_BYTES:,} bytes; send fewer or smaller files")
        payloads.append((_safe_name(f.filename or "", i), data))
    return payloads


def _run(payloads: list[tuple[str, bytes]], model: str, max_len: int) -> dict:
    from voxpop.listen.embed import EmbeddingError
    from voxpop.listen.io import TestimonyError
    from voxpop.listen.run import listen

    with tempfile.TemporaryDirectory(prefix="voxpop-listen-") as d:
        paths = []
        for i, (name, data) in enumerate(payloads):
            p = Path(d) / name
            if p.exists():
                p = Path(d) / f"{i}-{name}"
            p.write_bytes(data)
            paths.append(p)
        try:
            section = listen(paths, model=model, max_statement_length=max_len, threads=1)
        except (TestimonyError, EmbeddingError) as exc:
            raise Invalid(str(exc).replace(d + "/", "")) from None
    for src in section["sources"]:
        src["path"] = src["id"]  # never leak the server's temporary paths
    return section


@router.post("/conversations/{cid}/listen", status_code=201)
async def run_listening(cid: str, request: Request, files: list[UploadFile],
                        model: Literal["auto", "minilm", "tfidf"] = Query("auto")) -> dict:
    svc = services(request)
    with svc.db.read() as s:
        conv, _ = managed_conversation(request, s, cid)
        max_len = conv.statement_max_len
    svc.security.check_rate(request)
    payloads = await read_payloads(files)
    section = await run_in_threadpool(_run, payloads, model, max_len)

    def store() -> None:
        with svc.db.write() as s:
            save_themes(s, cid, section)

    await run_in_threadpool(store)
    return {"meta": section["meta"],
            "themes": [{"id": t["id"], "label": t["label"], "size": t["size"], "n_speakers": t["n_speakers"],
                        "candidates": t["candidates"]} for t in section["themes"]]}


@router.get("/conversations/{cid}/listen/themes")
def get_themes(cid: str, request: Request, s: Session = Depends(read_session)) -> dict:
    managed_conversation(request, s, cid)
    section = latest(s, cid, THEMES_KIND)
    if section is None:
        raise NotFound("no testimony has been analysed for this conversation yet")
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
        raise NotFound("no testimony has been analysed for this conversation yet")
    by_id = {c["id"]: c for t in section["themes"] for block in [t, *t["subthemes"]] for c in block["candidates"]}
    texts = {k: " ".join(v.split()) for k, v in (texts or {}).items()}
    unknown = [i for i in [*ids, *texts] if i not in by_id]
    if unknown:
        raise Invalid(f"unknown candidate id(s): {', '.join(unknown[:10])}; nothing was added")
    empty = [i for i in ids if i in texts and not texts[i]]
    if empty:
        raise Invalid(f"the wording of candidate {empty[0]} is empty; write the statement or untick it")
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
