"""CSRF protection for the JSON API: a write that a browser sends on behalf of another site is refused.

The API's writes authenticate with cookies too (the participant's anonymous cookie, the organiser's
session), and some take no body (undo, close, reopen, refresh), so "a cross-site form cannot send JSON"
protects nothing there; SameSite=Lax does not stop a sibling subdomain, and on https the participant
cookie is SameSite=None for embedding. So every POST/PUT/PATCH/DELETE under /api/ is checked with what
browsers say about where a request comes from (OWASP: verify the origin with standard headers):

- `Sec-Fetch-Site` other than `same-origin` or `none` -> 403 (a page of another origin made it; every
  current browser sends this header, and it is right behind a proxy that rewrites Host);
- without it, an `Origin` whose host is not this server's (Host or X-Forwarded-Host), or `null` -> 403.

Requests with an `Authorization` header are not checked (browsers never add one by themselves), nor
requests without either header (curl, scripts: no browser is carrying someone's cookies there). Pages'
forms keep their double-submit CSRF token (voxpop.web.security).
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
MESSAGE = ("this request came from another site's page; voxpop's API accepts writes only from its own pages "
           "or with an 'Authorization: Bearer <API token>' header")


def cross_site(scope) -> bool:
    """True when a browser says this unsafe API request was made by a page of another origin."""
    if scope.get("method") not in UNSAFE or not scope.get("path", "").startswith("/api/"):
        return False
    headers = dict(scope.get("headers") or [])
    if b"authorization" in headers:
        return False
    site = headers.get(b"sec-fetch-site")
    if site is not None:  # the browser compared the origins itself (and knows the real host behind a proxy)
        return site.strip().lower() not in (b"same-origin", b"none")
    origin = headers.get(b"origin")
    if origin is None:
        return False
    text = origin.decode("latin-1").strip()
    if text.lower() == "null":
        return True
    hosts = {headers.get(k, b"").decode("latin-1").split(",")[0].strip().lower()
             for k in (b"host", b"x-forwarded-host")} - {""}
    return urlsplit(text).netloc.lower() not in hosts


async def refuse(send) -> None:
    body = json.dumps({"error": "cross_site", "message": MESSAGE}).encode()
    await send({"type": "http.response.start", "status": 403,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"vary", b"Origin, Sec-Fetch-Site")]})
    await send({"type": "http.response.body", "body": body})


class SameOriginWrites:
    """Pure ASGI middleware: 403 for cross-site writes to the API (see the module docstring)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and cross_site(scope):
            return await refuse(send)
        return await self.app(scope, receive, send)
