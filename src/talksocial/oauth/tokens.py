"""`POST /oauth/token` (SPEC §7): the authorization_code and refresh_token grants, issuance
limits, refresh-token rotation, and the revocations of logout, unlink and code reuse.

Every function runs inside the caller's transaction and takes the server clock's `now`."""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from talksocial.domain.consent import OPENID
from talksocial.domain.secrets import new_token, sha256_hex
from talksocial.oauth import codes, errors, idtoken, pkce
from talksocial.oauth.authorize import find_app_by_rest_api_key
from talksocial.storage import friend_index
from talksocial.storage.models import Account, App, AuthCode, Link, Token, TokenIssuance

ACCESS_TOKEN_LIFETIME = 21599
REFRESH_TOKEN_LIFETIME = 5183999
#: A refresh returns a new refresh token only when the old one has less than this left.
ROTATE_BELOW = 30 * 86400

ACCESS_LIMIT, ACCESS_WINDOW = 20, 600
REFRESH_LIMIT, REFRESH_WINDOW = 30, 3600

GRANT_AUTHORIZATION_CODE = "authorization_code"
GRANT_REFRESH_TOKEN = "refresh_token"


def authenticate_client(session: Session, params: Mapping[str, str]) -> App:
    """client_id is the REST API key (KOE101); an app with a client secret requires it
    (KOE010). Both answer HTTP 401 invalid_client."""
    client_id = params.get("client_id")
    app = find_app_by_rest_api_key(session, client_id) if client_id else None
    if app is None:
        raise errors.bad_client_id()
    if app.client_secret is not None:
        sent = params.get("client_secret")
        if sent is None or not hmac.compare_digest(
            sha256_hex(sent).encode(), sha256_hex(app.client_secret).encode()
        ):
            raise errors.bad_client_secret()
    return app


def _issued_since(session: Session, app_id: int, account_id: int, kind: str, since: float) -> int:
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


def check_limits(
    session: Session, app_id: int, account_id: int, *, refresh: bool, now: float
) -> None:
    """At most 20 access tokens per 10 minutes and 30 refresh tokens per hour, per (app,
    account): the next one answers invalid_request KOE001."""
    if _issued_since(session, app_id, account_id, "access", now - ACCESS_WINDOW) >= ACCESS_LIMIT:
        raise errors.issuance_limit("access")
    if refresh and (
        _issued_since(session, app_id, account_id, "refresh", now - REFRESH_WINDOW) >= REFRESH_LIMIT
    ):
        raise errors.issuance_limit("refresh")


def _count_issuance(session: Session, app_id: int, account_id: int, kind: str, now: float) -> None:
    session.execute(
        delete(TokenIssuance).where(
            TokenIssuance.app_id == app_id,
            TokenIssuance.account_id == account_id,
            TokenIssuance.issued_at <= now - max(ACCESS_WINDOW, REFRESH_WINDOW),
        )
    )
    session.add(TokenIssuance(app_id=app_id, account_id=account_id, kind=kind, issued_at=now))


def _new_token(
    session: Session,
    *,
    kind: str,
    link: Link,
    lifetime: int,
    now: float,
    auth_code_id: int | None,
    auth_time: float | None,
    refresh_token_id: int | None = None,
) -> tuple[str, Token]:
    value = new_token()
    row = Token(
        token_sha256=sha256_hex(value),
        kind=kind,
        app_id=link.app_id,
        account_id=link.account_id,
        expires_at=now + lifetime,
        issued_at=now,
        refresh_token_id=refresh_token_id,
        auth_code_id=auth_code_id,
        auth_time=auth_time,
        scopes=link.scopes,
    )
    session.add(row)
    session.flush()
    _count_issuance(session, link.app_id, link.account_id, kind, now)
    return value, row


def _locked_link(session: Session, app_id: int, account_id: int) -> Link | None:
    # FOR UPDATE (PostgreSQL) serialises concurrent grants of one (app, account), so the
    # issuance limits hold under load; SQLite's BEGIN IMMEDIATE serialises all writes anyway.
    return session.scalar(
        select(Link).where(Link.app_id == app_id, Link.account_id == account_id).with_for_update()
    )


def _id_token(
    session: Session,
    *,
    issuer: str,
    app: App,
    link: Link,
    now: float,
    auth_time: float | None,
    nonce: str | None,
) -> str:
    account = session.get(Account, link.account_id)
    assert account is not None
    payload = idtoken.claims(
        issuer=issuer,
        audience=app.rest_api_key,
        user_id=link.user_id,
        account=account,
        scopes=json.loads(link.scopes),
        issued_at=now,
        lifetime=ACCESS_TOKEN_LIFETIME,
        auth_time=auth_time,
        nonce=nonce,
    )
    return idtoken.sign(session, payload, now)


def exchange_code(
    session: Session, app: App, params: Mapping[str, str], *, issuer: str, now: float
) -> dict[str, Any]:
    """The authorization_code grant. Unknown, expired, other app's code, redirect_uri or PKCE
    verifier mismatch: invalid_grant KOE320. A used code raises `codes.CodeReused`."""
    code = params.get("code")
    row = codes.find(session, code) if code else None
    if row is None or row.app_id != app.id:
        raise errors.code_not_found()
    if row.used_at is not None:
        raise codes.CodeReused(row.id)
    if row.expires_at <= now:
        raise errors.code_not_found()
    redirect_uri = params.get("redirect_uri") or ""
    if not hmac.compare_digest(redirect_uri.encode("utf-8"), row.redirect_uri.encode("utf-8")):
        raise errors.InvalidGrant("KOE320", "redirect_uri mismatch")
    if row.code_challenge is not None and not pkce.verify(
        params.get("code_verifier"), row.code_challenge
    ):
        raise errors.InvalidGrant("KOE320", "code_verifier mismatch")
    link = _locked_link(session, app.id, row.account_id)
    if link is None:
        raise errors.code_not_found()
    check_limits(session, app.id, row.account_id, refresh=True, now=now)
    codes.mark_used(session, row, now)
    refresh_value, refresh_row = _new_token(
        session,
        kind="refresh",
        link=link,
        lifetime=REFRESH_TOKEN_LIFETIME,
        now=now,
        auth_code_id=row.id,
        auth_time=row.auth_time,
    )
    access_value, _ = _new_token(
        session,
        kind="access",
        link=link,
        lifetime=ACCESS_TOKEN_LIFETIME,
        now=now,
        auth_code_id=row.id,
        auth_time=row.auth_time,
        refresh_token_id=refresh_row.id,
    )
    return _token_response(
        session,
        app=app,
        link=link,
        issuer=issuer,
        now=now,
        access_token=access_value,
        refresh_token=refresh_value,
        auth_time=row.auth_time,
        nonce=row.nonce,
    )


def refresh(
    session: Session, app: App, params: Mapping[str, str], *, issuer: str, now: float
) -> dict[str, Any]:
    """The refresh_token grant. A new refresh token only when the presented one has less than
    30 days left; it then replaces the old one, which stops working (KOE322)."""
    value = params.get("refresh_token")
    row = (
        session.scalar(
            select(Token).where(Token.token_sha256 == sha256_hex(value), Token.kind == "refresh")
        )
        if value
        else None
    )
    if row is None or row.app_id != app.id or row.expires_at <= now:
        raise errors.bad_refresh_token()
    link = _locked_link(session, app.id, row.account_id)
    if link is None:
        raise errors.bad_refresh_token()
    rotate = row.expires_at - now < ROTATE_BELOW
    check_limits(session, app.id, row.account_id, refresh=rotate, now=now)
    parent = row
    new_refresh: str | None = None
    if rotate:
        new_refresh, parent = _new_token(
            session,
            kind="refresh",
            link=link,
            lifetime=REFRESH_TOKEN_LIFETIME,
            now=now,
            auth_code_id=row.auth_code_id,
            auth_time=row.auth_time,
        )
        # Access tokens issued with the old refresh token now belong to the new one (logout
        # of any of them ends the chain); the old refresh token is gone.
        session.execute(
            update(Token)
            .where(Token.refresh_token_id == row.id)
            .values(refresh_token_id=parent.id)
            .execution_options(synchronize_session=False)
        )
        session.delete(row)
    access_value, _ = _new_token(
        session,
        kind="access",
        link=link,
        lifetime=ACCESS_TOKEN_LIFETIME,
        now=now,
        auth_code_id=parent.auth_code_id,
        auth_time=parent.auth_time,
        refresh_token_id=parent.id,
    )
    return _token_response(
        session,
        app=app,
        link=link,
        issuer=issuer,
        now=now,
        access_token=access_value,
        refresh_token=new_refresh,
        auth_time=parent.auth_time,
        nonce=None,
    )


def _token_response(
    session: Session,
    *,
    app: App,
    link: Link,
    issuer: str,
    now: float,
    access_token: str,
    refresh_token: str | None,
    auth_time: float | None,
    nonce: str | None,
) -> dict[str, Any]:
    """The answer of both grants (SPEC §7); without a new refresh token (a refresh that did not
    rotate) the refresh fields are left out; `id_token` only with the `openid` item."""
    scopes: list[str] = json.loads(link.scopes)
    body: dict[str, Any] = {
        "token_type": "bearer",
        "access_token": access_token,
        "expires_in": ACCESS_TOKEN_LIFETIME,
    }
    if refresh_token is not None:
        body["refresh_token"] = refresh_token
        body["refresh_token_expires_in"] = REFRESH_TOKEN_LIFETIME
    body["scope"] = " ".join(scopes)
    if OPENID in scopes:
        body["id_token"] = _id_token(
            session, issuer=issuer, app=app, link=link, now=now, auth_time=auth_time, nonce=nonce
        )
    return body


# --- revocation ------------------------------------------------------------------------------


def revoke_code_tokens(session: Session, code_id: int) -> int:
    """A reused code: every token that came from it (and from its refreshes) is deleted."""
    result = session.execute(
        delete(Token)
        .where(Token.auth_code_id == code_id)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def logout(session: Session, access_token_sha256: str) -> None:
    """The presented access token and the refresh token it was issued with stop working."""
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


def unlink(session: Session, app_id: int, account_id: int) -> None:
    """Removes the link, its consents (the link's scopes), its codes and all its tokens, and
    takes the account out of every friends list of the app."""
    session.execute(
        delete(Token)
        .where(Token.app_id == app_id, Token.account_id == account_id)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        delete(AuthCode)
        .where(AuthCode.app_id == app_id, AuthCode.account_id == account_id)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        delete(Link)
        .where(Link.app_id == app_id, Link.account_id == account_id)
        .execution_options(synchronize_session=False)
    )
    friend_index.refresh_account(session, account_id)
