"""What every background job shares (analyses, listening): how long to wait after a failure, when to give up.

A failed job is tried again after backoff_s, doubling with each failure in a row (at most an hour), and is
marked failed for good once it has failed more than `retries` times (VOXPOP_JOB_RETRIES, VOXPOP_JOB_BACKOFF_S).
"""

from __future__ import annotations

from voxpop.store.models import now_ms

MAX_WAIT_S = 3600.0


def retry_at_ms(failures: int, backoff_s: float) -> int:
    """When a job that has now failed `failures` times in a row may be tried again (epoch ms)."""
    return now_ms() + int(min(backoff_s * 2 ** min(max(failures, 1) - 1, 20), MAX_WAIT_S) * 1000)


def gives_up(failures: int, retries: int) -> bool:
    """True when a job that has failed `failures` times in a row is not tried again."""
    return failures > retries


def error_message(error: BaseException | str) -> str:
    """The message kept for a failure: the text as given, or "ExceptionType: message" (at most 2,000 characters)."""
    return (error if isinstance(error, str) else f"{type(error).__name__}: {error}")[:2000]
