"""The reader's language for each request (pure ASGI middleware; voxpop.i18n does the rest).

Order: `?lang=CODE` (a choice from the language switcher, remembered in the `voxpop_lang` cookie for a
year), else that cookie, else `Accept-Language`, else English. Pages for a conversation may then fall back
to the conversation's own default language when the reader expressed no preference
(`voxpop.web.locale.prefer_default`). Responses say `Content-Language` and vary on what chose it.
"""

from __future__ import annotations

from http.cookies import SimpleCookie
from urllib.parse import parse_qs

from voxpop import i18n

COOKIE = "voxpop_lang"
MAX_AGE = 365 * 24 * 3600


def _header(scope, name: bytes) -> str:
    for k, v in scope.get("headers") or []:
        if k == name:
            return v.decode("latin-1")
    return ""


def _cookie(scope) -> str | None:
    raw = _header(scope, b"cookie")
    if not raw:
        return None
    try:
        jar = SimpleCookie(raw)
    except Exception:  # a malformed Cookie header must not break the page
        return None
    morsel = jar.get(COOKIE)
    return morsel.value if morsel and morsel.value in i18n.LANGUAGES else None


def choose(scope) -> tuple[str, str | None, bool]:
    """(language, a new choice to remember or None, whether the reader expressed any preference)."""
    asked = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("lang", [None])[0]
    asked = asked if asked in i18n.LANGUAGES else None
    remembered = _cookie(scope)
    accept = _header(scope, b"accept-language")
    code = i18n.negotiate(asked or remembered, accept)
    expressed = bool(asked or remembered) or (accept != "" and i18n.negotiate(None, accept, "-") != "-")
    return code, (asked if asked and asked != remembered else None), expressed


class LocaleMiddleware:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        code, remember, expressed = choose(scope)
        i18n.set_current(code)
        scope.setdefault("state", {})["locale_expressed"] = expressed

        async def send_with_language(message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                headers.append((b"content-language", i18n.current().encode()))
                headers.append((b"vary", b"Accept-Language, Cookie"))
                if remember:
                    secure = "; Secure" if scope.get("scheme") == "https" else ""
                    headers.append((b"set-cookie", f"{COOKIE}={remember}; Path=/; Max-Age={MAX_AGE}; "
                                                   f"SameSite=Lax{secure}".encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_language)


def prefer_default(request, default: str | None) -> None:
    """On a conversation's pages: use its default language when the reader expressed no preference."""
    if default in i18n.LANGUAGES and not request.scope.get("state", {}).get("locale_expressed"):
        i18n.set_current(default)
