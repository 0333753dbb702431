"""Organiser accounts (argon2 password hashes) and API tokens (only their SHA-256 is stored)."""

from __future__ import annotations

import hashlib
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from voxpop import i18n
from voxpop.errors import Conflict, Invalid
from voxpop.store.db import rowcount
from voxpop.store.models import ApiToken, Organiser, OrganiserSession, Setting, now_ms

_hasher = PasswordHasher()
USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{3,64}$")
PASSWORD_MIN, PASSWORD_MAX = 10, 256
TOKEN_PREFIX = "vxp_"


def create_organiser(s: Session, username: str, password: str, *, is_admin: bool = False) -> Organiser:
    if not isinstance(username, str) or not USERNAME.match(username):
        raise Invalid(i18n.lazy_gettext("username must be 3 to 64 letters, digits or . _ @ -"))
    if not isinstance(password, str) or not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise Invalid(i18n.lazy_gettext("password must be %(password_min)s to %(password_max)s characters", password_min=PASSWORD_MIN, password_max=PASSWORD_MAX))
    org = Organiser(username=username, password_hash=_hasher.hash(password), is_admin=is_admin)
    try:
        with s.begin_nested():
            s.add(org)
            s.flush()
    except IntegrityError:
        raise Conflict(i18n.lazy_gettext("the username %(username)s is taken", username=repr(username))) from None
    return org


def authenticate(s: Session, username: str, password: str) -> Organiser | None:
    """The organiser if the password matches, else None (same work either way)."""
    org = s.scalars(select(Organiser).where(Organiser.username == username)).first() if isinstance(
        username, str) else None
    if org is None:
        if not _DUMMY_HASH:
            _DUMMY_HASH.append(_hasher.hash("voxpop-dummy-password"))
        try:
            _hasher.verify(_DUMMY_HASH[0], str(password))
        except (VerificationError, InvalidHashError):
            pass
        return None
    try:
        _hasher.verify(org.password_hash, str(password))
    except (VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(org.password_hash):
        org.password_hash = _hasher.hash(password)
    return org


_DUMMY_HASH: list[str] = []  # computed on first use (hashing takes a while on purpose)


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_api_token(s: Session, organiser_id: int, name: str = "") -> tuple[str, ApiToken]:
    """A new token: returns (the raw token, shown once; its row)."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    tok = ApiToken(organiser_id=organiser_id, name=str(name)[:100], token_hash=_digest(raw))
    s.add(tok)
    s.flush()
    return raw, tok


def verify_api_token(s: Session, raw: str) -> Organiser | None:
    if not isinstance(raw, str) or not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        return None
    tok = s.scalars(select(ApiToken).where(ApiToken.token_hash == _digest(raw),
                                           ApiToken.revoked.is_(False))).first()
    if tok is None:
        return None
    return s.get(Organiser, tok.organiser_id)


def revoke_api_token(s: Session, token_id: int, organiser_id: int) -> bool:
    tok = s.get(ApiToken, token_id)
    if tok is None or tok.organiser_id != organiser_id:
        return False
    tok.revoked = True
    return True


def list_api_tokens(s: Session, organiser_id: int) -> list[ApiToken]:
    """The organiser's tokens, newest first (their names and dates; the tokens themselves are not kept)."""
    return list(s.scalars(select(ApiToken).where(ApiToken.organiser_id == organiser_id)
                          .order_by(ApiToken.id.desc())))


def api_token_dict(tok: ApiToken) -> dict:
    return {"id": tok.id, "name": tok.name, "created_ms": tok.created_ms, "last_used_ms": tok.last_used_ms,
            "revoked": tok.revoked}


SESSION_MAX_AGE_MS = 7 * 24 * 3600 * 1000


def create_session(s: Session, organiser_id: int, max_age_ms: int = SESSION_MAX_AGE_MS) -> str:
    """A new signed-in session; returns the raw token for the cookie (only its SHA-256 is stored)."""
    raw = secrets.token_urlsafe(32)
    t = now_ms()
    s.add(OrganiserSession(organiser_id=organiser_id, token_hash=_digest(raw), created_ms=t,
                           expires_ms=t + max_age_ms))
    s.flush()
    return raw


def verify_session(s: Session, raw: object) -> Organiser | None:
    """The organiser of a live session, else None (signed out, expired or never issued)."""
    if not isinstance(raw, str) or not 20 <= len(raw) <= 100:
        return None
    row = s.scalars(select(OrganiserSession).where(OrganiserSession.token_hash == _digest(raw),
                                                   OrganiserSession.expires_ms > now_ms())).first()
    return s.get(Organiser, row.organiser_id) if row is not None else None


def end_session(s: Session, raw: object) -> None:
    """Sign out: the session's row is deleted, so its cookie no longer signs anyone in."""
    if isinstance(raw, str):
        s.execute(delete(OrganiserSession).where(OrganiserSession.token_hash == _digest(raw)))


def end_all_sessions(s: Session, organiser_id: int) -> int:
    """Sign the organiser out everywhere; returns how many sessions ended."""
    return rowcount(s.execute(delete(OrganiserSession).where(OrganiserSession.organiser_id == organiser_id)))


def purge_expired_sessions(s: Session) -> int:
    return rowcount(s.execute(delete(OrganiserSession).where(OrganiserSession.expires_ms <= now_ms())))


def get_organiser(s: Session, organiser_id: int) -> Organiser | None:
    return s.get(Organiser, organiser_id)


def get_secret(s: Session, key: str = "secret_key") -> str:
    """A server-wide random secret shared by every process (created on first use)."""
    row = s.get(Setting, key)
    if row is not None:
        return row.value
    try:
        with s.begin_nested():
            s.add(Setting(key=key, value=secrets.token_urlsafe(48)))
            s.flush()
    except IntegrityError:
        pass
    s.expire_all()
    row = s.get(Setting, key)
    assert row is not None
    return row.value


def touch_token(s: Session, token_id: int) -> None:
    tok = s.get(ApiToken, token_id)
    if tok is not None:
        tok.last_used_ms = now_ms()
