"""Authorization codes (SPEC §7): random, stored hashed, single use, valid 10 minutes, bound to
the client, the redirect_uri and the PKCE challenge."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from talksocial.domain.secrets import new_token, sha256_hex
from talksocial.storage.models import AuthCode

CODE_LIFETIME = 600


class CodeReused(Exception):
    """A code presented a second time: the tokens it issued are to be revoked."""

    def __init__(self, code_id: int) -> None:
        self.code_id = code_id
        super().__init__(f"authorization code {code_id} reused")


def issue(
    session: Session,
    *,
    app_id: int,
    account_id: int,
    redirect_uri: str,
    code_challenge: str | None,
    nonce: str | None,
    auth_time: float,
    now: float,
) -> str:
    # Codes past their lifetime (used or not) are of no further use: sweep them.
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
            expires_at=now + CODE_LIFETIME,
        )
    )
    return code


def find(session: Session, code: str) -> AuthCode | None:
    return session.scalar(select(AuthCode).where(AuthCode.code_sha256 == sha256_hex(code)))


def mark_used(session: Session, row: AuthCode, now: float) -> None:
    """Marks the code used, atomically: of two concurrent exchanges only one wins."""
    result = session.execute(
        update(AuthCode)
        .where(AuthCode.id == row.id, AuthCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        raise CodeReused(row.id)
