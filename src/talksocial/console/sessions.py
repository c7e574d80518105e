"""Console sessions: a signed cookie, never the operator token itself.

The cookie holds a random session id, its expiry, and an HMAC over both (and over a
fingerprint of the operator token, so changing the token logs every browser out). The HMAC key
is a random secret kept in `server_state`, so every worker (and a restarted server on the same
database) accepts the same cookies. The CSRF token of a session is derived from its id with the
same key: a form posted without the session's token is refused.

Sessions expire on wall time, not on the server clock: moving the clock forward to expire API
tokens must not log the operator out."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from talksocial.storage.server_secrets import server_secret

COOKIE_NAME = "talksocial_console"
COOKIE_PATH = "/console"
LIFETIME = 12 * 3600
SECRET_KEY = "console_session_secret"
#: Levels: an anonymous session only carries the login form's CSRF token.
ANONYMOUS = "a"
OPERATOR = "o"


@dataclass(frozen=True)
class ConsoleSession:
    session_id: str
    level: str
    expires_at: int
    csrf_token: str

    @property
    def is_operator(self) -> bool:
        return self.level == OPERATOR


def secret(factory: sessionmaker[Session]) -> bytes:
    """The signing key, created on first use (two workers racing agree on the first one)."""
    return server_secret(factory, SECRET_KEY).encode()


def operator_fingerprint(operator_token: str | None) -> str:
    if operator_token is None:
        return "open"
    return hashlib.sha256(operator_token.encode("utf-8", "surrogatepass")).hexdigest()


def _mac(key: bytes, message: str) -> str:
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def _csrf(key: bytes, session_id: str) -> str:
    return _mac(key, "csrf." + session_id)


def issue(key: bytes, level: str, fingerprint: str, now: float | None = None) -> tuple[
    ConsoleSession, str
]:
    """A new session and its cookie value."""
    session_id = secrets.token_urlsafe(24)
    expires_at = int((time.time() if now is None else now) + LIFETIME)
    payload = f"{session_id}.{level}.{expires_at}"
    cookie = f"{payload}.{_mac(key, payload + '.' + fingerprint)}"
    return ConsoleSession(session_id, level, expires_at, _csrf(key, session_id)), cookie


def verify(
    key: bytes, cookie: str | None, fingerprint: str, now: float | None = None
) -> ConsoleSession | None:
    if not cookie or len(cookie) > 300:
        return None
    parts = cookie.split(".")
    if len(parts) != 4:
        return None
    session_id, level, expires_raw, mac = parts
    payload = f"{session_id}.{level}.{expires_raw}"
    if not hmac.compare_digest(_mac(key, payload + "." + fingerprint), mac):
        return None
    if level not in (ANONYMOUS, OPERATOR) or not expires_raw.isdigit():
        return None
    expires_at = int(expires_raw)
    if expires_at <= (time.time() if now is None else now):
        return None
    return ConsoleSession(session_id, level, expires_at, _csrf(key, session_id))


def csrf_matches(session: ConsoleSession, submitted: str | None) -> bool:
    if not submitted:
        return False
    return hmac.compare_digest(session.csrf_token.encode(), submitted.encode("utf-8", "replace"))


def token_matches(operator_token: str, submitted: str) -> bool:
    """Constant-time, on digests so that the length of the token does not leak either."""
    a = hashlib.sha256(operator_token.encode("utf-8", "surrogatepass")).digest()
    b = hashlib.sha256(submitted.encode("utf-8", "surrogatepass")).digest()
    return hmac.compare_digest(a, b)
