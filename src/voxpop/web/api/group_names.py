"""JSON API: the organiser's names for the opinion groups (the twin of the organiser page's form).

  GET /api/v1/conversations/{cid}/group-names    {"names": {group id: name}} (anyone who may see the results)
  PUT /api/v1/conversations/{cid}/group-names    organiser: {"names": {group id: name}}; blank names are dropped
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from voxpop import i18n
from voxpop.errors import Invalid
from voxpop.services.conversations import get_conversation
from voxpop.store.group_names import MAX_NAME, group_names, save_group_names
from voxpop.web.api.common import (
    API_PREFIX,
    check_results_visible,
    managed_conversation,
    read_session,
    write_session,
)

router = APIRouter(prefix=API_PREFIX, tags=["results"])


class NamesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    names: dict[str, str] = Field(..., max_length=50)


@router.get("/conversations/{cid}/group-names")
def get_names(cid: str, request: Request, s: Session = Depends(read_session)) -> dict:
    check_results_visible(request, s, get_conversation(s, cid))  # the same visibility as the results
    return {"names": group_names(s, cid)}


@router.put("/conversations/{cid}/group-names")
def put_names(cid: str, body: NamesIn, request: Request,
              s: Session = Depends(write_session, scope="function")) -> dict:
    managed_conversation(request, s, cid)
    if any(not (k.isascii() and k.isdigit()) or len(k) > 20 for k in body.names):  # "A" or "abc" named no group
        raise Invalid(i18n.lazy_gettext("group ids are the numbers of the analysis's groups (0 for group A, 1 for B, "
                                        "...)"))
    return {"names": save_group_names(s, cid, body.names), "max_length": MAX_NAME}
