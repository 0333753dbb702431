"""Errors the services raise. Each says what went wrong and what to fix; none knows about HTTP.

voxpop.web.errors maps each class to an HTTP status (and the CLI prints the message). `code` is the
stable machine-readable name the JSON API sends as "error".
"""

from __future__ import annotations


class ServiceError(Exception):
    code = "bad_request"

    def __init__(self, message: object, *, details: list | dict | None = None) -> None:
        # `message` may be a lazy translation (voxpop.i18n.lazy_gettext): it is put into words in the
        # reader's language when it is read, in the request that answers.
        super().__init__(message)
        self._message = message
        self.details = details

    @property
    def message(self) -> str:
        return str(self._message)

    def __str__(self) -> str:
        return self.message

    def to_dict(self) -> dict:
        out: dict = {"error": self.code, "message": self.message}
        if self.details is not None:
            out["details"] = self.details
        return out

    def __reduce__(self):
        # a lazy message does not pickle, and errors cross to and from worker processes: send it in words (the
        # sender's language; workers speak English, as everything they store does)
        state = {k: v for k, v in self.__dict__.items() if k not in ("_message", "details")}
        return _rebuild, (type(self), self.message, self.details, state)


def _rebuild(cls: type[ServiceError], message: str, details: list | dict | None, state: dict) -> ServiceError:
    err = cls.__new__(cls)
    ServiceError.__init__(err, message, details=details)
    err.__dict__.update(state)
    return err


class Invalid(ServiceError):
    """The input is wrong: the message says which field and what to send instead."""
    code = "invalid"


class NotFound(ServiceError):
    code = "not_found"


class Forbidden(ServiceError):
    code = "forbidden"


class Unauthorized(ServiceError):
    code = "unauthorized"


class Conflict(ServiceError):
    """The request is fine but the state does not allow it now (closed conversation, duplicate, ...)."""
    code = "conflict"


class TooLarge(ServiceError):
    code = "too_large"


class RateLimited(ServiceError):
    code = "rate_limited"

    def __init__(self, message: object, *, retry_after: float = 1.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unavailable(ServiceError):
    """Temporarily unable (shutting down, database busy): the same request may succeed if sent again."""
    code = "unavailable"
