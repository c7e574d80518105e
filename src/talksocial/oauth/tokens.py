"""`POST /oauth/token` (docs/reference/kakao-login.md): the authorization_code and refresh_token grants, issuance
limits and refresh-token rotation. The rows are `storage.tokens`' (which issues every token of
the server); the rules of the grants are here.

Every function runs inside the caller's transaction and takes the server clock's `now`."""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from talksocial.domain.consent import OPENID
from talksocial.domain.secrets import sha256_hex
from talksocial.oauth import codes, errors, idtoken, pkce
from talksocial.oauth.authorize import find_app_by_native_app_key, find_app_by_rest_api_key
from talksocial.storage import tokens as stored_tokens
from talksocial.storage.links import lock_link
from talksocial.storage.models import Account, App, Link, Token
from talksocial.storage.tokens import ACCESS_TOKEN_LIFETIME

REFRESH_TOKEN_LIFETIME = 5183999
#: A refresh returns a new refresh token only when the old one has less than this left.
ROTATE_BELOW = 30 * 86400

ACCESS_LIMIT, ACCESS_WINDOW = 20, 600
REFRESH_LIMIT, REFRESH_WINDOW = 30, 3600

GRANT_AUTHORIZATION_CODE = "authorization_code"
GRANT_REFRESH_TOKEN = "refresh_token"


def authenticate_client(session: Session, params: Mapping[str, str]) -> App:
    """client_id is the REST API key or the native app key (KOE101; a code got with the
    JavaScript key is exchanged with the REST API key); an app with a client secret requires
    it with the REST API key (KOE010: a native app cannot keep a secret, and Kakao's mobile
    SDKs send none). Both answer HTTP 401 invalid_client."""
    client_id = params.get("client_id")
    app = find_app_by_rest_api_key(session, client_id) if client_id else None
    if app is None and client_id:
        native = find_app_by_native_app_key(session, client_id)
        if native is not None:
            return native
    if app is None:
        raise errors.bad_client_id()
    if app.client_secret is not None:
        sent = params.get("client_secret")
        if sent is None or not hmac.compare_digest(
            sha256_hex(sent).encode(), sha256_hex(app.client_secret).encode()
        ):
            raise errors.bad_client_secret()
    return app


def check_limits(
    session: Session, app_id: int, account_id: int, *, refresh: bool, now: float
) -> None:
    """At most 20 access tokens per 10 minutes and 30 refresh tokens per hour, per (app,
    account): the next one answers invalid_request KOE237."""
    issued_since = stored_tokens.issued_since
    if issued_since(session, app_id, account_id, "access", now - ACCESS_WINDOW) >= ACCESS_LIMIT:
        raise errors.issuance_limit("access")
    if refresh and (
        issued_since(session, app_id, account_id, "refresh", now - REFRESH_WINDOW) >= REFRESH_LIMIT
    ):
        raise errors.issuance_limit("refresh")


def _grant_token(
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
    """A token of a grant, with the link's agreed scopes, counted against the issuance limits."""
    value, row = stored_tokens.add_token(
        session,
        kind=kind,
        app_id=link.app_id,
        account_id=link.account_id,
        now=now,
        lifetime=lifetime,
        scopes=link.scopes,
        refresh_token_id=refresh_token_id,
        auth_code_id=auth_code_id,
        auth_time=auth_time,
    )
    stored_tokens.record_issuance(
        session, link.app_id, link.account_id, kind, now, keep=max(ACCESS_WINDOW, REFRESH_WINDOW)
    )
    return value, row


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
    # A token request may leave redirect_uri out, as real Kakao accepts (social-auth-core's
    # Kakao backend never sends it); one that names it must name the code's exactly.
    redirect_uri = params.get("redirect_uri")
    if redirect_uri is not None and not hmac.compare_digest(
        redirect_uri.encode("utf-8"), row.redirect_uri.encode("utf-8")
    ):
        raise errors.InvalidGrant("KOE320", "redirect_uri mismatch")
    verifier = params.get("code_verifier")
    if row.code_challenge is None:
        if verifier is not None:
            # A downgrade (RFC 9700 §2.1.1): a verifier for a code issued without a challenge
            # means the authorization request was not the one this client sent.
            raise errors.InvalidGrant("KOE320", "code_verifier sent for a code without PKCE")
    elif not pkce.verify(verifier, row.code_challenge):
        raise errors.InvalidGrant("KOE320", "code_verifier mismatch")
    link = lock_link(session, app.id, row.account_id)
    if link is None:
        raise errors.code_not_found()
    check_limits(session, app.id, row.account_id, refresh=True, now=now)
    codes.mark_used(session, row, now)
    refresh_value, refresh_row = _grant_token(
        session,
        kind="refresh",
        link=link,
        lifetime=REFRESH_TOKEN_LIFETIME,
        now=now,
        auth_code_id=row.id,
        auth_time=row.auth_time,
    )
    access_value, _ = _grant_token(
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


class RefreshTokenReplayed(Exception):
    """A rotated refresh token presented again: the tokens that replaced it are to be revoked
    (in a unit of work of its own: the failed grant rolls back), and the answer is KOE322."""

    def __init__(self, token_id: int) -> None:
        self.token_id = token_id
        super().__init__(f"replaced refresh token {token_id} presented again")


def refresh(
    session: Session, app: App, params: Mapping[str, str], *, issuer: str, now: float
) -> dict[str, Any]:
    """The refresh_token grant. A new refresh token only when the presented one has less than
    30 days left; it then replaces the old one, which stops working (KOE322)."""
    value = params.get("refresh_token")
    row = stored_tokens.find_token(session, value, "refresh") if value else None
    if row is None and value:
        replaced = stored_tokens.find_replaced_refresh_token(session, value)
        if replaced is not None and replaced.app_id == app.id:
            raise RefreshTokenReplayed(replaced.id)
    if row is None or row.app_id != app.id or row.expires_at <= now:
        raise errors.bad_refresh_token()
    link = lock_link(session, app.id, row.account_id)
    if link is None:
        raise errors.bad_refresh_token()
    rotate = row.expires_at - now < ROTATE_BELOW
    check_limits(session, app.id, row.account_id, refresh=rotate, now=now)
    parent = row
    new_refresh: str | None = None
    if rotate:
        new_refresh, parent = _grant_token(
            session,
            kind="refresh",
            link=link,
            lifetime=REFRESH_TOKEN_LIFETIME,
            now=now,
            auth_code_id=row.auth_code_id,
            auth_time=row.auth_time,
        )
        stored_tokens.replace_refresh_token(session, row, parent)
    access_value, _ = _grant_token(
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
    """The answer of both grants (docs/reference/kakao-login.md); without a new refresh token (a refresh that did not
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
