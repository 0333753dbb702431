"""JSON API: organisers exchange their password for an API token."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from voxpop.store import accounts
from voxpop.store.errors import Unauthorized
from voxpop.web.api_common import API_PREFIX, services

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
                raise Unauthorized("wrong username or password")
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
