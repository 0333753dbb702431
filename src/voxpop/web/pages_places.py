"""The participant's place: the hook the places work plugs into.

A conversation "asks for places" when places are registered for it (store.models.Place rows). The
participant types a place name; it is matched without regard to case, accents or spacing, and stored
as the participant's place_id. `search_places` feeds the type-ahead list (static/js/place.js).
"""

from __future__ import annotations

import unicodedata

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select
from sqlalchemy.orm import Session

from voxpop.store.models import Participant, Place
from voxpop.web.api_common import services

router = APIRouter(include_in_schema=False)
MAX_RESULTS = 10


def fold(text: str) -> str:
    """Lower case, accents removed, spaces collapsed: 'Saint-Étienne ' -> 'saint-etienne'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).casefold().split())


def conversation_has_places(s: Session, cid: str) -> bool:
    return s.execute(select(Place.id).where(Place.conversation_id == cid).limit(1)).first() is not None


def place_name_of(s: Session, cid: str, pk: int) -> str | None:
    place_id = s.execute(select(Participant.place_id).where(Participant.id == pk)).scalar()
    if place_id is None:
        return None
    name = s.execute(select(Place.name).where(Place.conversation_id == cid, Place.place_id == place_id)).scalar()
    return name or place_id


def search_places(s: Session, cid: str, q: str, limit: int = MAX_RESULTS) -> list[dict]:
    """Places whose name starts with (then contains) what was typed; exact matches first."""
    want = fold(q)
    if not want:
        return []
    rows = s.execute(select(Place.place_id, Place.name, Place.kind).where(Place.conversation_id == cid)).all()
    scored = []
    for pid, name, kind in rows:
        f = fold(name or pid)
        if want in f:
            rank = 0 if f == want else 1 if f.startswith(want) else 2
            scored.append((rank, len(f), name or pid, pid, kind))
    scored.sort()
    return [{"id": pid, "name": name, "kind": kind} for _, _, name, pid, kind in scored[:limit]]


def save_place(s: Session, cid: str, pk: int, typed: str) -> bool:
    """Store the participant's place from a typed name; False when no place matches exactly."""
    hits = search_places(s, cid, typed, limit=1)
    if not hits or fold(hits[0]["name"]) != fold(typed):
        return False
    p = s.get(Participant, pk)
    if p is None or p.conversation_id != cid:
        return False
    p.place_id = hits[0]["id"]
    return True


@router.get("/c/{cid}/places")
async def places_search(cid: str, request: Request, q: str = Query("", max_length=100)) -> list[dict]:
    def go():
        with services(request).db.read() as s:
            return search_places(s, cid, q)

    return await run_in_threadpool(go)
