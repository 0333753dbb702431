"""Service errors (voxpop.errors) as HTTP: the one place that knows which status each one means."""

from __future__ import annotations

from voxpop.errors import (
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    RateLimited,
    ServiceError,
    TooLarge,
    Unauthorized,
    Unavailable,
)

STATUS: dict[type[ServiceError], int] = {
    Invalid: 422,
    NotFound: 404,
    Forbidden: 403,
    Unauthorized: 401,
    Conflict: 409,
    TooLarge: 413,
    RateLimited: 429,
    Unavailable: 503,
}


def http_status(error: BaseException) -> int:
    """The HTTP status for a service error (the nearest mapped class in its MRO); for other errors their
    own `.status` (web-only errors such as pages.common.PageError), else 400."""
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    status = getattr(error, "status", 400)
    return status if isinstance(status, int) else 400


def retry_headers(error: BaseException) -> dict[str, str]:
    """Retry-After for a RateLimited error, nothing for others."""
    if isinstance(error, RateLimited):
        return {"Retry-After": str(max(1, round(error.retry_after)))}
    return {}
