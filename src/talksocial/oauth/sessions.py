"""Browser sessions of the login pages, kept in the database (by sha256 of the cookie value) so
that any worker serves any browser. The session id changes when the browser logs in."""

from __future__ import annotations

import secrets

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from talksocial.domain.secrets import new_token, sha256_hex
from talksocial.storage.models import LoginSession

COOKIE_NAME = "talksocial_login"
COOKIE_PATH = "/oauth"
#: A login lasts a day on this browser.
SESSION_LIFETIME = 24 * 3600


def load(session: Session, cookie: str | None, now: float) -> LoginSession | None:
    if not cookie or len(cookie) > 200:
        return None
    row = session.scalar(
        select(LoginSession).where(LoginSession.session_sha256 == sha256_hex(cookie))
    )
    if row is None or row.expires_at <= now:
        return None
    return row


def create(
    session: Session, now: float, *, account_id: int | None = None, auth_time: float | None = None
) -> tuple[LoginSession, str]:
    """A new session; returns it and the cookie value (stored only as a hash). Expired
    sessions are swept on the way."""
    session.execute(delete(LoginSession).where(LoginSession.expires_at <= now))
    cookie = new_token()
    row = LoginSession(
        session_sha256=sha256_hex(cookie),
        csrf_token=secrets.token_urlsafe(32),
        account_id=account_id,
        auth_time=auth_time,
        created_at=now,
        expires_at=now + SESSION_LIFETIME,
    )
    session.add(row)
    session.flush()
    return row, cookie


def log_in(
    session: Session, old: LoginSession | None, account_id: int, now: float
) -> tuple[LoginSession, str]:
    """Replaces the browser's session with a logged-in one under a new id (no fixation)."""
    if old is not None:
        session.delete(old)
    return create(session, now, account_id=account_id, auth_time=now)


def csrf_matches(row: LoginSession, submitted: str | None) -> bool:
    if not submitted:
        return False
    return secrets.compare_digest(row.csrf_token.encode(), submitted.encode("utf-8", "replace"))
