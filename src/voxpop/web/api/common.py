"""What the JSON API routers share: the services object, sessions, auth, participants, safe JSON."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from voxpop import i18n
from voxpop.errors import Forbidden, Invalid
from voxpop.services import participants as P
from voxpop.services.conversations import can_manage, check_can_manage, get_conversation
from voxpop.services.writer import VoteWriter
from voxpop.store.db import Database, finite_json
from voxpop.store.models import Conversation, Organiser
from voxpop.web.security import Security

API_PREFIX = "/api/v1"


class SafeJSONResponse(JSONResponse):
    """JSON with <, > and & written as \\u escapes, so user text can never close a <script> or be read as
    HTML even if a browser sniffs the response."""

    def render(self, content: Any) -> bytes:
        try:
            text = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        except ValueError:  # a NaN somewhere: null instead, never an invalid document or a 500
            text = json.dumps(finite_json(content), ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        return (text
                .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode("utf-8"))


@dataclass
class Services:
    db: Database
    writer: VoteWriter
    security: Security
    worker: Any = None  # voxpop.worker.Worker running in this process, if any
    _pcache: dict[tuple[str, tuple[str, str]], int] = field(default_factory=dict)
    _plock: threading.Lock = field(default_factory=threading.Lock)

    def cached_participant(self, key: tuple[str, tuple[str, str]]) -> int | None:
        return self._pcache.get(key)

    def forget_participant(self, pk: int) -> None:
        """Drop an erased participant from this process's cache (other processes find out when their
        write fails on the missing row: the vote writer then looks the participant up again)."""
        with self._plock:
            for key in [k for k, v in self._pcache.items() if v == pk]:
                self._pcache.pop(key, None)

    def remember_participant(self, key: tuple[str, tuple[str, str]], pk: int) -> None:
        with self._plock:
            if len(self._pcache) > 500_000:
                self._pcache.clear()
            self._pcache[key] = pk


def services(request: Request) -> Services:
    return request.app.state.voxpop


def read_session(request: Request) -> Iterator[Session]:
    with services(request).db.read() as s:
        yield s


def write_session(request: Request) -> Iterator[Session]:
    """One write transaction for a route. Always use it as Depends(write_session, scope="function"): the
    commit then happens before the response is sent, so a client is never told a write worked that a
    failed commit lost (the default scope would commit after answering)."""
    with services(request).db.write() as s:
        yield s


def organiser_or_none(request: Request, s: Session) -> Organiser | None:
    return services(request).security.organiser(request, s)


def require_organiser(request: Request, s: Session) -> Organiser:
    return services(request).security.require_organiser(request, s)


def managed_conversation(request: Request, s: Session, cid: str) -> tuple[Conversation, Organiser]:
    """The conversation, if the caller is an organiser allowed to manage it (else 401/403/404)."""
    org = require_organiser(request, s)
    conv = get_conversation(s, cid)
    check_can_manage(conv, org)
    return conv, org


def check_results_visible(request: Request, s: Session, conv: Conversation) -> None:
    """Forbidden when the organisers hide this conversation's results and the caller is not one of the
    organisers who manage it (another organiser is just another reader)."""
    if conv.show_results:
        return
    if not can_manage(conv, organiser_or_none(request, s)):
        raise Forbidden(i18n.lazy_gettext("the organisers of this conversation do not show results to "
                                          "participants"))


async def managed_upload(request: Request, cid: str, file: UploadFile | None, *, default_name: str,
                         max_bytes: int) -> tuple[bytes, str]:
    """An organiser's file upload: check they manage the conversation and the rate limit, then read the
    multipart `file` (at most max_bytes + 1 bytes, so the caller can say it is too large) or, without
    one, the request body (e.g. text/csv). Returns (data, file name)."""
    svc = services(request)
    with svc.db.read() as s:
        managed_conversation(request, s, cid)
    svc.security.check_rate(request)
    if file is not None:
        return await file.read(max_bytes + 1), display_name(file.filename, default_name)
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        raise Invalid(i18n.lazy_gettext("send the CSV as a file in the multipart field 'file', or as a "
                                        "text/csv request body"))
    return await request.body(), default_name


def display_name(name: str | None, default: str) -> str:
    """A client's file name as messages may show it: its last part, printable, at most 100 characters."""
    base = "".join(ch for ch in (name or "").replace("\\", "/").rsplit("/", 1)[-1] if ch.isprintable())[:100]
    return default if base.strip(". ") == "" else base


def participant_who(request: Request, response: Response, xid: str | None) -> tuple[str, str]:
    """("xid", external id) when the host site passed one, else ("anon", the signed-cookie id)."""
    if xid is not None:
        if not isinstance(xid, str) or not 1 <= len(xid) <= P.XID_MAX or not xid.isprintable():
            raise Invalid(i18n.lazy_gettext("xid must be 1 to %(xid_max)s printable characters", xid_max=P.XID_MAX))
        return "xid", xid
    return "anon", services(request).security.ensure_anon_id(request, response)


def _resolve(db: Database, cid: str, who: tuple[str, str], create: bool,
             before_create: Callable[[], None] | None = None) -> int | None:
    kind, ident = who
    ids = {"xid": ident} if kind == "xid" else {"anon_id": ident}
    with db.read() as s:  # the common case: no write transaction
        get_conversation(s, cid)
        p = P.find_participant(s, cid, **ids)
        if p is not None or not create:
            return p.id if p else None
    if before_create is not None:
        before_create()
    with db.write() as s:
        return P.get_or_create_participant(s, cid, **ids).id  # type: ignore[arg-type]  # xid= or anon_id=


async def participant_id(request: Request, response: Response, cid: str, *, xid: str | None = None,
                         create: bool = True) -> int | None:
    """The caller's participant id in this conversation (by xid, else the anonymous cookie).

    create=True only for writes (a vote, a statement, a place): reading never creates a participant.
    Creating one counts against the address's new-participant limit (voxpop.web.abuse; 429)."""
    svc = services(request)
    who = participant_who(request, response, xid)
    pk = svc.cached_participant((cid, who))
    if pk is None:
        host = request.client.host if request.client else "?"
        pk = await run_in_threadpool(_resolve, svc.db, cid, who, create,
                                     lambda: svc.security.check_new_participant(host))
        if pk is not None:
            svc.remember_participant((cid, who), pk)
    return pk
