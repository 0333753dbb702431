"""The FastAPI application: JSON API (/api/v1), pages (voxpop.web.pages.router), static files.

create_app() migrates the database, reads the shared secret from it, starts the vote writer and,
unless told otherwise, a background analysis loop in this process.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from voxpop import __version__, i18n
from voxpop.errors import ServiceError
from voxpop.i18n import N_
from voxpop.services import accounts
from voxpop.services.writer import VoteWriter
from voxpop.settings import Settings, load_settings
from voxpop.store.db import get_database
from voxpop.web.abuse import AbuseGuard, AbuseLimits
from voxpop.web.api.common import SafeJSONResponse, Services
from voxpop.web.api.fastvote import FastVotes
from voxpop.web.errors import http_status, retry_headers
from voxpop.web.limits import BodyLimit, SecurityHeaders
from voxpop.web.locale import LocaleMiddleware
from voxpop.web.openapi import document_errors
from voxpop.web.origin import SameOriginWrites
from voxpop.web.pages.common import PageError, prefers_html, service_error_page
from voxpop.web.security import ADDRESS_BURST, ADDRESS_RATE, Security

log = logging.getLogger("voxpop.web")
STATIC = Path(__file__).resolve().parent / "static"
BACKGROUND_MODES = ("thread", "process", "off")


def _error(status: int, code: str, message: str, details=None, headers=None) -> SafeJSONResponse:
    body = {"error": code, "message": message}
    if details is not None:
        body["details"] = details
    return SafeJSONResponse(body, status_code=status, headers=headers)


# pydantic's own messages for the usual mistakes, in the reader's language (the English is pydantic's, word
# for word: a message that differs, from another pydantic version or another type, is kept as pydantic wrote it)
PYDANTIC_MESSAGES = {
    "missing": N_("Field required"),
    "int_parsing": N_("Input should be a valid integer, unable to parse string as an integer"),
    "int_type": N_("Input should be a valid integer"),
    "float_parsing": N_("Input should be a valid number, unable to parse string as a number"),
    "string_type": N_("Input should be a valid string"),
    "bool_parsing": N_("Input should be a valid boolean, unable to interpret input"),
    "string_too_long": N_("String should have at most %(max_length)s characters"),
    "string_too_short": N_("String should have at least %(min_length)s characters"),
    "greater_than_equal": N_("Input should be greater than or equal to %(ge)s"),
    "less_than_equal": N_("Input should be less than or equal to %(le)s"),
    "list_type": N_("Input should be a valid list"),
    "dict_type": N_("Input should be a valid dictionary"),
    "extra_forbidden": N_("Extra inputs are not permitted"),
    "json_invalid": N_("JSON decode error"),
}


def _pydantic_message(e: dict) -> str:
    msg = str(e.get("msg", "invalid"))
    template = PYDANTIC_MESSAGES.get(str(e.get("type")))
    if template is None:
        return msg
    ctx = e.get("ctx") or {}
    values = {k: ctx.get(k) for k in re.findall(r"%\((\w+)\)s", template)}
    try:
        if (template % values if values else template) != msg:
            return msg
        return i18n.gettext(template, **values)
    except (KeyError, TypeError, ValueError):
        return msg


def _validation_message(errors: list[dict]) -> tuple[str, list[dict]]:
    details = []
    for e in errors[:20]:
        loc = ".".join(str(x) for x in e.get("loc", ()) if x != "body") or "body"
        details.append({"field": loc, "message": _pydantic_message(e)})
    first = errors[0] if errors else {}
    if first.get("type") == "json_invalid":
        return i18n.gettext("the request body is not valid JSON; send a JSON object"), details
    if first.get("type") == "model_attributes_type" or (first.get("loc") == ("body",)):
        return i18n.gettext("the request body must be a JSON object"), details
    d = details[0] if details else {"field": "body", "message": "invalid"}
    if len(details) > 1:
        return i18n.gettext("%(field)s: %(problem)s (and %(more)s more)", field=d["field"], problem=d["message"],
                            more=len(details) - 1), details
    return f"{d['field']}: {d['message']}", details


def _install_handlers(app: FastAPI) -> None:
    """Errors as JSON for API clients and as an HTML page for browsers (content negotiation: a request
    outside /api/v1 that accepts text/html gets the page; see pages_common.prefers_html)."""

    def answer(request: Request, status: int, code: str, message: str, details=None, headers=None,
               page_message: str | None = None):
        if prefers_html(request):
            try:
                page = service_error_page(request, PageError(status, page_message or message, details))
            except Exception:  # the page itself failed: the JSON answer still says what happened
                log.exception("could not render the error page")
            else:
                if headers:
                    page.headers.update(headers)
                return page
        return _error(status, code, message, details, headers)

    @app.exception_handler(ServiceError)
    async def service_error(request: Request, exc: ServiceError):
        return answer(request, http_status(exc), exc.code, exc.message, exc.details, retry_headers(exc) or None)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        message, details = _validation_message(list(exc.errors()))
        return answer(request, 422, "invalid", message, details,
                      page_message=i18n._("this address or form is not complete or not valid; go back and try again"))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 400:
            # FastAPI's and Starlette's answer to a body they cannot decode (invalid UTF-8 JSON, a broken
            # multipart form): 422 like every other malformed input (docs/api.md)
            return _error(422, "invalid", i18n.gettext("the request body could not be read: send UTF-8 JSON, a "
                                                       "UTF-8 text/csv body or a well-formed multipart form"))
        code = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(exc.status_code, "http_error")
        msg = exc.detail if isinstance(exc.detail, str) else i18n.gettext("request failed")
        page = None
        if exc.status_code == 404 and msg == "Not Found":
            msg = i18n.gettext("no such page or API endpoint; see /docs for the API")
            page = i18n._("there is no page at this address: check it for typing mistakes, or start again from "
                          "the link you were given")
        elif exc.status_code == 405:
            page = i18n._("this address cannot be used that way; go back and use the page's buttons and forms")
        return answer(request, exc.status_code, code, msg, headers=getattr(exc, "headers", None), page_message=page)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        log.exception("unexpected error")
        return answer(request, 500, "internal", i18n.gettext("something went wrong on the server; the error was logged"),
                      page_message=i18n._("something went wrong on our side; it was logged for the organisers. "
                                          "Please try again in a moment"))


def _checkpoints(db, stop: threading.Event, every_s: float = 0.5) -> None:
    while not stop.wait(every_s):
        try:
            db.checkpoint()
        except Exception:  # a busy or locked moment: the next round (or SQLite itself) will do it
            log.debug("checkpoint skipped", exc_info=True)


class VoxpopApp(FastAPI):
    """FastAPI with the vote fast path (voxpop.web.api.fastvote) in front of its middleware stack."""

    fast_votes: FastVotes | None = None

    def openapi(self) -> dict:
        if self.openapi_schema is None:
            self.openapi_schema = document_errors(super().openapi())
        return self.openapi_schema

    async def __call__(self, scope, receive, send) -> None:
        fast = self.fast_votes
        if fast is not None and (m := fast.matches(scope)) is not None:
            return await fast.handle(m, scope, receive, send, super().__call__)
        return await super().__call__(scope, receive, send)


def trust_proxy() -> bool:
    """VOXPOP_TRUST_PROXY=1: a TLS-terminating proxy in front sets X-Forwarded-Proto/-For (off by default)."""
    return load_settings().trust_proxy


def uvicorn_config(application, *, host: str, port: int, **options):
    """The uvicorn.Config every voxpop server runs with. Uvicorn itself would believe X-Forwarded-Proto
    and X-Forwarded-For from 127.0.0.1 whatever voxpop is told, so a local client could flip cookies to
    `Secure; SameSite=None` or pick its address for the rate limits: forwarded headers count only with
    VOXPOP_TRUST_PROXY=1, and then only from VOXPOP_FORWARDED_ALLOW_IPS (default 127.0.0.1)."""
    import uvicorn

    settings = load_settings()
    trusted = settings.trust_proxy
    return uvicorn.Config(application, host=host, port=port, proxy_headers=trusted,
                          forwarded_allow_ips=settings.forwarded_allow_ips
                          if trusted else None, server_header=False, **options)


def app_from_settings() -> FastAPI:
    """The app from the VOXPOP_* environment alone: the factory each process of `voxpop serve --workers N`
    runs (uvicorn's `voxpop.web.app:app_from_settings --factory`, or gunicorn with uvicorn workers)."""
    return create_app()


def create_app(database_url: str | None = None, *, background: str | None = None,
               rate_limits: bool | None = None, settings: Settings | None = None) -> FastAPI:
    """The voxpop web app on this database (default: $VOXPOP_DATABASE_URL, else ./voxpop.db).

    background: "thread" (analyses in a thread of this process), "process" (in one child process, keeps
    the server responsive on big conversations), "off" (a separate `voxpop worker` runs them).
    Default: $VOXPOP_BACKGROUND or "thread". rate_limits=False (or VOXPOP_RATE_LIMITS=off) disables
    the per-address limit only (benchmarks from one address); per-participant limits stay.
    settings: voxpop.settings.Settings (default: read from the VOXPOP_* environment); the arguments win.
    """
    settings = settings or load_settings()
    background = background or settings.background
    if background not in BACKGROUND_MODES:
        raise ValueError(f"background must be one of {', '.join(BACKGROUND_MODES)}")
    if rate_limits is None:
        rate_limits = settings.rate_limits
    db = get_database(database_url or settings.database_url)
    with db.write() as s:
        secret = settings.secret_key or accounts.get_secret(s)
    # `serve --workers N`: the processes share each per-address limit (each allows 1/N of it; docs/deploy.md)
    share = settings.server_processes
    abuse = AbuseGuard(AbuseLimits.from_settings(settings).shared(share), per_address=rate_limits)
    security = Security(secret, address_rate=ADDRESS_RATE / share if rate_limits else 0.0,
                        address_burst=ADDRESS_BURST / share, abuse=abuse, trust_proxy=settings.trust_proxy)
    svc = Services(db=db, writer=VoteWriter(db, threads=settings.writer_threads or None), security=security)

    stop_checkpoints = threading.Event()  # set to stop this run's checkpoint thread
    running = 0  # lifespans entered and not yet left: the background threads are one set per app

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        # a second lifespan on the same app (two TestClients, an embedding server) shares the first's threads;
        # only the last to leave stops them, so no worker is ever left running unowned
        nonlocal running, stop_checkpoints
        running += 1
        if running == 1:
            stop_checkpoints = threading.Event()
            svc.writer.start()
            if db.is_sqlite:
                db.set_manual_checkpoints(True)
                threading.Thread(target=_checkpoints, args=(db, stop_checkpoints), name="voxpop-checkpoint",
                                 daemon=True).start()
            if background != "off":
                from voxpop.worker import Worker

                svc.worker = Worker(db, mode="inline" if background == "thread" else "process", settings=settings)
                svc.worker.start_thread()
        try:
            yield
        finally:
            running -= 1
            if running == 0:
                if svc.worker is not None:
                    svc.worker.stop()
                    svc.worker = None
                svc.writer.stop()
                stop_checkpoints.set()
                if db.is_sqlite:
                    db.set_manual_checkpoints(False)

    app = VoxpopApp(title="voxpop", version=__version__, lifespan=lifespan, default_response_class=SafeJSONResponse,
                  telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
                  description="Conversations anyone can join, analysed like Pol.is. JSON API: /api/v1 (docs/api.md).")
    app.state.voxpop = svc
    if settings.fast_votes:
        from voxpop.web.api.fastvote import FastVotes

        app.fast_votes = FastVotes(svc)
    _install_handlers(app)
    from voxpop.web.api import accounts as api_accounts
    from voxpop.web.api import channels as api_channels
    from voxpop.web.api import conversations as api_conversations
    from voxpop.web.api import exports as api_exports
    from voxpop.web.api import group_names as api_group_names
    from voxpop.web.api import kiosk as api_kiosk
    from voxpop.web.api import listen as api_listen
    from voxpop.web.api import listen_places as api_listen_places
    from voxpop.web.api import listen_publish as api_listen_publish
    from voxpop.web.api import moderation as api_moderation
    from voxpop.web.api import panels as api_panels
    from voxpop.web.api import paper as api_paper
    from voxpop.web.api import participation as api_participation
    from voxpop.web.api import places as api_places
    from voxpop.web.api import privacy as api_privacy
    from voxpop.web.api import results as api_results
    from voxpop.web.api import schemas as api_schemas
    from voxpop.web.api import translations as api_translations
    from voxpop.web.pages import router as pages

    for mod in (api_accounts, api_conversations, api_participation, api_moderation, api_results, api_group_names,
                api_exports,
                api_places, api_listen, api_listen_places, api_listen_publish, api_kiosk, api_panels, api_paper, api_translations,
                api_channels, api_privacy, api_schemas, pages):
        app.include_router(mod.router)
    if STATIC.is_dir():
        app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    app.add_middleware(LocaleMiddleware)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodyLimit)
    app.add_middleware(SameOriginWrites)
    return app
