"""The participant's place: the hook the places work plugs into.

A conversation "asks for places" when places are registered for it (store.models.Place rows). The
participant types a place name; it is matched without regard to case, accents or spacing, and stored
as the participant's place_id. The type-ahead list (static/js/place.js) asks the places API
(/api/v1/conversations/{cid}/places/search); `?place=ID` links from in-person meetings set it directly.
"""

from __future__ import annotations

import unicodedata

from fastapi import APIRouter
from sqlalchemy import select
from sqlalchemy.orm import Session

from voxpop.store.models import Participant, Place

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


def set_place_by_id(s: Session, cid: str, pk: int, place_id: str) -> bool:
    """`?place=ID` links (in-person meetings): set the participant's place if they have none yet and the
    id is one of the conversation's places. True when stored."""
    exists = s.execute(select(Place.id).where(Place.conversation_id == cid, Place.place_id == place_id)
                       .limit(1)).first()
    p = s.get(Participant, pk)
    if exists is None or p is None or p.conversation_id != cid or p.place_id is not None:
        return False
    p.place_id = place_id
    return True


def save_place(s: Session, cid: str, pk: int, typed: str) -> bool:
    """Store the participant's place from a typed name ("Town" or "Town, Region" as the type-ahead
    offers it); False when no place matches exactly."""
    name = typed.split(",", 1)[0] if "," in typed else typed
    hits = search_places(s, cid, name, limit=1)
    if not hits or fold(hits[0]["name"]) != fold(name):
        return False
    p = s.get(Participant, pk)
    if p is None or p.conversation_id != cid:
        return False
    p.place_id = hits[0]["id"]
    return True
