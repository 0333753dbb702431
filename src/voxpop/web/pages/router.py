"""Server-rendered pages (Jinja2, progressive enhancement). app.py includes `router`.

Split by area: participate (vote, add a statement, place), results, organiser, places_organiser,
listen_organiser;
common holds the templates and the form helpers. Every page links its JSON twin in /api/v1.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from voxpop import i18n
from voxpop.web.pages import (
    channels,
    imports,
    kiosk,
    listen_organiser,
    organiser,
    organiser_results,
    panels,
    paper,
    participate,
    places_organiser,
    privacy,
    results,
    translations,
)
from voxpop.web.pages.common import render

router = APIRouter(include_in_schema=False)


@router.get("/")
async def home(request: Request) -> Response:
    # `voxpop demo` features its conversation here; a normal server lists nothing (ids are unguessable)
    featured = getattr(request.app.state, "featured_conversations", [])
    lang = i18n.current()  # each title in the reader's language where there is one, else marked with its own
    featured = [{**c, "title": c.get("titles", {}).get(lang) or c["title"],
                 "language": lang if c.get("titles", {}).get(lang) else c.get("language", "en")} for c in featured]
    return render(request, "home.html", title=i18n._("Welcome"), narrow=True, json_twin="/api/v1/whoami",
                  conversations=featured)


for _mod in (participate, results, organiser, organiser_results, places_organiser, listen_organiser, panels, paper,
             kiosk, channels, imports, translations, privacy):
    router.include_router(_mod.router)
