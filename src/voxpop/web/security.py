"""Security helpers shared by the JSON API and the pages.

- Participants: an unguessable anonymous id in a signed cookie (or an xid passed by a host site).
- Organisers: a signed session cookie naming a session held in the database (signing out deletes it,
  so a copied cookie stops working) or `Authorization: Bearer <token>` (API; listed and revoked there).
- CSRF for HTML forms: double submit — a random cookie plus a form field holding its HMAC; the JSON API
  needs no token because it only accepts `application/json` bodies, which a cross-site form cannot send.
- Embedding: on https (or behind a trusted proxy saying so: VOXPOP_TRUST_PROXY=1 honours
  X-Forwarded-Proto) the participant and CSRF cookies are `SameSite=None; Secure; Partitioned`, so a
  page embedded in another site's iframe keeps its participant and can post its forms (still with the
  CSRF token: the cookie alone is not enough). On plain http they stay `SameSite=Lax`. The organiser
  session cookie is always Lax.
- Rate limits: token buckets in memory, per participant and per client address. Addresses are kept only
  as a keyed hash in memory for the bucket's life and are never stored or logged.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time

from fastapi import Request, Response
from itsdangerous import BadSignature, SignatureExpired, Signer, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from voxpop import i18n
from voxpop.errors import Forbidden, RateLimited, Unauthorized
from voxpop.services import accounts
from voxpop.services.participants import new_anon_id
from voxpop.store.models import Organiser
from voxpop.web.abuse import AbuseGuard, AbuseLimits

ANON_COOKIE = "voxpop_anon"
ORG_COOKIE = "voxpop_org"
CSRF_COOKIE = "voxpop_csrf"
CSRF_FIELD = "csrf_token"
DEVICE_COOKIE = "voxpop_device"  # "this browser has signed in to account X before" (sign-in throttling)
DEVICE_MAX_AGE = 365 * 24 * 3600
ORG_SESSION_MAX_AGE = 7 * 24 * 3600
ANON_MAX_AGE = 365 * 24 * 3600
ADDRESS_RATE, ADDRESS_BURST = 300.0, 600.0  # writes per second per client address, and the burst allowed


class TokenBucket:
    """rate tokens per second, up to burst; thread-safe; forgets idle keys."""

    def __init__(self, rate: float, burst: float, *, max_keys: int = 200_000) -> None:
        self.rate, self.burst, self.max_keys = rate, burst, max_keys
        self._b: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str, cost: float = 1.0) -> float:
        """0 if allowed, else the seconds to wait."""
        if self.rate <= 0:
            return 0.0
        now = time.monotonic()
        with self._lock:
            tokens, last = self._b.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= cost:
                self._b[key] = (tokens - cost, now)
                return 0.0
            self._b[key] = (tokens, now)
            if len(self._b) > self.max_keys:
                self._b.clear()
            return (cost - tokens) / self.rate


class Security:
    def __init__(self, secret: str, *, participant_rate: float = 10.0, participant_burst: float = 30.0,
                 address_rate: float = ADDRESS_RATE, address_burst: float = ADDRESS_BURST, trust_proxy: bool = False,
                 abuse: AbuseGuard | None = None) -> None:
        self.secret = secret.encode()
        self.trust_proxy = trust_proxy
        self._anon = Signer(secret, salt="voxpop.anon")
        self._org = URLSafeTimedSerializer(secret, salt="voxpop.organiser")
        self._addr_key = secrets.token_bytes(32)  # per process: address hashes are useless elsewhere
        self._addr_cache: dict[str, str] = {}
        self.per_participant = TokenBucket(participant_rate, participant_burst)
        self.per_address = TokenBucket(address_rate, address_burst)
        self.abuse = abuse or AbuseGuard(AbuseLimits(), per_address=address_rate > 0)
        self._device = URLSafeTimedSerializer(secret, salt="voxpop.device")

    # -- cookies -----------------------------------------------------------------------------------
    def is_https(self, request: Request) -> bool:
        """The request came over https (X-Forwarded-Proto counts only when the proxy is trusted)."""
        if request.url.scheme == "https":
            return True
        if not self.trust_proxy:
            return False
        proto = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
        return proto == "https"

    def set_participant_cookie(self, request: Request, response: Response, name: str, value: str,
                               max_age: int | None = None) -> None:
        """An httponly cookie usable inside other sites' iframes on https (SameSite=None; Secure;
        Partitioned), SameSite=Lax on plain http."""
        https = self.is_https(request)
        response.set_cookie(name, value, max_age=max_age, httponly=True, path="/", secure=https,
                            samesite="none" if https else "lax")
        if https:  # Starlette sets `partitioned` only on Python >= 3.14: add the attribute ourselves
            key, header = response.raw_headers[-1]
            if key == b"set-cookie" and header.startswith(name.encode() + b"="):
                response.raw_headers[-1] = (key, header + b"; Partitioned")

    # -- participants ------------------------------------------------------------------------------
    def anon_id(self, request: Request) -> str | None:
        return self.unsign_anon(request.cookies.get(ANON_COOKIE))

    def unsign_anon(self, raw: str | None) -> str | None:
        if not raw or len(raw) > 200:
            return None
        try:
            return self._anon.unsign(raw).decode()
        except BadSignature:
            return None

    def set_anon_cookie(self, request: Request, response: Response, anon_id: str) -> None:
        self.set_participant_cookie(request, response, ANON_COOKIE, self._anon.sign(anon_id).decode(),
                                    max_age=ANON_MAX_AGE)

    def ensure_anon_id(self, request: Request, response: Response) -> str:
        """The browser's anonymous id, creating it (and its cookie) on first visit."""
        anon = self.anon_id(request)
        if anon is None:
            anon = getattr(request.state, "new_anon_id", None) or new_anon_id()
            request.state.new_anon_id = anon
            self.set_anon_cookie(request, response, anon)
        return anon

    # -- organisers --------------------------------------------------------------------------------
    def login(self, request: Request, response: Response, session_token: str) -> None:
        """Set the session cookie for a session made by accounts.create_session (held server-side)."""
        response.set_cookie(ORG_COOKIE, self._org.dumps({"s": session_token}), max_age=ORG_SESSION_MAX_AGE,
                            httponly=True, samesite="lax", secure=self.is_https(request), path="/")

    def session_token(self, request: Request) -> str | None:
        """The raw session token of the organiser cookie, if it is well signed and not too old."""
        raw = request.cookies.get(ORG_COOKIE)
        if not raw or len(raw) > 500:
            return None
        try:
            data = self._org.loads(raw, max_age=ORG_SESSION_MAX_AGE)
        except (BadSignature, SignatureExpired):
            return None
        token = data.get("s") if isinstance(data, dict) else None
        return token if isinstance(token, str) else None

    @staticmethod
    def logout(response: Response) -> None:
        """Remove the cookie (the caller ends the server-side session with accounts.end_session)."""
        response.delete_cookie(ORG_COOKIE, path="/")

    def organiser(self, request: Request, s: Session) -> Organiser | None:
        """The signed-in organiser (Bearer token or session cookie), or None."""
        auth = request.headers.get("authorization", "")
        if auth:
            scheme, _, token = auth.partition(" ")
            if scheme.lower() != "bearer" or not token:
                raise Unauthorized(i18n.lazy_gettext("Authorization must be 'Bearer <API token>'"))
            org = accounts.verify_api_token(s, token.strip())
            if org is None:
                raise Unauthorized(i18n.lazy_gettext("this API token is not valid (revoked or mistyped)"))
            return org
        session = self.session_token(request)
        return accounts.verify_session(s, session) if session is not None else None

    def require_organiser(self, request: Request, s: Session) -> Organiser:
        org = self.organiser(request, s)
        if org is None:
            raise Unauthorized(i18n.lazy_gettext("sign in as an organiser, or send 'Authorization: Bearer "
                                                 "<API token>'"))
        return org

    # -- sign-in throttling (voxpop.web.abuse) ------------------------------------------------------
    def _device_id(self, request: Request, username: str) -> str | None:
        raw = request.cookies.get(DEVICE_COOKIE)
        if not raw or len(raw) > 300:
            return None
        try:
            data = self._device.loads(raw, max_age=DEVICE_MAX_AGE)
        except (BadSignature, SignatureExpired):
            return None
        ok = isinstance(data, dict) and data.get("u") == username.casefold() and isinstance(data.get("d"), str)
        return data["d"] if ok else None

    def login_attempt(self, request: Request, username: str) -> None:
        """Count a sign-in attempt (RateLimited when this address or account must wait first)."""
        self.abuse.login_attempt(self.address_key(request), username, self._device_id(request, username))

    def login_succeeded(self, request: Request, response: Response, username: str) -> None:
        """Clear the account's attempts and mark this browser as a known device for the account."""
        device = self._device_id(request, username)
        self.abuse.login_succeeded(self.address_key(request), username, device)
        value = self._device.dumps({"u": username.casefold(), "d": device or secrets.token_urlsafe(12)})
        response.set_cookie(DEVICE_COOKIE, value, max_age=DEVICE_MAX_AGE, httponly=True, samesite="lax",
                            secure=self.is_https(request), path="/")

    def check_new_participant(self, host: str, *, charge: bool = True) -> None:
        """RateLimited when this address has created too many participants lately; else counts one
        (charge=False: only check, and call charge_new_participant once it is created)."""
        self.abuse.new_participant(self.host_key(host), charge=charge)

    def charge_new_participant(self, host: str) -> None:
        self.abuse.participants.charge(self.host_key(host))

    def check_new_statement(self, request: Request) -> None:
        """RateLimited when this address has added too many statements lately."""
        self.abuse.new_statement(self.address_key(request))

    # -- CSRF (forms) ------------------------------------------------------------------------------
    def csrf_token(self, request: Request, response: Response) -> str:
        """The token to put in a form's hidden `csrf_token` field (sets its cookie when new)."""
        seed = request.cookies.get(CSRF_COOKIE)
        if not seed or len(seed) > 100:
            seed = getattr(request.state, "csrf_seed", None) or secrets.token_urlsafe(24)
            request.state.csrf_seed = seed
            self.set_participant_cookie(request, response, CSRF_COOKIE, seed)
        return hmac.new(self.secret, seed.encode(), hashlib.sha256).hexdigest()

    def check_csrf(self, request: Request, token: str | None) -> None:
        """Forbidden unless `token` matches the browser's CSRF cookie."""
        seed = request.cookies.get(CSRF_COOKIE)
        want = hmac.new(self.secret, seed.encode(), hashlib.sha256).hexdigest() if seed else None
        if not token or not want or not hmac.compare_digest(str(token), want):
            raise Forbidden(i18n.lazy_gettext("the form expired or came from another site; reload the page "
                                              "and try again"))

    # -- rate limits -------------------------------------------------------------------------------
    def address_key(self, request: Request) -> str:
        return self.host_key(request.client.host if request.client else "?")

    def host_key(self, host: str) -> str:
        key = self._addr_cache.get(host)
        if key is None:
            if len(self._addr_cache) > 100_000:
                self._addr_cache.clear()
            key = self._addr_cache[host] = hmac.new(self._addr_key, host.encode(), hashlib.sha256).hexdigest()[:32]
        return key

    def check_rate_participant(self, participant_key: str, cost: float = 1.0) -> None:
        wait = self.per_participant.take(participant_key, cost)
        if wait:
            raise RateLimited(i18n.lazy_gettext("you are voting too fast; wait %(wait)s s and try again", wait=format(wait, '.1f')), retry_after=wait)

    def check_rate(self, request: Request, participant_key: str | None = None, cost: float = 1.0) -> None:
        """RateLimited (429) when this address or participant writes too fast."""
        self.check_rate_host(request.client.host if request.client else "?", participant_key, cost)

    def check_rate_host(self, host: str, participant_key: str | None = None, cost: float = 1.0) -> None:
        wait = self.per_address.take(self.host_key(host), cost)
        if not wait and participant_key is not None:
            wait = self.per_participant.take(participant_key, cost)
        if wait:
            raise RateLimited(i18n.lazy_gettext("too many requests; wait %(wait)s s and try again", wait=format(wait, '.1f')), retry_after=wait)
