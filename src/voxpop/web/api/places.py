"""JSON API for places: the organiser's place registry, fairness settings, participants' places, and
place links / QR codes for in-person meetings (docs/places.md).

Routes (prefix /api/v1):
  PUT  /conversations/{cid}/places                       organiser: upload a places CSV (replaces the registry)
  GET  /conversations/{cid}/places                       the registry (id, name, kind, parent, level, population)
  GET  /conversations/{cid}/places/search?q=             places by name, for the participant page's type-ahead
  PUT  /conversations/{cid}/places/aliases               organiser: upload an alias table (alias,place_id CSV)
  GET  /conversations/{cid}/places/aliases               organiser: the alias table
  GET  /conversations/{cid}/places/settings              fairness policy, smallest cell shown, raking margins
  PUT  /conversations/{cid}/places/settings              organiser: change them
  PUT  /conversations/{cid}/participants/{xid}/place     organiser: set a participant's place (and strata) by xid
  GET  /conversations/{cid}/places/{place_id}/link       organiser: the participation link for that place
  GET  /conversations/{cid}/places/{place_id}/qr.svg     organiser: that link as a QR code (SVG)
  PUT  /conversations/{cid}/places/layout                organiser: upload a map layout (HexJSON or GeoJSON)
  GET  /conversations/{cid}/places/layout                the map layout (uploaded, or the packaged UK map)
  DELETE /conversations/{cid}/places/layout              organiser: drop the uploaded layout (default again)
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from voxpop import i18n
from voxpop.errors import Invalid, NotFound, TooLarge
from voxpop.places.finder import Found
from voxpop.places.io import PLACES_MAX_BYTES, read_places, registry_to_rows
from voxpop.places.registry import PlaceError, PlaceRegistry
from voxpop.places.weighting import POLICIES
from voxpop.services import participants as P
from voxpop.services.conversations import get_conversation
from voxpop.store.places import (
    aliases_of,
    finder_for,
    read_aliases_csv,
    replace_aliases,
    replace_places,
    save_layout,
    save_settings,
    settings_of,
    stored_layout,
    stored_registry,
)
from voxpop.web.api.common import (
    API_PREFIX,
    display_name,
    managed_conversation,
    managed_upload,
    read_session,
    services,
    write_session,
)

router = APIRouter(prefix=API_PREFIX, tags=["places"])
CSV_MAX_BYTES = PLACES_MAX_BYTES


class SettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    policy: Literal["population", "equal", "sqrt"] | None = None
    min_cell: int | None = Field(None, ge=1, le=1000)
    margins: dict[str, dict[str, float]] | None = None


class PlaceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    place_id: str | None = Field(None, max_length=100)
    strata: dict[str, str] | None = None


def _summary(reg: PlaceRegistry) -> dict:
    return {"places": len(reg), "leaves": int(reg.is_leaf.sum()), "levels": reg.level_names, "kinds": reg.kind_names,
            "context_columns": sorted(reg.context), "population": float(reg.population[reg.is_leaf].sum())}


def _parse_csv(data: bytes, name: str, mapping: str | None) -> PlaceRegistry:
    if len(data) > CSV_MAX_BYTES:
        raise TooLarge(i18n.lazy_gettext("%(name)s: the places file is larger than %(value)s MB "
                                         "(%(csv_max_bytes)s bytes); split it or drop columns", name=display_name(name, 'places.csv'), value=CSV_MAX_BYTES // (1024 * 1024), csv_max_bytes=format(CSV_MAX_BYTES, ',')))
    shown = display_name(name, "places.csv")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "places.csv"  # never the client's name: it could be "..", "/" or very long
        path.write_bytes(data)
        try:
            reg = read_places(path, mapping)
        except (PlaceError, ValueError) as e:
            raise Invalid(str(e).replace(str(path), shown)) from None
    return reg


@router.put("/conversations/{cid}/places")
async def upload_places(cid: str, request: Request, file: UploadFile | None = None,
                        mapping: str | None = Query(None, max_length=2000)) -> dict:
    """Replace the conversation's places with a CSV (multipart field `file`, or a text/csv body).
    `mapping` renames columns (docs/places.md); the 2016 referendum file needs none. All or nothing."""
    svc = services(request)
    data, name = await managed_upload(request, cid, file, default_name="places.csv", max_bytes=CSV_MAX_BYTES)
    reg = await run_in_threadpool(_parse_csv, data, name, mapping)

    def go():
        with svc.db.write() as s:
            replace_places(s, cid, reg)
        return _summary(reg)

    return await run_in_threadpool(go)


@router.get("/conversations/{cid}/places")
def list_places(cid: str, s: Session = Depends(read_session)) -> dict:
    get_conversation(s, cid)
    reg = stored_registry(s, cid)
    if reg is None:
        return {"places": [], "summary": None}
    rows = registry_to_rows(reg)
    for r in rows:
        r["level"] = r["context"].pop("_level", None)
    return {"places": rows, "summary": _summary(reg)}


@router.put("/conversations/{cid}/places/layout")
async def upload_layout(cid: str, request: Request, file: UploadFile | None = None,
                        id_property: str | None = Query(None, max_length=100)) -> dict:
    """Give the places a map: a HexJSON hex cartogram or GeoJSON boundaries (multipart `file` or the body).
    Each hex's id (or its "place"), or each feature's `id_property` / "place" / "id" / "code" property, must be
    a place id; shapes that match no place are refused with their ids."""
    from voxpop.services.place_layouts import LAYOUT_MAX_BYTES, parse_layout, store_layout

    svc = services(request)
    data, name = await managed_upload(request, cid, file, default_name="layout.json", max_bytes=LAYOUT_MAX_BYTES)
    layout = await run_in_threadpool(parse_layout, data, name, id_property)
    return await run_in_threadpool(store_layout, svc.db, cid, layout, name)


@router.get("/conversations/{cid}/places/layout")
def get_layout(cid: str, s: Session = Depends(read_session)) -> dict:
    get_conversation(s, cid)
    layout = stored_layout(s, cid)
    if layout is None:
        raise NotFound(i18n.lazy_gettext("this conversation's places have no map: upload a HexJSON or "
                                         "GeoJSON layout"))
    return layout


@router.delete("/conversations/{cid}/places/layout")
def delete_layout(cid: str, request: Request, s: Session = Depends(write_session, scope="function")) -> dict:
    managed_conversation(request, s, cid)
    save_layout(s, cid, None)
    return {"deleted": True}


@router.get("/conversations/{cid}/places/search")
def search(cid: str, q: str = Query("", max_length=100), limit: int = Query(10, ge=1, le=50),
           s: Session = Depends(read_session)) -> dict:
    """Places for what a participant typed: official, short and Welsh names, common variants, the
    organiser's aliases and postcode districts, tolerant of case, accents and small typos. `ambiguous` is
    true when the name fits several places equally (offer a choice)."""
    get_conversation(s, cid)
    reg = stored_registry(s, cid)
    finder = finder_for(s, cid)
    if reg is None or finder is None:
        return {"places": [], "ambiguous": False}
    return place_matches(reg, finder.find(q, limit))


def place_matches(reg: PlaceRegistry, found: Found) -> dict:
    index = reg.index

    def label(i: int) -> str:
        p = int(reg.parent[i])
        return reg.names[i] + (f", {reg.names[p]}" if p >= 0 else "")

    out = []
    for m in found.matches:
        i = index.get(m.place_id)
        if i is not None:
            out.append({"id": m.place_id, "name": reg.names[i], "label": label(i), "kind": reg.kinds[i],
                        "level": reg.levels[i], "matched": m.alias, "how": m.how})
    return {"places": out, "ambiguous": found.ambiguous}


@router.put("/conversations/{cid}/places/aliases")
async def upload_aliases(cid: str, request: Request, file: UploadFile | None = None) -> dict:
    """Replace the conversation's alias table with a CSV `alias,place_id` (towns, villages,
    neighbourhoods, postcode districts such as TR18), as a multipart `file` or a text/csv body."""
    svc = services(request)
    data, name = await managed_upload(request, cid, file, default_name="aliases.csv", max_bytes=CSV_MAX_BYTES)
    if len(data) > CSV_MAX_BYTES:
        raise TooLarge(i18n.lazy_gettext("%(name)s: larger than %(value)s MB; split it", name=name, value=CSV_MAX_BYTES // (1024 * 1024)))
    pairs = await run_in_threadpool(read_aliases_csv, data, name)

    def go():
        with svc.db.write() as s:
            replace_aliases(s, cid, pairs)
        return {"aliases": len(pairs)}

    return await run_in_threadpool(go)


@router.get("/conversations/{cid}/places/aliases")
def list_aliases(cid: str, request: Request, s: Session = Depends(read_session)) -> dict:
    managed_conversation(request, s, cid)
    return {"aliases": [{"alias": a, "place_id": p} for a, p in aliases_of(s, cid)]}


@router.get("/conversations/{cid}/places/settings")
def get_settings(cid: str, s: Session = Depends(read_session)) -> dict:
    get_conversation(s, cid)
    st = settings_of(s, cid)
    return st | {"policy_label": POLICIES[st["policy"]]}


@router.put("/conversations/{cid}/places/settings")
def put_settings(cid: str, body: SettingsIn, request: Request, s: Session = Depends(write_session, scope="function")) -> dict:
    managed_conversation(request, s, cid)
    st = settings_of(s, cid) | body.model_dump(exclude_none=True)
    save_settings(s, cid, st)
    return st | {"policy_label": POLICIES[st["policy"]]}


@router.put("/conversations/{cid}/participants/{xid}/place")
def set_participant_place(cid: str, xid: str, body: PlaceIn, request: Request,
                          s: Session = Depends(write_session, scope="function")) -> dict:
    """Set (or clear, with place_id null) the place of the participant with this xid; creates them."""
    managed_conversation(request, s, cid)
    if body.place_id is not None:
        reg = stored_registry(s, cid)
        if reg is None or body.place_id not in reg.index:
            raise Invalid(i18n.lazy_gettext("unknown place id %(place_id)s: upload the places first or use "
                                            "an id from them", place_id=repr(body.place_id)))
    p = P.get_or_create_participant(s, cid, xid=xid)
    p.place_id = body.place_id
    if body.strata is not None:
        if len(body.strata) > 20 or any(len(k) > 50 or len(v) > 100 for k, v in body.strata.items()):
            raise Invalid(i18n.lazy_gettext("strata must be at most 20 fields (name ≤ 50, value ≤ 100 "
                                            "characters)"))
        p.strata = body.strata or None
    return {"xid": xid, "place_id": p.place_id, "strata": p.strata}


def _link(request: Request, s: Session, cid: str, place_id: str) -> str:
    managed_conversation(request, s, cid)
    reg = stored_registry(s, cid)
    if reg is None or place_id not in reg.index:
        raise NotFound(i18n.lazy_gettext("no place %(place_id)s in this conversation", place_id=repr(place_id)))
    base = str(request.base_url).rstrip("/")
    return f"{base}/c/{quote(cid)}?place={quote(place_id)}"


@router.get("/conversations/{cid}/places/{place_id}/link")
def place_link(cid: str, place_id: str, request: Request, s: Session = Depends(read_session)) -> dict:
    url = _link(request, s, cid, place_id)
    return {"place_id": place_id, "url": url,
            "qr_svg": f"{API_PREFIX}/conversations/{quote(cid)}/places/{quote(place_id)}/qr.svg"}


@router.get("/conversations/{cid}/places/{place_id}/qr.svg")
def place_qr(cid: str, place_id: str, request: Request, s: Session = Depends(read_session)) -> Response:
    import segno

    url = _link(request, s, cid, place_id)
    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="svg", scale=8, border=2, xmldecl=False,
                                    title=f"Join the conversation ({place_id})")
    return Response(buf.getvalue(), media_type="image/svg+xml",
                    headers={"Content-Disposition": f'inline; filename="place-{quote(place_id)}.svg"'})


