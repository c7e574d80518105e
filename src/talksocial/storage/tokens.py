"""Access and refresh tokens as stored: by sha256 of the token, so a token is shown once, when
it is issued, and a revoked token is deleted (it answers exactly like one that never existed).

This is the one place a token is issued (`add_token`): Kakao Login's grants, the control
plane, the console and `talksocial token issue` (`issue_token`) all come here; a seed file's
declared tokens are kept with `put_seeded_token`. Every function runs inside the caller's
transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from talksocial.domain.secrets import new_token, sha256_hex
from talksocial.storage import clock
from talksocial.storage import fields as f
from talksocial.storage.accounts import get_account
from talksocial.storage.apps import get_app
from talksocial.storage.links import ensure_link
from talksocial.storage.models import Token, TokenIssuance

#: Seconds an access token lives (Kakao's 6 hours, less one second).
ACCESS_TOKEN_LIFETIME = 21599


def add_token(
    session: Session,
    *,
    kind: str,
    app_id: int,
    account_id: int,
    now: float,
    lifetime: int,
    scopes: str = "[]",
    refresh_token_id: int | None = None,
    auth_code_id: int | None = None,
    auth_time: float | None = None,
) -> tuple[str, Token]:
    """A new token of `kind` ("access" or "refresh"); returns the token (only its hash is
    stored) and its row. `lifetime` 0 or less: already expired."""
    value = new_token()
    row = Token(
        token_sha256=sha256_hex(value),
        kind=kind,
        app_id=app_id,
        account_id=account_id,
        expires_at=now + lifetime,
        issued_at=now,
        refresh_token_id=refresh_token_id,
        auth_code_id=auth_code_id,
        auth_time=auth_time,
        scopes=scopes,
    )
    session.add(row)
    session.flush()
    return value, row


def issue_token(
    session: Session,
    app_id: int,
    account_key: str,
    *,
    scopes: Any = None,
    lifetime: Any = ACCESS_TOKEN_LIFETIME,
) -> tuple[str, Token]:
    """A new access token, as `talksocial token issue` (docs/reference/command-line.md): the account is linked first
    when it is not; `scopes`, when given, sets the link's agreed items to the app's required
    items plus those named. `lifetime` in seconds (0 or less: already expired)."""
    app = get_app(session, app_id)
    account = get_account(session, account_key)
    seconds = f.integer(lifetime, "lifetime", minimum=-(10**9), maximum=10**9)
    named = f.string_list(scopes, "scopes") if scopes is not None else None
    ensure_link(session, app, account, named)
    return add_token(session, kind="access", app_id=app.id, account_id=account.id,
                     now=clock.now(session), lifetime=seconds)


def find_token(session: Session, value: str, kind: str) -> Token | None:
    return session.scalar(
        select(Token).where(Token.token_sha256 == sha256_hex(value), Token.kind == kind)
    )


def put_seeded_token(
    session: Session,
    *,
    digest: str,
    app_id: int,
    account_id: int,
    expires_at: float,
    position: int,
    now: float,
) -> Token:
    """A seed file's access token, by its hash (an upsert: loading the file again keeps it)."""
    token = session.scalar(select(Token).where(Token.token_sha256 == digest))
    if token is None:
        token = Token(token_sha256=digest, kind="access", issued_at=now)
        session.add(token)
    token.app_id = app_id
    token.account_id = account_id
    token.expires_at = expires_at
    token.seeded = True
    token.position = position
    return token


def seeded_token_digest(session: Session, app_id: int, account_id: int, position: int) -> str | None:
    """The hash of the token a seed file declared without a value at `position`, when an
    earlier load generated one."""
    return session.scalar(
        select(Token.token_sha256).where(
            Token.app_id == app_id,
            Token.account_id == account_id,
            Token.kind == "access",
            Token.seeded.is_(True),
            Token.position == position,
        )
    )


# --- issuance counts (Kakao Login's limits) ------------------------------------------------------


def issued_since(session: Session, app_id: int, account_id: int, kind: str, since: float) -> int:
    count = session.scalar(
        select(func.count())
        .select_from(TokenIssuance)
        .where(
            TokenIssuance.app_id == app_id,
            TokenIssuance.account_id == account_id,
            TokenIssuance.kind == kind,
            TokenIssuance.issued_at > since,
        )
    )
    return int(count or 0)


def record_issuance(
    session: Session, app_id: int, account_id: int, kind: str, now: float, *, keep: float
) -> None:
    """Counts one issued token; counts older than `keep` seconds are dropped on the way."""
    session.execute(
        delete(TokenIssuance).where(
            TokenIssuance.app_id == app_id,
            TokenIssuance.account_id == account_id,
            TokenIssuance.issued_at <= now - keep,
        )
    )
    session.add(TokenIssuance(app_id=app_id, account_id=account_id, kind=kind, issued_at=now))


# --- revocation ----------------------------------------------------------------------------------


#: The kind of a rotated refresh token's row: kept (with `refresh_token_id` pointing at the
#: token that replaced it) so that presenting it again is told apart from a forgery.
REPLACED = "replaced"


def replace_refresh_token(session: Session, old: Token, new: Token) -> None:
    """Access tokens issued with the old refresh token now belong to the new one (logout of any
    of them ends the chain); the old refresh token stops working, and is remembered as replaced
    by the new one."""
    session.execute(
        update(Token)
        .where(Token.refresh_token_id == old.id)
        .values(refresh_token_id=new.id)
        .execution_options(synchronize_session=False)
    )
    old.kind = REPLACED
    old.refresh_token_id = new.id


def find_replaced_refresh_token(session: Session, value: str) -> Token | None:
    return find_token(session, value, REPLACED)


def revoke_refresh_chain(session: Session, token_id: int) -> int:
    """A rotated refresh token presented again (RFC 9700 §4.14.2: stolen, or the client is
    confused): every refresh token that replaced it, down to the live one, and every access
    token issued with them are deleted. Returns how many tokens were deleted."""
    chain: list[int] = []
    current = session.get(Token, token_id)
    while current is not None and current.id not in chain:
        chain.append(current.id)
        successor = current.refresh_token_id if current.kind != "access" else None
        current = session.get(Token, successor) if successor is not None else None
    if not chain:
        return 0
    result = session.execute(
        delete(Token)
        .where((Token.id.in_(chain)) | (Token.refresh_token_id.in_(chain) & (Token.kind == "access")))
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def revoke_code_tokens(session: Session, code_id: int) -> int:
    """A reused code: every token that came from it (and from its refreshes) is deleted."""
    result = session.execute(
        delete(Token)
        .where(Token.auth_code_id == code_id)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def revoke_access_token(session: Session, access_token_sha256: str) -> None:
    """Logout: the access token and the refresh token it was issued with stop working."""
    row = session.scalar(
        select(Token).where(Token.token_sha256 == access_token_sha256, Token.kind == "access")
    )
    if row is None:
        return
    if row.refresh_token_id is not None:
        session.execute(
            delete(Token)
            .where(Token.id == row.refresh_token_id, Token.kind == "refresh")
            .execution_options(synchronize_session=False)
        )
    session.delete(row)


def revoke_all_tokens(session: Session, app_id: int, account_id: int) -> None:
    """Admin-key logout: every access and refresh token of the user in the app stops working."""
    session.execute(
        delete(Token)
        .where(Token.app_id == app_id, Token.account_id == account_id)
        .execution_options(synchronize_session=False)
    )
