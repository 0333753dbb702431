"""Pure ASGI middlewares: request body size limits (413 with a message) and security headers."""

from __future__ import annotations

import json
import re

from starlette.exceptions import HTTPException

from voxpop.fieldwork.csvin import MAX_BYTES as FIELD_CSV_MAX_BYTES
from voxpop.listen.io import MAX_FILE_BYTES as TESTIMONY_MAX_BYTES
from voxpop.places.io import PLACES_MAX_BYTES
from voxpop.services.place_layouts import LAYOUT_MAX_BYTES
from voxpop.services.statements import CSV_MAX_BYTES as STATEMENTS_CSV_MAX_BYTES
from voxpop.store.archive.upload import UPLOAD_MAX_BYTES as ARCHIVE_UPLOAD_MAX_BYTES

JSON_LIMIT = 64 * 1024  # JSON API bodies and forms: everything that is not one of the uploads below
MULTIPART_SLACK = 256 * 1024  # room for multipart boundaries, headers and form fields around the file

# The one table of upload ceilings (docs/api.md "Limits"): (method, path pattern, bytes of file data).
# The route checks the exact ceiling (413/422 naming it); the body limit adds MULTIPART_SLACK.
UPLOADS: list[tuple[str, re.Pattern[str], int]] = [
    ("PUT", re.compile(r"/api/v1/conversations/[^/]+/places"), PLACES_MAX_BYTES),
    ("PUT", re.compile(r"/api/v1/conversations/[^/]+/places/aliases"), PLACES_MAX_BYTES),
    ("PUT", re.compile(r"/api/v1/conversations/[^/]+/places/layout"), LAYOUT_MAX_BYTES),
    ("POST", re.compile(r"/organiser/c/[^/]+/places/layout"), LAYOUT_MAX_BYTES),
    ("POST", re.compile(r"/organiser/c/[^/]+/places/aliases"), PLACES_MAX_BYTES),
    ("POST", re.compile(r"/organiser/c/[^/]+/places"), PLACES_MAX_BYTES),
    # the organiser page's form for a map of the places (HexJSON or GeoJSON, voxpop.places.layout)
    ("POST", re.compile(r"/organiser/c/[^/]+/places/layout"), PLACES_MAX_BYTES),
    ("POST", re.compile(r"/api/v1/imports"), ARCHIVE_UPLOAD_MAX_BYTES),
    ("POST", re.compile(r"/organiser/import"), ARCHIVE_UPLOAD_MAX_BYTES),
    ("POST", re.compile(r"/api/v1/conversations/[^/]+/statements/csv"), STATEMENTS_CSV_MAX_BYTES),
    ("POST", re.compile(r"/organiser/c/[^/]+/statements-csv"), STATEMENTS_CSV_MAX_BYTES),
    ("POST", re.compile(r"/api/v1/conversations/[^/]+/listen"), TESTIMONY_MAX_BYTES),
    ("POST", re.compile(r"/organiser/c/[^/]+/listen"), TESTIMONY_MAX_BYTES),
    # field work: a panel's volunteer pool and quotas (two files), paper tallies
    ("POST", re.compile(r"/api/v1/conversations/[^/]+/panels"), 2 * FIELD_CSV_MAX_BYTES),
    ("POST", re.compile(r"/organiser/c/[^/]+/panels"), 2 * FIELD_CSV_MAX_BYTES),
    ("POST", re.compile(r"/api/v1/conversations/[^/]+/paper/entries/csv"), FIELD_CSV_MAX_BYTES),
    ("POST", re.compile(r"/organiser/c/[^/]+/paper/entries/csv"), FIELD_CSV_MAX_BYTES),
]


# What to do instead, for uploads where "send less" is not the whole answer: (path pattern, advice).
ADVICE: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"(/api/v1/conversations|/organiser/c)/[^/]+/listen"),
     "send fewer or smaller testimony files (remove what is not testimony, such as timestamps or notes), or "
     "theme bigger collections on the command line with `voxpop listen` (docs/listening.md)"),
]


def ceiling_for(method: str, path: str) -> int:
    """The largest file (or JSON body) this request may carry, in bytes."""
    for m, pattern, ceiling in UPLOADS:
        if m == method and pattern.fullmatch(path):
            return ceiling
    return JSON_LIMIT


def _limit_for(scope) -> tuple[int, int]:
    """(body limit, ceiling to name in the message)."""
    ceiling = ceiling_for(scope.get("method", ""), scope.get("path", ""))
    return (ceiling if ceiling == JSON_LIMIT else ceiling + MULTIPART_SLACK), ceiling


def _message(ceiling: int, path: str = "") -> str:
    advice = next((text for pattern, text in ADVICE if pattern.fullmatch(path)), "send less")
    return f"the request body is larger than this endpoint's limit of {ceiling:,} bytes; {advice}"


async def _too_large(send, ceiling: int, path: str = "") -> None:
    body = json.dumps({"error": "too_large", "message": _message(ceiling, path)}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


class _TooLarge(HTTPException):
    """Raised from receive(); an HTTPException so FastAPI's body parsing passes it on as a 413."""

    def __init__(self, ceiling: int, path: str = "") -> None:
        super().__init__(413, _message(ceiling, path))


class BodyLimit:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit, ceiling = _limit_for(scope)
        for k, v in scope.get("headers") or []:
            if k == b"content-length":
                try:
                    n = int(v)
                except ValueError:
                    n = limit + 1
                if n > limit:
                    return await _too_large(send, ceiling, scope.get("path", ""))
        seen = 0
        started = False

        async def limited_receive():
            nonlocal seen
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > limit:
                    raise _TooLarge(ceiling, scope.get("path", ""))
            return msg

        async def tracking_send(msg):
            nonlocal started
            if msg["type"] == "http.response.start":
                started = True
            await send(msg)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await _too_large(send, ceiling, scope.get("path", ""))


SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]


class SecurityHeaders:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def add_headers(msg):
            if msg["type"] == "http.response.start":
                headers = list(msg.get("headers") or [])
                have = {k.lower() for k, _ in headers}
                msg["headers"] = headers + [(k, v) for k, v in SECURITY_HEADERS if k not in have]
            await send(msg)

        await self.app(scope, receive, add_headers)
