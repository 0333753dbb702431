"""The place a kiosk, a paper pack or an invitation belongs to: checked against the conversation's places."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from voxpop import i18n
from voxpop.errors import Invalid
from voxpop.store.models import Place


def check_place(s: Session, cid: str, place: str | None) -> str | None:
    """The place id (None for no place). When the conversation has places, it must be one of them (by id,
    or by its exact name); Invalid says how to find the id."""
    place = (place or "").strip()
    if not place:
        return None
    if len(place) > 100 or not place.isprintable():
        raise Invalid(i18n.lazy_gettext("the place must be at most 100 printable characters (a place id such "
                                        "as E06000010)"))
    if s.execute(select(Place.id).where(Place.conversation_id == cid).limit(1)).first() is None:
        return place  # no registry: any label the organiser chooses
    if s.execute(select(Place.id).where(Place.conversation_id == cid, Place.place_id == place)).first():
        return place
    by_name = s.execute(select(Place.place_id).where(Place.conversation_id == cid, Place.name == place)).scalars().all()
    if len(by_name) == 1:
        return by_name[0]
    raise Invalid(i18n.lazy_gettext("no place %(place)s is known in this conversation; use a place id from "
                                    "the Places page", place=repr(place)))


def place_label(s: Session, cid: str, place_id: str | None) -> str:
    if not place_id:
        return ""
    name = s.execute(select(Place.name).where(Place.conversation_id == cid, Place.place_id == place_id)).scalar()
    return name or place_id
