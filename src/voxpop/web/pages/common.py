"""What every server-rendered page shares: the Jinja2 environment, the page context, flash messages,
the form CSRF check and the "JSON or redirect" answer that lets one form POST serve both plain HTML
forms (no JavaScript) and the fetch() enhancement.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from voxpop import __version__, i18n
from voxpop.report import render as _report_render
from voxpop.web.errors import http_status

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
STATIC_PREFIX = "/static"

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.trim_blocks = True
templates.env.lstrip_blocks = True


def _static_url(path: str) -> str:
    return f"{STATIC_PREFIX}/{path}?v={__version__}"


templates.env.globals["static_url"] = _static_url
i18n.install(templates.env)


def lang_attrs(language: str | None) -> Markup:
    """` lang="en"` (and `dir` when the direction differs) for an element whose text is in another language
    than the page's (WCAG 3.1.2); nothing when it is the page's language."""
    page = i18n.current()
    if not language or language == page:
        return Markup("")
    direction = i18n.text_direction(language)
    extra = f' dir="{direction}"' if direction != i18n.text_direction(page) else ""
    return Markup(' lang="{}"{}').format(language, Markup(extra))


def in_lang(text: str, language: str | None) -> Markup:
    """The text, escaped, inside `<span lang=...>` when it is in another language than the page's (for a
    conversation's title inside a sentence such as "Results: %(topic)s")."""
    attrs = lang_attrs(language)
    if attrs:
        return Markup("<span{}>{}</span>").format(attrs, text)
    if i18n.text_direction() == "rtl":  # a title of unknown language keeps its own direction in a right-to-left page
        return Markup("<bdi>{}</bdi>").format(text)
    return Markup("{}").format(text)


templates.env.globals.update(lang_attrs=lang_attrs, in_lang=in_lang)

# the report's drawings (opinion map, vote bars) are reused on the results page, never redrawn
_report_render.install(templates.env)


# Flash messages travel in the redirect's query string (?msg=key), never as free text, so a link cannot
# make the page say something the site did not.
MESSAGES = {
    "voted": (i18n.lazy_gettext("Vote recorded."), "ok"),
    "undone": (i18n.lazy_gettext("Your last vote was undone: here is that statement again."), "ok"),
    "nothing-to-undo": (i18n.lazy_gettext("There is no vote to undo."), "ok"),
    "added": (i18n.lazy_gettext("Thank you: your statement was added."), "ok"),
    "added-pending": (i18n.lazy_gettext("Thank you: your statement was added. The organiser will read it before others see it."),
                      "ok"),
    "place-saved": (i18n.lazy_gettext("Your place was saved."), "ok"),
    "place-declined": (i18n.lazy_gettext("That is fine: you can still vote, and add your place later if you like."), "ok"),
    "signed-in": (i18n.lazy_gettext("You are signed in."), "ok"),
    "signed-out": (i18n.lazy_gettext("You are signed out."), "ok"),
    "created": (i18n.lazy_gettext("Conversation created. Add some statements to start it off."), "ok"),
    "imported": (i18n.lazy_gettext("Conversation imported. Its analysis is being computed and will appear in a "
                                   "moment."), "ok"),
    "saved": (i18n.lazy_gettext("Settings saved."), "ok"),
    "closed": (i18n.lazy_gettext("The conversation is closed: nobody can vote or add statements until you reopen it."),
               "ok"),
    "reopened": (i18n.lazy_gettext("The conversation is open again for votes and statements."), "ok"),
    "groups-named": (i18n.lazy_gettext("Group names saved: the results page uses them."), "ok"),
    "seeded": (i18n.lazy_gettext("Statement added."), "ok"),
    "accepted": (i18n.lazy_gettext("Statement accepted: participants can now vote on it."), "ok"),
    "rejected": (i18n.lazy_gettext("Statement rejected: participants will not see it."), "ok"),
    "meta": (i18n.lazy_gettext("Statement marked as meta (about the conversation itself)."), "ok"),
    "sign-in-needed": (i18n.lazy_gettext("Please sign in as an organiser to continue."), "error"),
    "erased": (i18n.lazy_gettext("Your votes and statements in this conversation were deleted, and the results "
                                 "recalculated."), "ok"),
    "participant-erased": (i18n.lazy_gettext("The participant's votes and statements were deleted and the results "
                                             "recalculated."), "ok"),
    "nothing-to-erase": (i18n.lazy_gettext("Nothing is stored about you in this conversation."), "ok"),
}


def whole_number(text: str | None, *, below: int = 2**31) -> int | None:
    """A whole number typed in a form or carried in a link, or None when it is not one below `below`.

    Decimal digits only (Arabic-Indic ones too, which int() reads); not str.isdigit(), which is also true
    for "²" (int() refuses it: a 500) — and bounded, so that a long run of digits never reaches the database
    (an overflow there was a 500 too). The default bound is that of statement numbers (a 32-bit integer)."""
    t = (text or "").strip()
    if not t or len(t) > 19 or not t.isdecimal():
        return None
    n = int(t)
    return n if n < below else None


def flash_from(request: Request) -> dict[str, Any]:
    key = request.query_params.get("msg")
    if key in MESSAGES:
        text, kind = MESSAGES[key]
        n = request.query_params.get("n")
        num = whole_number(n)
        if key == "seeded" and num is not None and num != 1:
            return {"flash": str(i18n.ngettext("%(num)s statement added.", "%(num)s statements added.", num)),
                    "flash_kind": kind}
        return {"flash": str(text), "flash_kind": kind}
    return {}


# Scripts only from this site; inline style attributes are allowed (the SVG drawings use a few).
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors {ancestors}")


def render(request: Request, template: str, *, status_code: int = 200, **context: Any) -> Response:
    ctx = {"lang": i18n.current(), "dir": i18n.text_direction(), "lang_switch": _language_links(request),
           **flash_from(request), **context}
    if "ct" not in ctx and hasattr(ctx.get("conv"), "languages"):  # the conversation's title and description, with their language
        from voxpop.services.conversation_text import original

        ctx["ct"] = original(ctx["conv"])
    resp = templates.TemplateResponse(request, template, ctx, status_code=status_code)
    resp.headers["Content-Security-Policy"] = CSP.format(ancestors="*" if context.get("embed") else "'none'")
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _language_links(request: Request) -> list[dict[str, Any]]:
    """The language switcher: this page in each offered language (plain links, no JavaScript)."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in ("lang", "msg")]
    out = []
    for code, language in i18n.LANGUAGES.items():
        query = urlencode([*params, ("lang", code)])
        out.append({"code": code, "name": language.name, "href": f"{request.url.path}?{query}",
                    "current": code == i18n.current()})
    return out


def with_msg(url: str, msg: str, **extra: Any) -> str:
    sep = "&" if "?" in url else "?"
    return url + sep + urlencode({"msg": msg, **extra})


def wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def prefers_html(request: Request) -> bool:
    """An error should be a page, not JSON: a browser (it accepts text/html, and prefers it to JSON)
    asking for something outside the JSON API and its documentation."""
    path = request.url.path
    if path.startswith(("/api/", "/docs", "/openapi.json", "/redoc", STATIC_PREFIX + "/")):
        return False
    accept = request.headers.get("accept", "")
    if "text/html" not in accept:
        return False
    return not ("application/json" in accept and accept.index("application/json") < accept.index("text/html"))


class PageError(Exception):
    """An error to show as a page: status, a message in plain words, optional details."""

    def __init__(self, status: int, message: str, details=None) -> None:
        super().__init__(message)
        self.status, self.message, self.details = status, message, details


def done(request: Request, url: str, msg: str, payload: dict | None = None, **extra: Any) -> Response:
    """After a successful form POST: JSON for fetch(), else 303 See Other back to a page (PRG)."""
    if wants_json(request):
        return JSONResponse(payload or {"ok": True})
    return RedirectResponse(with_msg(url, msg, **extra), status_code=303)


def quoted(value: str) -> str:
    return quote(value, safe="")


def with_cookies(response: Response, cookies: Response) -> Response:
    """Copy the Set-Cookie headers collected on a scratch Response (participant id, CSRF seed)."""
    for value in cookies.headers.getlist("set-cookie"):
        response.headers.append("set-cookie", value)
    return response


def service_error_page(request: Request, error: Exception, *, back: str | None = None) -> Response:
    """A ServiceError (or any error with .message/.details) as an HTML page saying what to do."""
    status = http_status(error)
    titles = {401: i18n._("Please sign in"), 403: i18n._("Not allowed"), 404: i18n._("Not found"),
              405: i18n._("Not possible here"), 409: i18n._("Not possible right now"), 413: i18n._("Too large"),
              422: i18n._("Please check what you sent"), 429: i18n._("Slow down a little"),
              500: i18n._("Sorry, something went wrong")}
    details = getattr(error, "details", None)
    if not isinstance(details, list):
        details = []
    return render(request, "error.html", status_code=status, title=titles.get(status, i18n._("Something went wrong")),
                  message=getattr(error, "message", str(error)), details=details[:50],
                  back=back or _same_site_referer(request) or "/", narrow=True)


def _same_site_referer(request: Request) -> str | None:
    ref = request.headers.get("referer") or ""
    base = str(request.base_url)
    return "/" + ref[len(base):] if ref.startswith(base) else None
