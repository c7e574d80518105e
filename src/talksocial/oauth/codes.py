"""Authorization codes (docs/reference/kakao-login.md): random, stored hashed (`storage.login`), single use, valid 10
minutes, bound to the client, the redirect_uri and the PKCE challenge."""

from __future__ import annotations

from sqlalchemy.orm import Session

from talksocial.storage import login
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
    return login.add_code(
        session,
        app_id=app_id,
        account_id=account_id,
        redirect_uri=redirect_uri,
        code_challenge=code_challenge,
        nonce=nonce,
        auth_time=auth_time,
        now=now,
        lifetime=CODE_LIFETIME,
    )


def find(session: Session, code: str) -> AuthCode | None:
    return login.find_code(session, code)


def mark_used(session: Session, row: AuthCode, now: float) -> None:
    """Marks the code used, atomically: of two concurrent exchanges only one wins."""
    if not login.mark_code_used(session, row, now):
        raise CodeReused(row.id)
