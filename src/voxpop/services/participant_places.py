"""The participant's place: the hook the places work plugs into (used by web/pages/participate.py).

A conversation "asks for places" when places are registered for it (store.models.Place rows). The
participant types a place name; voxpop.places.finder matches it (official, short and Welsh names, the
organiser's aliases, postcode districts, small typos). One match is stored as the participant's place_id; an
ambiguous or unknown name keeps them on the page with a choice or suggestions; "I'd rather not say" is
always offered. The type-ahead list (static/js/place.js) asks the places API
(/api/v1/conversations/{cid}/places/search); `?place=ID` links from in-person meetings set it directly.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from voxpop.store.models import Participant, Place
from voxpop.store.places import finder_for, names_in

MAX_RESULTS = 10


def conversation_has_places(s: Session, cid: str) -> bool:
    return s.execute(select(Place.id).where(Place.conversation_id == cid).limit(1)).first() is not None


def finds_postcodes(s: Session, cid: str) -> bool:
    """Whether a postcode typed by a participant can be found: the organiser's aliases name postcode districts."""
    finder = finder_for(s, cid)
    return finder is not None and finder.has_postcodes


def place_name_of(s: Session, cid: str, pk: int, language: str = "") -> str | None:
    """The participant's place by name (in `language` when it has a name in it: "Caerdydd" in Welsh), or
    None when they gave none."""
    place_id = s.execute(select(Participant.place_id).where(Participant.id == pk)).scalar()
    if place_id is None:
        return None
    name = s.execute(select(Place.name).where(Place.conversation_id == cid, Place.place_id == place_id)).scalar()
    local = names_in(s, cid, language, [place_id]).get(place_id) if language else None
    return local or name or place_id


def find_place(s: Session, cid: str, typed: str) -> tuple[str | None, list[dict]]:
    """(the place id when what was typed names exactly one place, else None; the places to offer: the
    choice for an ambiguous name, or near misses for an unknown one). "Town, Region" as the type-ahead
    offers it is read as the town."""
    finder = finder_for(s, cid)
    if finder is None:
        return None, []
    typed = typed.strip()[:100]
    found = finder.find(typed)
    if not found.matches and "," in typed:
        found = finder.find(typed.split(",", 1)[0])
    if found.unique is not None and found.unique.how != "prefix":
        return found.unique.place_id, []
    offer = found.matches or finder.suggest(typed)
    rows = {pid: (name, parent) for pid, name, parent in s.execute(
        select(Place.place_id, Place.name, Place.parent_id).where(Place.conversation_id == cid))}
    out = []
    for m in offer[:MAX_RESULTS]:
        if m.place_id in rows:
            name, parent = rows[m.place_id]
            above = rows.get(parent or "", ("", None))[0]
            out.append({"id": m.place_id, "label": (name or m.place_id) + (f", {above}" if above else "")})
    return None, out


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


def save_place(s: Session, cid: str, pk: int, place_id: str) -> bool:
    """Store one of the conversation's places as the participant's (replacing any). False when the id is
    not one of its places."""
    exists = s.execute(select(Place.id).where(Place.conversation_id == cid, Place.place_id == place_id)
                       .limit(1)).first()
    p = s.get(Participant, pk)
    if exists is None or p is None or p.conversation_id != cid:
        return False
    p.place_id = place_id
    return True
