"""JSON API: which listening themes are on the conversation's results page (docs/listening.md, "Publishing
the themes"); the JSON twin of the publish / withdraw part of the organiser's listening page.

Organisers who manage the conversation only (401 / 403 / 404 otherwise):
  GET    /api/v1/conversations/{cid}/listen/published   the state: status no_themes | not_published |
                                                        published | newer_not_published, the published run
                                                        (artifact id, run_ms, published_ms, by) and the latest
  POST   /api/v1/conversations/{cid}/listen/published   {"artifact": ID} publishes that run (one of this
                                                        conversation's, 404 otherwise); without a body or id,
                                                        the latest run. 409 before the first run has finished.
  DELETE /api/v1/conversations/{cid}/listen/published   withdraws the themes from the results page (nothing
                                                        to withdraw is not an error); answers with the state
"""

from __future__ import annotations

from fastapi import APIRouter, Body, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from voxpop.services import theme_publishing as TPub
from voxpop.web.api.common import API_PREFIX, managed_conversation, read_session, write_session

router = APIRouter(prefix=API_PREFIX, tags=["listening"])


class PublishIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    artifact: int | None = Field(None, ge=1, le=2**63 - 1,
                                 description="the artifact id of the run to publish (latest.artifact of GET, "
                                             "the run the organiser checked); leave it out for the latest run")


@router.get("/conversations/{cid}/listen/published")
def get_published(cid: str, request: Request, s: Session = Depends(read_session)) -> dict:
    """Which listening themes are on the results page, and whether a newer run is not."""
    managed_conversation(request, s, cid)
    return TPub.state(s, cid).to_dict()


@router.post("/conversations/{cid}/listen/published")
def publish(cid: str, request: Request, body: PublishIn | None = Body(None),
            s: Session = Depends(write_session, scope="function")) -> dict:
    """Publish one listening run's themes on the results page (default: the latest run). 409 when there are no
    themes yet; 404 for an artifact id that is not one of this conversation's runs."""
    _, org = managed_conversation(request, s, cid)
    return TPub.publish(s, cid, organiser_id=org.id, artifact_id=body.artifact if body else None).to_dict()


@router.delete("/conversations/{cid}/listen/published")
def withdraw(cid: str, request: Request, s: Session = Depends(write_session, scope="function")) -> dict:
    """Take the listening themes off the results page (the themes themselves are kept)."""
    managed_conversation(request, s, cid)
    return TPub.withdraw(s, cid).to_dict()
