"""Abuse limits per client address: new participants, new statements, and organiser sign-in attempts.

- **New participants** (a participant row, by anonymous cookie or by xid) per address: a token bucket
  (burst, then a steady rate per hour). Cookies themselves cost nothing: a participant row is created
  only by a first write (vote, statement, place), never by reading.
- **New statements** by participants per address: a token bucket.
- **Sign-in** (`POST /api/v1/tokens`, the organiser sign-in page): attempts are counted per address
  across every username, and per account; past a few free attempts each further one must wait twice
  as long as the last (1 s, 2 s, 4 s, ... up to a ceiling). A successful sign-in clears the account's
  count and takes itself back off the address's count, so only failures count against an address
  (colleagues behind one office address sign in all day), while the address's failures stay counted
  (signing in to one's own account must not buy more guesses at others).
  A browser that has signed in to an account before holds a signed "known device" cookie for it; its
  attempts on that account are counted for that device only, so nobody can lock a real organiser out
  of their own browser by failing on purpose from elsewhere.

All numbers are settings (`AbuseLimits.from_env`, docs/api.md "Abuse limits"). Addresses are keyed
by a per-process keyed hash and kept only in memory (voxpop.web.security).
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace

from voxpop import i18n
from voxpop.errors import RateLimited
from voxpop.settings import Settings, load_settings


@dataclass(frozen=True)
class AbuseLimits:
    new_participants_burst: int = 60  # per address, then ...
    new_participants_per_hour: int = 600  # ... one every 6 s
    statements_burst: int = 20  # participants' statements per address, then ...
    statements_per_hour: int = 120  # ... one every 30 s
    login_free_attempts: int = 5  # per address (all usernames) and per account before backoff starts
    login_backoff_s: float = 1.0  # the first wait; doubles with each further attempt
    login_backoff_max_s: float = 300.0
    login_forget_s: float = 3600.0  # attempt counts are forgotten after this long without one

    ENV = {"new_participants_burst": "VOXPOP_NEW_PARTICIPANTS_BURST",
           "new_participants_per_hour": "VOXPOP_NEW_PARTICIPANTS_PER_HOUR",
           "statements_burst": "VOXPOP_STATEMENTS_BURST", "statements_per_hour": "VOXPOP_STATEMENTS_PER_HOUR",
           "login_free_attempts": "VOXPOP_LOGIN_FREE_ATTEMPTS", "login_backoff_s": "VOXPOP_LOGIN_BACKOFF_S",
           "login_backoff_max_s": "VOXPOP_LOGIN_BACKOFF_MAX_S"}

    @classmethod
    def from_settings(cls, settings: Settings) -> AbuseLimits:
        """The limits voxpop.settings holds (VOXPOP_NEW_PARTICIPANTS_BURST, ...); 0 per hour: no limit."""
        return cls(**{f.name: getattr(settings, f.name) for f in fields(cls) if f.name in cls.ENV})

    def shared(self, processes: int) -> AbuseLimits:
        """The share of one of `processes` server processes: each per-address count divided between them
        (rounded up), so that an address gets the limit in all. Sign-in waits stay per process."""
        if processes <= 1:
            return self
        return replace(self, **{name: math.ceil(getattr(self, name) / processes) for name in (
            "new_participants_burst", "new_participants_per_hour", "statements_burst", "statements_per_hour")})

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> AbuseLimits:
        """The limits with the VOXPOP_* variables in `environ` (ENV) over the settings; a bad value is a
        ValueError (voxpop.settings.SettingsError) that names the variable and says what is wrong."""
        given = {name: environ[var] for name, var in cls.ENV.items() if environ.get(var, "").strip()}
        return cls.from_settings(load_settings(**given))


class Bucket:
    """A token bucket per key (rate tokens per second, up to burst); thread-safe; bounded memory.
    rate 0 = no limit."""

    def __init__(self, rate: float, burst: float, *, max_keys: int = 200_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.burst, self.max_keys, self.clock = rate, max(burst, 1.0), max_keys, clock
        self._b: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str, cost: float = 1.0, *, take: bool = True) -> float:
        """0 if allowed (and taken, unless take=False), else the seconds to wait."""
        if self.rate <= 0:
            return 0.0
        now = self.clock()
        with self._lock:
            tokens, last = self._b.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= cost:
                self._b[key] = (tokens - cost if take else tokens, now)
                return 0.0
            self._b[key] = (tokens, now)
            if len(self._b) > self.max_keys:
                self._b.clear()
            return (cost - tokens) / self.rate


    def charge(self, key: str, cost: float = 1.0) -> None:
        """Take tokens even when there are too few (a debt the next requests wait for): for what was
        checked with take(..., take=False) and turned out to cost."""
        if self.rate <= 0:
            return
        now = self.clock()
        with self._lock:
            tokens, last = self._b.get(key, (self.burst, now))
            self._b[key] = (min(self.burst, tokens + (now - last) * self.rate) - cost, now)


class Backoff:
    """Attempts per key; after `free` attempts each further one waits base * 2**k seconds (capped) after
    the previous attempt. Counts are forgotten after `forget` seconds without an attempt."""

    def __init__(self, free: int, base: float, cap: float, forget: float, *, max_keys: int = 200_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.free, self.base, self.cap, self.forget, self.max_keys, self.clock = free, base, cap, forget, max_keys, clock
        self._a: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def delay(self, n: int) -> float:
        """The wait after the n-th attempt."""
        return 0.0 if n < self.free else min(self.cap, self.base * 2 ** (n - self.free))

    def wait(self, key: str) -> float:
        now = self.clock()
        with self._lock:
            n, last = self._a.get(key, (0, now))
            if now - last > self.forget:
                return 0.0
            return max(0.0, last + self.delay(n) - now)

    def attempt(self, key: str) -> None:
        now = self.clock()
        with self._lock:
            n, last = self._a.get(key, (0, now))
            if now - last > self.forget:
                n = 0
            self._a[key] = (n + 1, now)
            if len(self._a) > self.max_keys:
                self._a.clear()

    def undo(self, key: str) -> None:
        """Take back one attempt (one that turned out to be allowed, e.g. a correct sign-in); the time of
        the last attempt stays, so a key with failures left waits as it would have."""
        with self._lock:
            n, last = self._a.get(key, (0, 0.0))
            if n <= 1:
                self._a.pop(key, None)
            else:
                self._a[key] = (n - 1, last)

    def clear(self, key: str) -> None:
        with self._lock:
            self._a.pop(key, None)


class AbuseGuard:
    """The limits of one process. Keys are already-hashed addresses (Security.host_key)."""

    def __init__(self, limits: AbuseLimits, *, per_address: bool = True,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        on = 1.0 if per_address else 0.0
        self.participants = Bucket(on * limits.new_participants_per_hour / 3600, limits.new_participants_burst,
                                   clock=clock)
        self.statements = Bucket(on * limits.statements_per_hour / 3600, limits.statements_burst, clock=clock)
        self.login = Backoff(limits.login_free_attempts, limits.login_backoff_s, limits.login_backoff_max_s,
                             limits.login_forget_s, clock=clock)

    def new_participant(self, address: str, *, charge: bool = True) -> None:
        wait = self.participants.take(address, take=charge)
        if wait:
            raise RateLimited(i18n.lazy_gettext("too many new participants from your network; wait %(s)s s and try again",
                                                s=math.ceil(wait)),
                              retry_after=wait)

    def new_statement(self, address: str) -> None:
        wait = self.statements.take(address)
        if wait:
            raise RateLimited(i18n.lazy_gettext("too many statements from your network; wait %(s)s s and try again",
                                                s=math.ceil(wait)),
                              retry_after=wait)

    def _login_keys(self, address: str, username: str, device: str | None) -> list[str]:
        account = f"u:{username.casefold()}"
        return [f"a:{address}", f"{account}:d:{device}" if device else account]

    def login_attempt(self, address: str, username: str, device: str | None = None) -> None:
        """Count a sign-in attempt, or RateLimited when this address or account must wait first."""
        keys = self._login_keys(address, username, device)
        wait = max(self.login.wait(k) for k in keys)
        if wait:
            raise RateLimited(i18n.lazy_gettext("too many sign-in attempts; wait %(s)s s and try again",
                                                s=math.ceil(wait)), retry_after=wait)
        for k in keys:
            self.login.attempt(k)

    def login_succeeded(self, address: str, username: str, device: str | None = None) -> None:
        """After login_attempt: the account's count is cleared, and this attempt no longer counts against
        the address (its failures still do)."""
        self.login.undo(self._login_keys(address, username, device)[0])
        for k in {self._login_keys(address, username, device)[1], self._login_keys(address, username, None)[1]}:
            self.login.clear(k)
