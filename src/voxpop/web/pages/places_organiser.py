"""Organiser page for places: upload the registry, choose the fairness policy, get a place's link and QR
code for an in-person meeting, and see where to go next. JSON twin: /api/v1/conversations/{cid}/places.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile

from voxpop import i18n
from voxpop.analysis.schema import stored
from voxpop.errors import Invalid
from voxpop.places.weighting import POLICIES
from voxpop.store import places as SP
from voxpop.web.api import places as AP
from voxpop.web.api.common import API_PREFIX, services
from voxpop.web.pages.common import done, render, with_cookies
from voxpop.web.pages.organiser import _csrf, _managed, _run

router = APIRouter(include_in_schema=False)
NEXT_SHOWN = 30


@router.get("/organiser/c/{cid}/places")
async def places_page(cid: str, request: Request, q: str = Query("", max_length=100)) -> Response:
    svc = services(request)

    def go():
        from voxpop.services.analyses import get_analysis

        with svc.db.read() as s:
            conv, _ = _managed(request, s, cid)
            reg = SP.stored_registry(s, cid)
            settings = SP.settings_of(s, cid)
            doc = stored(get_analysis(s, cid)["document"])
            layout = SP.stored_layout(s, cid)
            uploaded = SP.uploaded_layout(s, cid) is not None
            finder = SP.finder_for(s, cid) if q.strip() else None
        # the same matching participants get: official and everyday names, aliases, postcodes, typos
        hits = [m.place_id for m in (finder.find(q, 5).matches or finder.suggest(q, 5))] if finder else []
        return conv, reg, settings, doc, layout, uploaded, hits

    out, err = await _run(request, go)
    if err:
        return err
    conv, reg, settings, doc, layout, uploaded, hits = out
    base = str(request.base_url).rstrip("/")
    found = []
    if reg is not None:
        for pid in dict.fromkeys(h for h in hits if h in reg.index):
            i = reg.index[pid]
            p = int(reg.parent[i])
            found.append({"label": reg.names[i] + (f", {reg.names[p]}" if p >= 0 else ""),
                          "url": f"{base}/c/{quote(cid)}?place={quote(pid)}",
                          "qr": f"{API_PREFIX}/conversations/{quote(cid)}/places/{quote(pid)}/qr.svg"})
    places = doc["places"] if doc else None
    nxt = places["coverage"]["next"][:NEXT_SHOWN] if places else []
    cookies = Response()
    token = svc.security.csrf_token(request, cookies)
    o = f"/organiser/c/{cid}"
    resp = render(
        request, "organiser/places.html", title=i18n._("Places · %(topic)s", topic=conv.topic), conv=conv, csrf_token=token,
        summary=AP._summary(reg) if reg is not None else None, settings=settings, policies=list(POLICIES.items()),
        q=q, found=found, next=nxt, layout=layout, layout_default=layout is not None and not uploaded,
        urls={"back": o, "results": f"/c/{cid}/results", "self": f"{o}/places", "upload": f"{o}/places",
              "settings": f"{o}/places/settings",
              "aliases": f"{o}/places/aliases", "layout": f"{o}/places/layout",
              "layout_delete": f"{o}/places/layout/delete"},
        nav_label="Organiser", json_twin=f"{API_PREFIX}/conversations/{cid}/places",
    )
    return with_cookies(resp, cookies)


@router.post("/organiser/c/{cid}/places")
async def upload(cid: str, request: Request, csrf_token: str = Form(""), mapping: str = Form(""),
                 file: UploadFile = File(...)) -> Response:
    data = await file.read(AP.CSV_MAX_BYTES + 1)
    name = file.filename or "places.csv"

    def go():
        _csrf(request, csrf_token)
        with services(request).db.read() as s:
            _managed(request, s, cid)
        reg = AP._parse_csv(data, name, mapping.strip() or None)
        with services(request).db.write() as s:
            SP.replace_places(s, cid, reg)

    _, err = await _run(request, go, back=f"/organiser/c/{cid}/places")
    return err or done(request, f"/organiser/c/{cid}/places", "saved")


@router.post("/organiser/c/{cid}/places/layout")
async def upload_layout(cid: str, request: Request, csrf_token: str = Form(""), id_property: str = Form(""),
                        file: UploadFile = File(...)) -> Response:
    """Give the places a map (HexJSON or GeoJSON; voxpop.services.place_layouts)."""
    from voxpop.services.place_layouts import LAYOUT_MAX_BYTES, parse_layout, store_layout

    data = await file.read(LAYOUT_MAX_BYTES + 1)
    name = file.filename or "layout.json"

    def go():
        _csrf(request, csrf_token)
        with services(request).db.read() as s:
            _managed(request, s, cid)
        store_layout(services(request).db, cid, parse_layout(data, name, id_property.strip() or None), name)

    _, err = await _run(request, go, back=f"/organiser/c/{cid}/places")
    return err or done(request, f"/organiser/c/{cid}/places", "saved")


@router.post("/organiser/c/{cid}/places/layout/delete")
async def delete_layout(cid: str, request: Request, csrf_token: str = Form("")) -> Response:
    def go():
        _csrf(request, csrf_token)
        with services(request).db.write() as s:
            _managed(request, s, cid)
            SP.save_layout(s, cid, None)

    _, err = await _run(request, go, back=f"/organiser/c/{cid}/places")
    return err or done(request, f"/organiser/c/{cid}/places", "saved")


@router.post("/organiser/c/{cid}/places/aliases")
async def upload_aliases(cid: str, request: Request, csrf_token: str = Form(""),
                         file: UploadFile = File(...)) -> Response:
    """Replace the alias table (`alias,place_id` CSV: towns, villages, neighbourhoods, postcode districts)."""
    data = await file.read(AP.CSV_MAX_BYTES + 1)

    def go():
        _csrf(request, csrf_token)
        with services(request).db.read() as s:
            _managed(request, s, cid)
        if len(data) > AP.CSV_MAX_BYTES:
            raise Invalid(i18n.lazy_gettext("the alias file is larger than %(value)s MB; split it", value=AP.CSV_MAX_BYTES // (1024 * 1024)))
        pairs = SP.read_aliases_csv(data, (file.filename or "aliases.csv")[:200])
        with services(request).db.write() as s:
            SP.replace_aliases(s, cid, pairs)

    _, err = await _run(request, go, back=f"/organiser/c/{cid}/places")
    return err or done(request, f"/organiser/c/{cid}/places", "saved")


@router.post("/organiser/c/{cid}/places/settings")
async def save_settings(cid: str, request: Request, csrf_token: str = Form(""), policy: str = Form("population"),
                        min_cell: str = Form("5")) -> Response:
    def go():
        _csrf(request, csrf_token)
        if policy not in POLICIES:
            raise Invalid(i18n.lazy_gettext("unknown fairness policy %(policy)s", policy=repr(policy)))
        try:
            k = int(min_cell)
        except ValueError:
            raise Invalid(i18n.lazy_gettext("the smallest group shown must be a whole number")) from None
        if not 1 <= k <= 1000:
            raise Invalid(i18n.lazy_gettext("the smallest group shown must be between 1 and 1000"))
        with services(request).db.write() as s:
            _managed(request, s, cid)
            SP.save_settings(s, cid, SP.settings_of(s, cid) | {"policy": policy, "min_cell": k})

    _, err = await _run(request, go, back=f"/organiser/c/{cid}/places")
    return err or done(request, f"/organiser/c/{cid}/places", "saved")
