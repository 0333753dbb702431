"""JSON API: organisers exchange their password for an API token, list their tokens and revoke them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from voxpop import i18n
from voxpop.errors import NotFound, Unauthorized
from voxpop.services import accounts
from voxpop.web.api.common import API_PREFIX, require_organiser, services

router = APIRouter(prefix=API_PREFIX, tags=["accounts"])


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(max_length=64)
    password: str = Field(max_length=256)
    name: str = Field("", max_length=100)


@router.post("/tokens", status_code=201)
async def new_token(body: TokenIn, request: Request, response: Response) -> dict:
    """A new API token (shown once). Send it as 'Authorization: Bearer <token>'. Failed attempts from
    one address (any username) or on one account are slowed down with a growing wait (429)."""
    svc = services(request)
    svc.security.login_attempt(request, body.username)

    def go():
        with svc.db.write() as s:
            org = accounts.authenticate(s, body.username, body.password)
            if org is None:
                raise Unauthorized(i18n.lazy_gettext("wrong username or password"))
            raw, tok = accounts.create_api_token(s, org.id, body.name)
            return {"token": raw, "id": tok.id, "organiser": org.username}

    out = await run_in_threadpool(go)
    svc.security.login_succeeded(request, response, body.username)
    return out


@router.get("/whoami")
async def whoami(request: Request) -> dict:
    def go():
        with services(request).db.read() as s:
            org = services(request).security.organiser(request, s)
            return {"organiser": None if org is None else {"id": org.id, "username": org.username,
                                                           "is_admin": org.is_admin}}

    return await run_in_threadpool(go)


@router.get("/tokens")
async def list_tokens(request: Request) -> dict:
    """The signed-in organiser's API tokens: id, name, when made, whether revoked (never the token)."""
    def go():
        with services(request).db.read() as s:
            org = require_organiser(request, s)
            return {"tokens": [accounts.api_token_dict(t) for t in accounts.list_api_tokens(s, org.id)]}

    return await run_in_threadpool(go)


@router.delete("/tokens/{token_id}")
async def revoke_token(token_id: Annotated[int, Path(ge=1, lt=2**31)], request: Request) -> dict:
    """Revoke one of your API tokens: it stops working at once (the token in use may revoke itself)."""
    def go():
        with services(request).db.write() as s:
            org = require_organiser(request, s)
            if not accounts.revoke_api_token(s, token_id, org.id):
                raise NotFound(i18n.lazy_gettext("you have no API token with id %(token_id)s; GET "
                                                 "/api/v1/tokens lists yours", token_id=token_id))
            return {"id": token_id, "revoked": True}

    return await run_in_threadpool(go)
