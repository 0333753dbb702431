"""The results page: opinion map, groups and what they stand for, common ground, bridging statements and
every statement's votes by group. Drawn by voxpop.report (the same SVG as the HTML report).
JSON twin: /api/v1/conversations/{cid}/analysis.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool

from voxpop import i18n
from voxpop.analysis.schema import stored
from voxpop.errors import ServiceError
from voxpop.places.names import layout_with_names, with_names
from voxpop.report.placemap import place_map
from voxpop.report.places import build_places
from voxpop.report.svg import map_positions
from voxpop.report.view import build_view
from voxpop.report.words import summary as plain_summary
from voxpop.services import conversation_text as CT
from voxpop.services import translations as T
from voxpop.services.conversations import get_conversation
from voxpop.services.standing import participant_standing
from voxpop.store.group_names import group_names
from voxpop.store.models import Statement
from voxpop.store.places import names_in, stored_layout
from voxpop.web.api.common import API_PREFIX, participant_id, services
from voxpop.web.api.results import analysis_for
from voxpop.web.caching import conditional
from voxpop.web.pages import theme_places as TPP
from voxpop.web.pages.common import render, service_error_page
from voxpop.web.pages.participate import participant_nav
from voxpop.web.security import ANON_COOKIE

router = APIRouter(include_in_schema=False)
log = logging.getLogger("voxpop.web")
MAX_BARS = 150  # statements drawn with bars on one page


@router.get("/c/{cid}/results")
async def results(cid: str, request: Request) -> Response:
    svc = services(request)
    lang = i18n.current()
    pages = _cache_of(request)
    query = tuple(sorted(request.query_params.multi_items()))

    def inputs(pk, with_document: bool):
        res = analysis_for(request, cid, with_document=with_document)  # Forbidden when the organisers hide results
        with svc.db.read() as s:
            conv = get_conversation(s, cid)
            ct = CT.for_reader(s, conv, lang)  # the title in the reader's language where the organiser gave it
            mine = participant_standing(s, cid, pk) if pk is not None and res.get("computed_ms") else None
            names = group_names(s, cid)
            themes = TPP.load(s, cid, manager=False, request=request)  # the published themes, as the public sees them
            note = _themes_note(request, s, conv)
            key = _page_key(s, conv, res, names, themes, lang, query, ct)
            doc = stored(res["document"])
            layout = stored_layout(s, cid) if doc and doc["places"] else None
            if doc:  # statements in the reader's language where the organisers gave a translation
                res = {**res, "document": T.document_for_reader(s, conv, dict(doc), lang)}
            if doc and doc["places"]:  # and places by their names in it where they have one ("Caerdydd")
                local = names_in(s, cid, lang)
                res = {**res, "document": {**res["document"], "places": with_names(doc["places"], local)}}
                layout = layout_with_names(layout, local) if layout else layout
        return conv, ct, res, mine, names, layout, themes, note, key

    try:
        # no participant cookie: a reader, not a participant (no need to look for one)
        pk = await participant_id(request, Response(), cid, create=False) if request.cookies.get(ANON_COOKIE) else None
        conv, ct, res, mine, names, layout, themes, note, key = await run_in_threadpool(inputs, pk, False)
    except ServiceError as e:
        return service_error_page(request, e, back=f"/c/{cid}")
    public = bool(res.get("public"))
    # a page for one reader (their standing, an organiser's note): drawn for them, never kept or shared
    personal = mine is not None or note is not None

    def send(entry: _Page) -> Response:
        return conditional(request, Response(entry.body, headers=entry.headers, media_type="text/html"),
                           public=public, etag=entry.headers["etag"])

    async def draw() -> tuple[Response, dict, dict | None, tuple]:
        conv, ct, res, mine, names, layout, themes, note, key = await run_in_threadpool(inputs, pk, True)
        # drawn in a thread: a big conversation's page takes seconds, and the event loop keeps taking votes
        page = await run_in_threadpool(_draw, request, cid, conv, res, mine, names, layout, themes, note, ct)
        if not personal and mine is None and note is None and page.status_code == 200:
            conditional(request, page, public=public)  # sets the page's ETag
            pages.put(key, page)
        return page, res, mine, key

    if not personal:
        base, version = key
        entry = pages.get(base)
        if entry is not None and entry.version == version:  # drawn before from the same inputs
            return send(entry)
        if entry is not None:
            # the same page from the previous analysis (nothing else it shows has changed: names, moderation,
            # translations... are in `base`): shown while one new drawing is made in the background
            pages.redraw(base, draw)
            return send(entry)
        if (drawing := pages.drawing.get(base)) is not None:
            await asyncio.shield(drawing)  # another reader is drawing this very page: wait for it
            if (entry := pages.get(base)) is not None:
                return send(entry)
    try:
        async with pages.drawing_of(None if personal else key[0]):
            page, res, mine, key = await draw()
    except ServiceError as e:
        return service_error_page(request, e, back=f"/c/{cid}")
    # drawn from the stored document; a strong ETag lets a reader who has this page get an empty 304.
    # Shared caches may keep public results; a page with this participant's standing is theirs alone.
    return conditional(request, page, public=public and not personal)


def _themes_note(request: Request, s, conv) -> str | None:
    """For an organiser who manages the conversation, while listening themes newer than the published ones (or
    any, when none are published) are not on this page: the listening page's address, where they publish
    them. None for everyone else (so their page stays shared and cached)."""
    from voxpop.errors import Unauthorized
    from voxpop.services import theme_publishing
    from voxpop.services.conversations import can_manage
    from voxpop.web.api.common import organiser_or_none

    security = services(request).security
    if not request.headers.get("authorization") and security.session_token(request) is None:
        return None  # no organiser here: no database read on the page most readers get
    try:
        org = organiser_or_none(request, s)
    except Unauthorized:
        return None
    if not can_manage(conv, org) or not theme_publishing.state(s, conv.id).newer_not_published:
        return None
    return f"/organiser/c/{conv.id}/listen#publishing"


def _draw(request: Request, cid: str, conv, res: dict, mine, names, layout, themes, note=None,
          ct: CT.ShownText | None = None) -> Response:
    doc = res.get("document")
    ct = ct or CT.original(conv)
    view = build_view(doc, title=ct.topic, group_names=names) if doc else None
    standing = _standing(view, mine) if view and view.ok and mine else None
    chosen = _chosen_group(view, request.query_params.get("group"))
    shown, hidden = _statements_to_show(view, chosen)
    places = build_places(view.places, view) if view and view.ok else None
    pmap = _place_map(view, layout, request.query_params.get("colour")) if places and layout else None
    counts = view.counts if view else {"participants": 0, "votes": 0, "statements": conv.n_statements}
    analysed_at = None
    if res.get("computed_ms"):
        when = datetime.fromtimestamp(res["computed_ms"] / 1000, tz=UTC)
        analysed_at = i18n._("%(date)s at %(time)s UTC", date=i18n.format_date(when, "long"),
                             time=when.strftime("%H:%M"))
    return render(
        request, "results/results.html", title=i18n._("Results: %(topic)s", topic=ct.topic), conv=conv, ct=ct, v=view,
        counts=counts,
        positions=map_positions(view) if view and view.ok else {}, fresh=res.get("fresh"), analysed_at=analysed_at,
        json_twin=f"{API_PREFIX}/conversations/{cid}/analysis", back_url=f"/c/{cid}" if conv.is_open else None,
        nav=participant_nav(cid, "results", True), standing=standing, shown=shown, hidden=hidden,
        places=places, chosen=chosen, summary=plain_summary(view) if view and view.ok else None,
        bridging_extra=_bridging_extra(view), pmap=pmap,
        map_statements=[st for st in view.statements if not st.moderated_out and st.support] if pmap and view else [],
        **TPP.context(cid, themes, request=request), keep_choices=_choices(request), themes_note=note,
    )


CHOICES = ("group", "colour", "level")  # the page's choices (?group, ?colour, ?level), each form keeps the others


def _choices(request: Request) -> dict[str, str]:
    return {k: request.query_params[k][:100] for k in CHOICES if request.query_params.get(k)}


def _page_key(s, conv, res: dict, names: dict, themes, lang: str, query: tuple,
              ct: CT.ShownText | None = None) -> tuple[tuple, tuple]:
    """(base, version): everything the page is drawn from except the document, which the analysis `version`
    names (with hidden statements in `base`): the same key, the same page. Cheap to read (no document), so a
    page read by many is drawn once per analysis."""
    from sqlalchemy import func, select

    from voxpop.store.models import Artifact, Place

    translations = None
    if conv.languages and lang != T.languages_of(conv)[0]:
        translations = (tuple(sorted((k, tuple(sorted(v.items()))) for k, v in T.translations_of(s, conv.id).items())),
                        tuple(s.execute(select(Statement.tid, Statement.language)
                                        .where(Statement.conversation_id == conv.id).order_by(Statement.tid)).all()))
    layout = (s.execute(select(func.max(Artifact.id)).where(Artifact.conversation_id == conv.id)).scalar(),
              tuple(s.execute(select(func.count(), func.max(Place.id)).where(Place.conversation_id == conv.id)).one()))
    # themes by place (listening): the public data and the places it names, as a digest
    heard = hashlib.sha256(json.dumps(themes[:2], sort_keys=True, default=str).encode()).hexdigest() if themes else None
    base = (conv.id, tuple(sorted(res.get("hidden") or ())), res.get("public"), conv.topic, conv.is_open,
            conv.n_statements, tuple(conv.languages or ()), tuple(sorted(names.items())), translations, layout, heard,
            lang, query, ct)
    return base, (res.get("status"), res.get("computed_ms"), res.get("fresh"))


@dataclass
class _Page:
    version: tuple
    body: bytes
    headers: dict[str, str]
    drawn: float  # time.monotonic() when it was drawn


class _PageCache:
    """The latest drawn results pages by base key (one event loop's: no locks needed); bounded."""

    # at most one new drawing of a page this often while analyses keep landing: a big conversation's page takes
    # seconds of CPU (holding the GIL, so the votes of this process wait too), and a reader is told how fresh it is
    REDRAW_S = 30.0

    def __init__(self, size: int = 32) -> None:
        self.size = size
        self._d: dict[tuple, _Page] = {}
        self.drawing: dict[tuple, asyncio.Future] = {}  # pages being drawn now (one reader draws, others wait)
        self._tasks: set[asyncio.Task] = set()

    def get(self, base: tuple) -> _Page | None:
        return self._d.get(base)

    def put(self, key: tuple[tuple, tuple], page: Response) -> None:
        base, version = key
        self._d.pop(base, None)
        while len(self._d) >= self.size:
            self._d.pop(next(iter(self._d)), None)
        self._d[base] = _Page(version, bytes(page.body), {k: v for k, v in page.headers.items()
                                                            if k.lower() not in ("content-length", "content-type")},
                              time.monotonic())

    @contextlib.asynccontextmanager
    async def drawing_of(self, base: tuple | None):
        """Mark `base` as being drawn (others wait for it) unless someone already is, or base is None."""
        if base is None or base in self.drawing:
            yield
            return
        mark = self.drawing[base] = asyncio.get_running_loop().create_future()
        try:
            yield
        finally:
            self.drawing.pop(base, None)
            mark.set_result(None)

    def redraw(self, base: tuple, draw) -> None:
        """Draw `base` again in the background, unless it is being drawn or was drawn less than REDRAW_S ago."""
        page = self._d.get(base)
        if base in self.drawing or (page is not None and time.monotonic() - page.drawn < self.REDRAW_S):
            return

        async def run() -> None:
            async with self.drawing_of(base):
                try:
                    await draw()
                except Exception:  # the reader already has the previous page; the next reader tries again
                    log.warning("results page: drawing it again failed", exc_info=True)

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _cache_of(request: Request) -> _PageCache:
    """This app's cache of drawn results pages."""
    state = request.app.state
    cache = getattr(state, "results_pages", None)
    if cache is None:
        cache = state.results_pages = _PageCache()
    return cache


def _place_map(view, layout, colour: str | None):
    """The map of places coloured by coverage, or by support for the statement chosen with ?colour=ID."""
    by_id = {st.id: st for st in view.statements if not st.moderated_out}
    mode = colour if colour is not None and colour in by_id else "coverage"
    return place_map(layout, view.places, mode=mode,
                     statement_text=by_id[mode].text if mode in by_id else None, id_prefix="place-map")


def _chosen_group(view, letter: str | None):
    """The group picked with ?group=A (by letter), or None."""
    if view is None or not letter:
        return None
    for g in view.groups:
        if g.letter.lower() == letter.strip().lower():
            return g
    return None


def _bridging_extra(view, top: int = 5) -> list:
    """Bridging statements that the common ground does not already show."""
    if view is None or not view.ok:
        return []
    in_cg = {f.statement.id for f in view.common_ground}
    return [s for s in view.bridging if s.id not in in_cg and s.known][:top]


def _statements_to_show(view, chosen=None) -> tuple[list, int]:
    """Every statement's bars, or the MAX_BARS most-voted in a big conversation (the rest are in the
    exports and the JSON twin); returns (statements in their order, how many were left out). With a
    chosen group, the statements that group agrees with most come first."""
    if view is None:
        return [], 0
    live = [st for st in view.statements if not st.moderated_out]
    hidden = 0
    if len(live) > MAX_BARS:
        keep = {id(st) for st in sorted(live, key=lambda st: -st.votes.n_seen)[:MAX_BARS]}
        live, hidden = [st for st in live if id(st) in keep], len(live) - MAX_BARS
    if chosen is not None:
        def agree(st) -> float:
            v = st.by_group.get(chosen.id)
            return v.n_agree / (v.n_agree + v.n_disagree) if v and v.n_agree + v.n_disagree else -1.0
        live = sorted(live, key=lambda st: -agree(st))
    return live, hidden


def _standing(view, mine: dict) -> dict | None:
    """The participant's group and how often they voted with each group's majority, for the page."""
    if not mine.get("votes"):
        return None
    rows = []
    for g in mine.get("groups") or []:
        gv = view.group(g.get("id"))
        if gv is not None and g.get("agreement") is not None and g.get("compared"):
            rows.append({"group": gv, "pct": round(100 * g["agreement"]), "compared": g["compared"],
                         "same": round(g["agreement"] * g["compared"])})
    own = view.group(mine["group"]) if mine.get("group") is not None else None
    return {"group": own, "rows": rows, "votes": mine["votes"]}
