"""The user APIs of Kakao Login (SPEC §7): token info, logout, unlink, consent items and the
Kakao Account's own profile.

Credentials follow SPEC §2: a missing header is "no authentication key!", a bad Bearer token
"this access token does not exist", a bad `KakaoAK` key "invalid app key."."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from talksocial.api import wire
from talksocial.api.auth import admin_key_app, bearer_token_owner
from talksocial.api.context import ServerContext
from talksocial.api.params import parse_int
from talksocial.domain import errors
from talksocial.domain.consent import (
    ACCOUNT_EMAIL,
    ALL_SCOPES,
    DISPLAY_NAMES,
    PROFILE,
    PROFILE_IMAGE,
    PROFILE_NICKNAME,
)
from talksocial.domain.secrets import sha256_hex
from talksocial.oauth import tokens
from talksocial.oauth.idtoken import account_profile
from talksocial.storage import friend_index
from talksocial.storage.db import run_with_retry, transaction
from talksocial.storage.models import Account, Link
from talksocial.storage.reads import TokenOwner

MAX_USER_ID = 2**63 - 1


async def _params(request: Request) -> dict[str, str]:
    """Query string and form body alike; a form value wins over the same name in the query."""
    params = dict(request.query_params)
    if "application/x-www-form-urlencoded" in request.headers.get("content-type", ""):
        raw = await request.body()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise errors.InvalidArgument("the form body is not valid UTF-8") from None
        params.update(parse_qsl(text, keep_blank_values=True))
    return params


def _presented_token(request: Request) -> str:
    """The Bearer token of a request `bearer_token_owner` already accepted."""
    return request.headers["authorization"].strip().partition(" ")[2].strip()


def _iso(instant: float) -> str:
    return datetime.fromtimestamp(instant, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- GET /v1/user/access_token_info ---------------------------------------------------------


async def access_token_info(request: Request) -> Response:
    ctx = ServerContext.of(request)
    owner = bearer_token_owner(request, ctx.reads)
    return wire.json_response(
        {
            "id": owner.user_id,
            "expires_in": max(0, int(owner.expires_at - owner.now)),
            "app_id": owner.app_id,
        }
    )


# --- POST /v1/user/logout -------------------------------------------------------------------


async def logout(request: Request) -> Response:
    ctx = ServerContext.of(request)
    owner = bearer_token_owner(request, ctx.reads)
    digest = sha256_hex(_presented_token(request))

    def work() -> None:
        with transaction(ctx.sessions) as s:
            tokens.logout(s, digest)

    await run_in_threadpool(run_with_retry, work)
    return wire.json_response({"id": owner.user_id})


# --- POST /v1/user/unlink -------------------------------------------------------------------


def _is_admin_key(request: Request) -> bool:
    header = request.headers.get("authorization", "").strip()
    return header.partition(" ")[0].lower() == "kakaoak"


async def unlink(request: Request) -> Response:
    ctx = ServerContext.of(request)
    if _is_admin_key(request):
        app = admin_key_app(request, ctx.reads)
        params = await _params(request)
        if params.get("target_id_type") != "user_id":
            raise errors.InvalidArgument("target_id_type must be user_id")
        if "target_id" not in params:
            raise errors.InvalidArgument("target_id is required")
        target = parse_int(params, "target_id", minimum=1, maximum=MAX_USER_ID)
        assert target is not None
        app_id = app.app_id

        def by_admin() -> int | None:
            with transaction(ctx.sessions) as s:
                link = s.scalar(select(Link).where(Link.app_id == app_id, Link.user_id == target))
                if link is None:
                    return None
                tokens.unlink(s, app_id, link.account_id)
                return link.user_id

        user_id = await run_in_threadpool(run_with_retry, by_admin)
        if user_id is None:
            raise errors.NotRegisteredUser()
        return wire.json_response({"id": user_id})

    owner = bearer_token_owner(request, ctx.reads)

    def by_token() -> None:
        with transaction(ctx.sessions) as s:
            tokens.unlink(s, owner.app_id, owner.account_id)

    await run_in_threadpool(run_with_retry, by_token)
    return wire.json_response({"id": owner.user_id})


# --- GET /v2/user/scopes, POST /v2/user/revoke/scopes ---------------------------------------


def _scope_names(raw: str | None, name: str, *, required: bool) -> list[str] | None:
    """`scopes`: a JSON array of item names, e.g. `["friends","profile_image"]`."""
    if raw is None or not raw.strip():
        if required:
            raise errors.InvalidArgument(f"{name} is required")
        return None
    try:
        parsed = json.loads(raw)
    except ValueError:
        raise errors.InvalidArgument(f"{name} must be a JSON array of consent items") from None
    if not isinstance(parsed, list) or not all(isinstance(v, str) for v in parsed):
        raise errors.InvalidArgument(f"{name} must be a JSON array of consent items")
    if required and not parsed:
        raise errors.InvalidArgument(f"{name} must name at least one consent item")
    return list(parsed)


def _scopes_body(
    user_id: int, consent_items: Mapping[str, str], agreed: list[str], only: list[str] | None
) -> dict[str, Any]:
    entries: list[dict[str, Any]] = []
    for item in ALL_SCOPES:
        if item not in consent_items or (only is not None and item not in only):
            continue
        entry: dict[str, Any] = {
            "id": item,
            "display_name": DISPLAY_NAMES[item],
            "type": "PRIVACY",
            "using": True,
            "agreed": item in agreed,
        }
        if item in agreed:
            entry["revocable"] = consent_items[item] == "optional"
        entries.append(entry)
    return {"id": user_id, "scopes": entries}


async def scopes(request: Request) -> Response:
    ctx = ServerContext.of(request)
    owner = bearer_token_owner(request, ctx.reads)
    only = _scope_names(request.query_params.get("scopes"), "scopes", required=False)
    return wire.json_response(
        _scopes_body(owner.user_id, owner.consent_items, list(owner.scopes), only)
    )


async def revoke_scopes(request: Request) -> Response:
    ctx = ServerContext.of(request)
    owner = bearer_token_owner(request, ctx.reads)
    params = await _params(request)
    names = _scope_names(params.get("scopes"), "scopes", required=True)
    assert names is not None

    def work() -> list[str]:
        with transaction(ctx.sessions) as s:
            link = s.get(Link, (owner.app_id, owner.account_id))
            if link is None:  # unlinked between the token check and now
                raise errors.token_not_found()
            agreed: list[str] = json.loads(link.scopes)
            for name in names:
                if owner.consent_items.get(name) != "optional" or name not in agreed:
                    raise errors.InvalidArgument(
                        f"scopes: {name!r} is not an optional item the user agreed to"
                    )
            remaining = [item for item in agreed if item not in names]
            link.scopes = json.dumps(remaining)
            friend_index.refresh_account(s, owner.account_id)
            return remaining

    remaining = await run_in_threadpool(run_with_retry, work)
    return wire.json_response(_scopes_body(owner.user_id, owner.consent_items, remaining, None))


# --- GET /v2/user/me ------------------------------------------------------------------------


def _me_body(owner: TokenOwner, account: Account, connected_at: float) -> dict[str, Any]:
    items = owner.consent_items
    agreed = owner.scopes
    nickname, image, thumbnail = account_profile(account)
    legacy = PROFILE in items
    nickname_ok = PROFILE in agreed or PROFILE_NICKNAME in agreed
    image_ok = PROFILE in agreed or PROFILE_IMAGE in agreed

    properties: dict[str, Any] = {}
    profile: dict[str, Any] = {}
    if nickname_ok:
        properties["nickname"] = nickname
        profile["nickname"] = nickname
    if image_ok:
        if image is not None:
            properties["profile_image"] = image
            profile["profile_image_url"] = image
        if thumbnail is not None:
            properties["thumbnail_image"] = thumbnail
            profile["thumbnail_image_url"] = thumbnail
        profile["is_default_image"] = image is None

    kakao_account: dict[str, Any] = {}
    if legacy:
        kakao_account["profile_needs_agreement"] = PROFILE not in agreed
    else:
        if PROFILE_NICKNAME in items:
            kakao_account["profile_nickname_needs_agreement"] = PROFILE_NICKNAME not in agreed
        if PROFILE_IMAGE in items:
            kakao_account["profile_image_needs_agreement"] = PROFILE_IMAGE not in agreed
    if profile:
        kakao_account["profile"] = profile
    if ACCOUNT_EMAIL in items:
        kakao_account["email_needs_agreement"] = ACCOUNT_EMAIL not in agreed
        if ACCOUNT_EMAIL in agreed and account.email is not None:
            kakao_account["email"] = account.email

    body: dict[str, Any] = {"id": owner.user_id, "connected_at": _iso(connected_at)}
    if properties:
        body["properties"] = properties
    body["kakao_account"] = kakao_account
    return body


async def me(request: Request) -> Response:
    ctx = ServerContext.of(request)
    owner = bearer_token_owner(request, ctx.reads)

    def work() -> dict[str, Any]:
        with ctx.sessions() as s:
            account = s.get(Account, owner.account_id)
            link = s.get(Link, (owner.app_id, owner.account_id))
            if account is None or link is None:
                raise errors.token_not_found()
            return _me_body(owner, account, link.connected_at)

    return wire.json_response(await run_in_threadpool(work))
