"""JSON API: the moderation queue and decisions (accept, reject, meta)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from voxpop.services import moderation as M
from voxpop.services.statements import statement_dict
from voxpop.web.api.common import API_PREFIX, managed_conversation, read_session, write_session

router = APIRouter(prefix=API_PREFIX, tags=["moderation"])


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: Literal["accept", "reject", "meta", "unmeta", "pending"]


@router.get("/conversations/{cid}/moderation")
def queue(cid: str, request: Request, s: Session = Depends(read_session)) -> dict:
    """Statements waiting for a decision, oldest first."""
    managed_conversation(request, s, cid)
    return {"pending": [statement_dict(st, with_author=True) for st in M.moderation_queue(s, cid)]}


@router.post("/conversations/{cid}/statements/{tid}/moderation")
def decide(cid: str, tid: Annotated[int, Path(ge=0, lt=2**31)], body: DecisionIn, request: Request, s: Session = Depends(write_session, scope="function")) -> dict:
    """accept (shown), reject (hidden, out of the analysis), meta (about the conversation itself)."""
    _, org = managed_conversation(request, s, cid)
    return statement_dict(M.moderate(s, cid, tid, body.action, organiser_id=org.id), with_author=True)
