"""JSON API for participants: who am I, the next statement, vote / change / undo, where I stand.

A participant is anonymous (an unguessable id in a signed cookie, created on first visit) or, when a
host site passes `xid`, the participant with that external id.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from voxpop import i18n
from voxpop.errors import Invalid
from voxpop.services import conversation_text as CT
from voxpop.services import routing, standing
from voxpop.services import translations as T
from voxpop.services import votes as V
from voxpop.services.conversations import get_conversation
from voxpop.services.statements import statement_dict
from voxpop.web.api.common import API_PREFIX, check_results_visible, participant_id, participant_who, services
from voxpop.web.api.fastvote import VoteIn, submit_vote

router = APIRouter(prefix=API_PREFIX, tags=["participation"])
XidQuery = Annotated[str | None, Query(max_length=200, description="external participant id from a host site")]


class UndoIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    client_key: str | None = Field(None, min_length=1, max_length=V.CLIENT_KEY_MAX)
    xid: str | None = Field(None, max_length=200)


@router.get("/conversations/{cid}/me")
async def me(cid: str, request: Request, response: Response, xid: XidQuery = None) -> dict:
    """The caller's participant id here and their votes (participant null until their first vote or
    statement: reading creates nobody)."""
    pk = await participant_id(request, response, cid, xid=xid, create=False)

    def go():
        with services(request).db.read() as s:
            get_conversation(s, cid)
            if pk is None:
                return {}
            return {str(t): V.VOTE_NAMES[v] for t, v in sorted(V.participant_votes(s, pk).items())}

    votes = await run_in_threadpool(go)
    return {"participant": pk, "conversation": cid, "votes": votes}


@router.get("/conversations/{cid}/next")
async def next_statement(cid: str, request: Request, response: Response, xid: XidQuery = None,
                         without: Annotated[str | None, Query(max_length=2000)] = None) -> dict:
    """The next statement to vote on (never one already voted); `statement` is null when none is left."""
    skip: list[int] = []
    if without:
        try:
            skip = [t for t in (int(x) for x in without.split(",") if x.strip()) if 0 <= t < 2**31][:200]
        except ValueError:
            raise Invalid(i18n.lazy_gettext("without must be statement numbers separated by commas, e.g. "
                                            "3,7,12")) from None
    pk = await participant_id(request, response, cid, xid=xid, create=False)  # null until the first vote

    def go():
        with services(request).db.read() as s:
            conv = get_conversation(s, cid)
            st = routing.next_statement(s, cid, pk, without=skip)
            shown = None
            if st is not None:  # in the reader's language when translated, with the original beside it
                shown = statement_dict(st) | T.for_reader(s, conv, st, i18n.current())
            return {"participant": pk, "is_open": conv.is_open, "statement": shown,
                    "conversation": CT.for_reader(s, conv).as_dict()}

    return await run_in_threadpool(go)


async def _submit(request: Request, response: Response, cid: str, xid: str | None, statement: int,
                  vote: int | None, client_key: str | None) -> dict:
    who = participant_who(request, response, xid)
    host = request.client.host if request.client else "?"
    return await submit_vote(services(request), cid, who, statement, vote, client_key, host)


@router.post("/conversations/{cid}/votes")
async def vote(cid: str, body: VoteIn, request: Request, response: Response) -> dict:
    """Vote, or change a vote. Answered only once the vote is durably stored. Retrying with the same
    client_key returns the first answer (replayed: true) and the vote counts once."""
    value = V.parse_vote(body.vote)
    if body.client_key is not None:
        V.check_client_key(body.client_key)
    return await _submit(request, response, cid, body.xid, body.statement, value, body.client_key)


@router.delete("/conversations/{cid}/votes/{statement}")
@router.post("/conversations/{cid}/votes/{statement}/undo")
async def undo(cid: str, statement: Annotated[int, Path(ge=0, lt=2**31)], request: Request, response: Response, body: UndoIn | None = None) -> dict:
    """Withdraw the caller's vote on a statement (the statement comes back as unseen)."""
    body = body or UndoIn()
    return await _submit(request, response, cid, body.xid, statement, None, V.check_client_key(body.client_key))


@router.get("/conversations/{cid}/standing")
async def my_standing(cid: str, request: Request, response: Response, xid: XidQuery = None) -> dict:
    """The caller's group and how their votes compare with each group's (when results are shown)."""
    pk = await participant_id(request, response, cid, xid=xid, create=False)

    def go():
        with services(request).db.read() as s:
            conv = get_conversation(s, cid)
            check_results_visible(request, s, conv)
            return standing.participant_standing(s, cid, pk)

    return await run_in_threadpool(go)
