"""The vote hot path, shared by the FastAPI endpoint and a lean ASGI fast path in front of FastAPI.

`submit_vote` is the one implementation of "take a vote": rate limits, participant lookup (cached per
process; a new participant is created by the writer in the vote's own transaction), the batched writer.

`FastVotes.handle` answers `POST /api/v1/conversations/{cid}/votes` without FastAPI's middleware and
routing layers (which cost more CPU than storing the vote). It only takes the plain case: a JSON body
that `VoteIn` accepts, from a participant identified by xid or by a valid anonymous cookie. Anything
else (bad JSON, no cookie yet, oversize) is replayed into the normal FastAPI route, so error messages and
cookie handling stay exactly those of the documented endpoint.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from http.cookies import CookieError, SimpleCookie

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError

from voxpop.errors import ServiceError
from voxpop.services import votes as V
from voxpop.web.api.common import SafeJSONResponse, Services
from voxpop.web.errors import http_status, retry_headers
from voxpop.web.origin import cross_site, refuse
from voxpop.web.security import ANON_COOKIE

VOTE_PATH = re.compile(r"^/api/v1/conversations/([A-Za-z0-9_-]{1,32})/votes$")
MAX_FAST_BODY = 4096
_RENDER = SafeJSONResponse.render


class VoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    statement: int = Field(ge=0, lt=2**31, description="the statement number")
    vote: StrictInt | StrictStr = Field(description="'agree', 'disagree' or 'pass' (or 1, -1, 0)")
    client_key: str | None = Field(None, min_length=1, max_length=V.CLIENT_KEY_MAX,
                                   description="unique per vote: a retry with the same key counts once")
    xid: str | None = Field(None, max_length=200)


async def submit_vote(svc: Services, cid: str, who: tuple[str, str], statement: int, vote: int | None,
                      client_key: str | None, host: str) -> dict:
    """Store one vote (None = undo) and return its result once committed; raises ServiceError."""
    svc.security.check_rate_host(host)
    svc.security.check_rate_participant(f"{cid}:{who[0]}:{who[1]}")
    pk = svc.cached_participant((cid, who))
    if pk is None:  # perhaps a new participant: refused when this address made too many lately
        svc.security.check_new_participant(host, charge=False)
    # `who` also when the id is cached: if that participant was erased meanwhile (by another process too),
    # the writer looks them up again instead of failing on the missing row
    req = V.VoteRequest(cid, pk, statement, vote, client_key, who=who)
    res = await svc.writer.submit_async(req)
    if pk is not None and res.get("participant") != pk:
        svc.forget_participant(pk)
        pk = None
    if pk is None:
        if res.pop(V.NEW_PARTICIPANT, False):  # the writer created it: charge the address
            svc.security.charge_new_participant(host)
        svc.remember_participant((cid, who), res["participant"])
    return res


def _header(scope, name: bytes) -> bytes | None:
    for k, v in scope["headers"]:
        if k == name:
            return v
    return None


async def _send_json(send, status: int, content: dict, extra: Sequence[tuple[bytes, bytes]] = ()) -> None:
    body = _RENDER(None, content)  # type: ignore[arg-type]  # render() does not use self
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        (b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin"), *extra]})
    await send({"type": "http.response.body", "body": body})


class FastVotes:
    def __init__(self, svc: Services) -> None:
        self.svc = svc

    def matches(self, scope) -> re.Match | None:
        if scope["type"] != "http" or scope["method"] != "POST":
            return None
        return VOTE_PATH.match(scope["path"])

    async def handle(self, match: re.Match, scope, receive, send, fallback) -> None:
        if cross_site(scope):  # another site's page: refused as by the middleware the route sits behind
            return await refuse(send)

        ctype = (_header(scope, b"content-type") or b"").split(b";")[0].strip().lower()
        length = _header(scope, b"content-length")
        if ctype != b"application/json" or length is None or not length.isdigit() or int(length) > MAX_FAST_BODY:
            return await fallback(scope, receive, send)
        body = b""
        while True:
            msg = await receive()
            if msg["type"] != "http.request":
                return  # client went away
            body += msg.get("body", b"")
            if len(body) > MAX_FAST_BODY:
                break
            if not msg.get("more_body"):
                break
        who = None
        try:
            data = VoteIn.model_validate_json(body)
            vote = V.parse_vote(data.vote)
            V.check_client_key(data.client_key)  # as the route does: a bad key falls back to its 422
            if data.xid is not None:
                if data.xid and data.xid.isprintable():
                    who = ("xid", data.xid)
            else:
                raw = _header(scope, b"cookie")
                if raw:
                    jar = SimpleCookie()
                    jar.load(raw.decode("latin-1"))
                    morsel = jar.get(ANON_COOKIE)
                    anon = self.svc.security.unsign_anon(morsel.value if morsel else None)
                    who = ("anon", anon) if anon else None
        except (ValidationError, ServiceError, ValueError, UnicodeDecodeError, KeyError, CookieError):
            who = None
        if who is None or len(body) > MAX_FAST_BODY:
            return await fallback(scope, _replay(body, receive), send)
        host = scope["client"][0] if scope.get("client") else "?"
        try:
            res = await submit_vote(self.svc, match.group(1), who, data.statement, vote, data.client_key, host)
        except ServiceError as e:
            extra = [(k.lower().encode(), v.encode()) for k, v in retry_headers(e).items()]
            return await _send_json(send, http_status(e), e.to_dict(), extra)
        await _send_json(send, 200, res)


def _replay(body: bytes, receive):
    sent = False

    async def again():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return again
