"""The user APIs of Kakao Login (docs/reference/kakao-login.md): token info, logout, unlink, consent items and the
Kakao Account's own profile.

Credentials follow docs/reference/errors.md: a missing header is "no authentication key!", a bad Bearer token
"this access token does not exist", a bad `KakaoAK` key "invalid app key."."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from talksocial.api import wire
from talksocial.api.auth import admin_key_app, bearer_token_owner, presented_bearer_token
from talksocial.api.params import parse_int
from talksocial.domain import errors
from talksocial.domain.secrets import sha256_hex
from talksocial.storage.accounts import account_profile
from talksocial.storage.db import run_with_retry, transaction
from talksocial.storage.links import remove_link, set_link_scopes
from talksocial.storage.models import Account, Link
from talksocial.storage.reads import TokenOwner
from talksocial.storage.tokens import revoke_access_token
from talksocial.web import responses
from talksocial.web.context import ServerContext
from talksocial.web.forms import query_and_form

MAX_USER_ID = 2**63 - 1


def _iso(instant: float) -> str:
    return datetime.fromtimestamp(instant, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- GET /v1/user/access_token_info ---------------------------------------------------------


async def access_token_info(request: Request) -> Response:
    ctx = ServerContext.of(request)
    owner = await bearer_token_owner(request, ctx.reads)
    return responses.json_response(
        {
            "id": owner.user_id,
            "expires_in": max(0, int(owner.expires_at - owner.now)),
            "app_id": owner.app_id,
        }
    )


# --- POST /v1/user/logout -------------------------------------------------------------------


async def logout(request: Request) -> Response:
    ctx = ServerContext.of(request)
    owner = await bearer_token_owner(request, ctx.reads)
    digest = sha256_hex(await presented_bearer_token(request))

    def work() -> None:
        with transaction(ctx.sessions) as s:
            revoke_access_token(s, digest)

    await run_in_threadpool(run_with_retry, work)
    return responses.json_response({"id": owner.user_id})


# --- POST /v1/user/unlink -------------------------------------------------------------------


def _is_admin_key(request: Request) -> bool:
    header = request.headers.get("authorization", "").strip()
    return header.partition(" ")[0].lower() == "kakaoak"


async def unlink(request: Request) -> Response:
    ctx = ServerContext.of(request)
    if _is_admin_key(request):
        app = admin_key_app(request, ctx.reads)
        params = await query_and_form(request)
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
                remove_link(s, app_id, link.account_id)
                return link.user_id

        user_id = await run_in_threadpool(run_with_retry, by_admin)
        if user_id is None:
            raise errors.NotRegisteredUser()
        return responses.json_response({"id": user_id})

    owner = await bearer_token_owner(request, ctx.reads)

    def by_token() -> None:
        with transaction(ctx.sessions) as s:
            remove_link(s, owner.app_id, owner.account_id)

    await run_in_threadpool(run_with_retry, by_token)
    return responses.json_response({"id": owner.user_id})


# --- GET /v2/user/scopes, POST /v2/user/revoke/scopes ---------------------------------------


def _scope_names(raw: str | None, name: str, *, required: bool) -> list[str] | None:
    """`scopes`: a JSON array of item names, e.g. `["friends","profile_image"]`."""
    if raw is None or not raw.strip():
        if required:
            raise errors.InvalidArgument(f"{name} is required")
        return None
    try:
        parsed = json.loads(raw)
    except (ValueError, RecursionError):  # a deeply nested array exhausts the parser's stack
        raise errors.InvalidArgument(f"{name} must be a JSON array of consent items") from None
    if not isinstance(parsed, list) or not all(isinstance(v, str) for v in parsed):
        raise errors.InvalidArgument(f"{name} must be a JSON array of consent items")
    if required and not parsed:
        raise errors.InvalidArgument(f"{name} must name at least one consent item")
    return list(parsed)


async def scopes(request: Request) -> Response:
    ctx = ServerContext.of(request)
    owner = await bearer_token_owner(request, ctx.reads)
    only = _scope_names(request.query_params.get("scopes"), "scopes", required=False)
    return responses.json_response(
        wire.user_scopes(owner.user_id, owner.consent_items, list(owner.scopes), only)
    )


async def revoke_scopes(request: Request) -> Response:
    ctx = ServerContext.of(request)
    owner = await bearer_token_owner(request, ctx.reads)
    params = await query_and_form(request)
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
            set_link_scopes(s, link, remaining)
            return remaining

    remaining = await run_in_threadpool(run_with_retry, work)
    return responses.json_response(wire.user_scopes(owner.user_id, owner.consent_items, remaining, None))


# --- GET /v2/user/me ------------------------------------------------------------------------


def _me_body(owner: TokenOwner, account: Account, connected_at: float) -> dict[str, Any]:
    nickname, image, thumbnail = account_profile(account)
    return wire.user_me(
        user_id=owner.user_id,
        connected_at=_iso(connected_at),
        consent_items=owner.consent_items,
        agreed=owner.scopes,
        nickname=nickname,
        profile_image_url=image,
        thumbnail_url=thumbnail,
        email=account.email,
    )


async def me(request: Request) -> Response:
    ctx = ServerContext.of(request)
    owner = await bearer_token_owner(request, ctx.reads)

    def work() -> dict[str, Any]:
        with ctx.sessions() as s:
            account = s.get(Account, owner.account_id)
            link = s.get(Link, (owner.app_id, owner.account_id))
            if account is None or link is None:
                raise errors.token_not_found()
            return _me_body(owner, account, link.connected_at)

    return responses.json_response(await run_in_threadpool(work))
