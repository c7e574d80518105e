"""The login server's stored state: authorization codes and browser login sessions, each
stored by sha256 of the value the browser or the app holds. The protocol rules (lifetimes,
PKCE, which grant may use what) are `oauth`'s; this module only keeps the rows."""

from __future__ import annotations

import secrets

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from talksocial.domain.secrets import new_token, sha256_hex
from talksocial.domain.throttle import FailureCount, ThrottleRule, after_failure
from talksocial.storage.models import AuthCode, LoginSession, LoginThrottle

# --- authorization codes ---------------------------------------------------------------------


def add_code(
    session: Session,
    *,
    app_id: int,
    account_id: int,
    redirect_uri: str,
    code_challenge: str | None,
    nonce: str | None,
    auth_time: float,
    now: float,
    lifetime: int,
) -> str:
    """A new code; returns it (only its hash is stored). Codes past their lifetime (used or
    not) are of no further use: they are swept on the way."""
    session.execute(delete(AuthCode).where(AuthCode.expires_at <= now))
    code = new_token()
    session.add(
        AuthCode(
            code_sha256=sha256_hex(code),
            app_id=app_id,
            account_id=account_id,
            redirect_uri=redirect_uri,
            code_challenge=code_challenge,
            nonce=nonce,
            auth_time=auth_time,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    return code


def find_code(session: Session, code: str) -> AuthCode | None:
    return session.scalar(select(AuthCode).where(AuthCode.code_sha256 == sha256_hex(code)))


def mark_code_used(session: Session, row: AuthCode, now: float) -> bool:
    """Marks the code used, atomically: of two concurrent exchanges only one gets True."""
    result = session.execute(
        update(AuthCode)
        .where(AuthCode.id == row.id, AuthCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return getattr(result, "rowcount", 0) == 1


# --- browser login sessions ------------------------------------------------------------------


def find_login_session(session: Session, cookie: str, now: float) -> LoginSession | None:
    row = session.scalar(
        select(LoginSession).where(LoginSession.session_sha256 == sha256_hex(cookie))
    )
    if row is None or row.expires_at <= now:
        return None
    return row


def add_login_session(
    session: Session,
    now: float,
    *,
    lifetime: int,
    account_id: int | None = None,
    auth_time: float | None = None,
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
        expires_at=now + lifetime,
    )
    session.add(row)
    session.flush()
    return row, cookie


def delete_login_session(session: Session, row: LoginSession) -> None:
    session.delete(row)


# --- wrong passwords (domain.throttle) ----------------------------------------------------------


def failure_count(session: Session, key: str) -> FailureCount | None:
    row = session.get(LoginThrottle, key)
    if row is None:
        return None
    return FailureCount(row.failures, row.window_start, row.locked_until)


def record_failure(session: Session, key: str, rule: ThrottleRule, now: float) -> FailureCount:
    count = after_failure(failure_count(session, key), rule, now)
    row = session.get(LoginThrottle, key)
    if row is None:
        row = LoginThrottle(key=key)
        session.add(row)
    row.failures, row.window_start, row.locked_until = (
        count.failures, count.window_start, count.locked_until
    )
    return count


def clear_failures(session: Session, key: str) -> None:
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == key))
