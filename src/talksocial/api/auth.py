"""Credentials of the Talk and user APIs (docs/reference/errors.md#credentials): Bearer access
tokens and admin keys. On a Bearer endpoint an `access_token` query or form parameter stands in
for a missing Authorization header, as Kakao accepts (passport-kakao relies on it)."""

from __future__ import annotations

from starlette.requests import Request

from talksocial.domain import errors
from talksocial.domain.secrets import sha256_hex
from talksocial.storage.reads import AppKey, ReadStore, TokenOwner
from talksocial.web.caller import report_caller
from talksocial.web.forms import query_and_form


def _authorization(request: Request) -> str:
    header = request.headers.get("authorization")
    if header is None or not header.strip():
        raise errors.no_authentication_key()
    return header.strip()


def _credential(header: str, scheme: str) -> str | None:
    prefix, _, value = header.partition(" ")
    if prefix.lower() != scheme.lower() or not value.strip():
        return None
    return value.strip()


async def presented_bearer_token(request: Request) -> str:
    """The access token a Bearer request presents: the Authorization header's, else (no header
    at all) an `access_token` query or form parameter. Neither: "no authentication key!"; a
    header that is not `Bearer …`: "this access token does not exist"."""
    header = request.headers.get("authorization")
    if header is None or not header.strip():
        try:
            token = (await query_and_form(request)).get("access_token", "").strip()
        except errors.InvalidArgument:  # an unreadable body presents no credential
            token = ""
        if not token:
            raise errors.no_authentication_key()
        return token
    value = _credential(header.strip(), "Bearer")
    if value is None:
        raise errors.token_not_found()
    return value


async def bearer_token_owner(request: Request, store: ReadStore) -> TokenOwner:
    """A missing credential: "no authentication key!"; anything that is not a live access token
    of this server: "this access token does not exist"; an expired one: the expired body."""
    token = await presented_bearer_token(request)
    return checked_token_owner(request, store.token_owner(sha256_hex(token)))


def checked_token_owner(request: Request, owner: TokenOwner | None) -> TokenOwner:
    """The caller of a presented access token as the database read it (None: no such access
    token), once it is known to be live; reported to whatever watches the caller."""
    if owner is None:
        raise errors.token_not_found()
    if owner.expires_at <= owner.now:
        raise errors.token_expired()
    report_caller(request, owner.app_id, owner.account_id, owner.control_version, owner.now)
    return owner


def admin_key_app(request: Request, store: ReadStore) -> AppKey:
    """Anything but an app's admin key after `KakaoAK `: "invalid app key."."""
    key = _credential(_authorization(request), "KakaoAK")
    if key is None:
        raise errors.invalid_app_key()
    app = store.app_by_admin_key(sha256_hex(key))
    if app is None:
        raise errors.invalid_app_key()
    report_caller(request, app.app_id, None, app.control_version, app.now)
    return app
