"""Server-rendered pages (Jinja2, progressive enhancement). app.py includes `router`.

Split by area: pages_participate (vote, add a statement, place), pages_results, pages_organiser;
pages_common holds the templates and the form helpers. Every page links its JSON twin in /api/v1.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from voxpop.web import (
    pages_listen_organiser,
    pages_organiser,
    pages_panels,
    pages_paper,
    pages_participate,
    pages_places,
    pages_places_organiser,
    pages_results,
)
from voxpop.web.pages_common import render

router = APIRouter(include_in_schema=False)


@router.get("/")
async def home(request: Request) -> Response:
    # `voxpop demo` features its conversation here; a normal server lists nothing (ids are unguessable)
    featured = getattr(request.app.state, "featured_conversations", [])
    return render(request, "home.html", title="Welcome", narrow=True, json_twin="/api/v1/whoami",
                  conversations=featured)


for _mod in (pages_participate, pages_results, pages_organiser, pages_places, pages_places_organiser,
             pages_listen_organiser, pages_panels, pages_paper):
    router.include_router(_mod.router)
