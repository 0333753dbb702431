"""Pure ASGI middlewares: request body size limits (413 with a message) and security headers."""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException

JSON_LIMIT = 64 * 1024  # JSON API bodies and small forms
UPLOAD_LIMIT = 2_500_000  # CSV uploads (multipart forms, text/csv bodies)


def _limit_for(scope) -> int:
    headers = dict(scope.get("headers") or [])
    ctype = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
    if ctype in (b"multipart/form-data", b"text/csv") or scope.get("path", "").endswith("/csv"):
        return UPLOAD_LIMIT
    return JSON_LIMIT


async def _too_large(send, limit: int) -> None:
    body = json.dumps({"error": "too_large",
                       "message": f"the request body is larger than {limit} bytes; send less"}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


class _TooLarge(HTTPException):
    """Raised from receive(); an HTTPException so FastAPI's body parsing passes it on as a 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit} bytes; send less")


class BodyLimit:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = _limit_for(scope)
        for k, v in scope.get("headers") or []:
            if k == b"content-length":
                try:
                    n = int(v)
                except ValueError:
                    n = limit + 1
                if n > limit:
                    return await _too_large(send, limit)
        seen = 0
        started = False

        async def limited_receive():
            nonlocal seen
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > limit:
                    raise _TooLarge(limit)
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
                await _too_large(send, limit)


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
