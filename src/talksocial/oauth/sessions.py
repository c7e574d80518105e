"""Browser sessions of the login pages, kept in the database (`storage.login`, by sha256 of the
cookie value) so that any worker serves any browser. The session id changes when the browser logs in."""

from __future__ import annotations

import secrets

from sqlalchemy.orm import Session

from talksocial.storage import login
from talksocial.storage.models import LoginSession

COOKIE_NAME = "talksocial_login"
COOKIE_PATH = "/oauth"
#: A login lasts a day on this browser.
SESSION_LIFETIME = 24 * 3600


def load(session: Session, cookie: str | None, now: float) -> LoginSession | None:
    if not cookie or len(cookie) > 200:
        return None
    return login.find_login_session(session, cookie, now)


def create(
    session: Session, now: float, *, account_id: int | None = None, auth_time: float | None = None
) -> tuple[LoginSession, str]:
    """A new session; returns it and the cookie value (stored only as a hash)."""
    return login.add_login_session(
        session, now, lifetime=SESSION_LIFETIME, account_id=account_id, auth_time=auth_time
    )


def log_in(
    session: Session, old: LoginSession | None, account_id: int, now: float
) -> tuple[LoginSession, str]:
    """Replaces the browser's session with a logged-in one under a new id (no fixation)."""
    if old is not None:
        login.delete_login_session(session, old)
    return create(session, now, account_id=account_id, auth_time=now)


def csrf_matches(row: LoginSession, submitted: str | None) -> bool:
    if not submitted:
        return False
    return secrets.compare_digest(row.csrf_token.encode(), submitted.encode("utf-8", "replace"))
