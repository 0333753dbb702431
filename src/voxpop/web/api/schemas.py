"""JSON API: the JSON Schema of the analysis document, generated from its types (voxpop.analysis.schema)."""

from __future__ import annotations

import functools
import json

from fastapi import APIRouter, Request, Response

from voxpop.web.api.common import API_PREFIX
from voxpop.web.caching import conditional

router = APIRouter(prefix=API_PREFIX, tags=["schemas"])
MEDIA_TYPE = "application/schema+json"


@functools.cache
def _body() -> bytes:
    from voxpop.analysis.schema import json_schema

    return json.dumps(json_schema(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@router.get("/schema/analysis", response_class=Response, responses={
    200: {"description": "the JSON Schema (draft 2020-12) of the analysis document (docs/analysis-schema.md)",
          "content": {MEDIA_TYPE: {"schema": {"type": "object"}}}},
    304: {"description": "not modified: the ETag sent in If-None-Match is current"},
})
async def analysis_schema(request: Request) -> Response:
    """The JSON Schema of `GET /conversations/{cid}/analysis` (schema voxpop.analysis, version 1). Anyone may
    read it; it changes only with voxpop's version, so it carries a strong ETag (an unchanged copy: 304)."""
    return conditional(request, Response(_body(), media_type=MEDIA_TYPE), public=True)
