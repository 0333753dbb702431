"""Giving a conversation's places a map: read an uploaded HexJSON / GeoJSON layout, check every shape is one
of the conversation's places, and store it (voxpop.store.places.save_layout). Used by the API and the
organiser's places page."""

from __future__ import annotations

from voxpop import i18n
from voxpop.errors import Invalid
from voxpop.places.layout import match, read_layout
from voxpop.places.registry import PlaceError
from voxpop.store.db import Database
from voxpop.store.places import save_layout, stored_registry

LAYOUT_MAX_BYTES = 20 * 1024 * 1024


def parse_layout(data: bytes, name: str, id_property: str | None = None) -> dict:
    """The layout in an uploaded file; Invalid saying what to fix."""
    if len(data) > LAYOUT_MAX_BYTES:
        raise Invalid(i18n.lazy_gettext("%(name)s: the layout is larger than %(value)s MB", name=name, value=LAYOUT_MAX_BYTES // (1024 * 1024)))
    try:
        return read_layout(data, name, id_property=id_property)
    except PlaceError as e:
        raise Invalid(str(e)) from None


def store_layout(db: Database, cid: str, layout: dict, name: str) -> dict:
    """Store the layout as the conversation's map once every shape is one of its places."""
    with db.write() as s:
        reg = stored_registry(s, cid)
        if reg is None:
            raise Invalid(i18n.lazy_gettext("upload the places first: a layout draws places this "
                                            "conversation already has"))
        n, unknown = match(layout, set(reg.ids))
        if unknown:
            raise Invalid(i18n.lazy_gettext("%(name)s: %(n)s of %(n2)s shapes match no place id, e.g. "
                                            "%(names)s; use the place ids of the places file", name=name, n=len(unknown), n2=len(layout['shapes']), names=', '.join(unknown[:5])))
        save_layout(s, cid, layout)
    return {"kind": layout["kind"], "shapes": n, "source": layout["source"]}
