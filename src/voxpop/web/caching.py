"""Conditional GETs for the pages and JSON read by many: a strong ETag over the exact bytes sent, 304 Not
Modified when the reader already has them, and Cache-Control that says who may keep a copy.

Everything is revalidated on every use (`no-cache`): a statement the organisers reject must vanish at once,
so no cache may serve a stored copy without asking; when nothing changed the answer is an empty 304.
Public results may be kept by shared caches (a TLS proxy, a CDN) and are shared between readers; results
that only the organisers see, or a page drawn for one participant, are `private` (the reader's browser
only). Organiser pages keep `no-store` (voxpop.web.pages.common.render).
"""

from __future__ import annotations

import hashlib

from fastapi import Request, Response

PUBLIC = "public, no-cache"
PRIVATE = "private, no-cache"


def etag_of(body: bytes) -> str:
    """A strong entity tag: the same bytes, the same tag."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def not_modified(request: Request, etag: str) -> bool:
    """True when If-None-Match names this tag (or is *). If-None-Match compares weakly (RFC 9110 13.1.2):
    W/"x" matches "x"."""
    header = request.headers.get("if-none-match")
    if not header:
        return False
    tags = {t.strip().removeprefix("W/") for t in header.split(",")}
    return "*" in tags or etag in tags


def conditional(request: Request, response: Response, *, public: bool, etag: str | None = None) -> Response:
    """`response` (its body already rendered) with ETag and Cache-Control, or a 304 with the same headers
    when the reader's copy is current."""
    tag = etag or etag_of(bytes(response.body))
    cache = PUBLIC if public else PRIVATE
    if not_modified(request, tag):
        keep = {k: v for k, v in response.headers.items()
                if k.lower() in ("content-security-policy", "vary", "content-language", "x-voxpop-analysis-fresh",
                                 "x-voxpop-analysis-computed-ms")}
        return Response(status_code=304, headers=keep | {"ETag": tag, "Cache-Control": cache})
    response.headers["ETag"] = tag
    response.headers["Cache-Control"] = cache
    return response
