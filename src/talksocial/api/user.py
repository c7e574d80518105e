"""The user APIs of Kakao Login (docs/reference/kakao-login.md): token info, logout, unlink, consent items and the
Kakao Account's own profile.

Credentials follow docs/reference/errors.md: a missing header is "no authentication key!", a bad Bearer token
"this access token does not exist", a bad `KakaoAK` key "invalid app key."."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import false, func, select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from talksocial.api import wire
from talksocial.api.auth import admin_key_app, bearer_token_owner, presented_bearer_token
from talksocial.api.params import parse_choice, parse_id_list, parse_int
from talksocial.domain import errors
from talksocial.domain.secrets import sha256_hex
from talksocial.storage.accounts import account_profile
from talksocial.storage.db import run_with_retry, transaction
from talksocial.storage.links import link_properties, merge_properties, remove_link, set_link_scopes
from talksocial.storage.models import Account, App, Link
from talksocial.storage.rates import count_call
from talksocial.storage.tokens import revoke_access_token, revoke_all_tokens
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


# --- who a request is about: the token's user, or an admin key's target --------------------


@dataclass(frozen=True)
class Subject:
    app_id: int
    account_id: int
    user_id: int
    consent_items: dict[str, str]
    scopes: tuple[str, ...]


def _is_admin_key(request: Request) -> bool:
    header = request.headers.get("authorization", "").strip()
    return header.partition(" ")[0].lower() == "kakaoak"


def _target_id(params: Mapping[str, str]) -> int:
    """`target_id_type=user_id&target_id=N` of an admin-key request."""
    if params.get("target_id_type") != "user_id":
        raise errors.InvalidArgument("target_id_type must be user_id")
    if "target_id" not in params:
        raise errors.InvalidArgument("target_id is required")
    target = parse_int(params, "target_id", minimum=1, maximum=MAX_USER_ID)
    assert target is not None
    return target


async def _subject(request: Request, ctx: ServerContext) -> Subject:
    """The Bearer token's user, or (`KakaoAK`) the app's user named by `target_id`: -101 when
    no user of the app has that id. The credential is checked before any parameter is read."""
    if not _is_admin_key(request):
        owner = await bearer_token_owner(request, ctx.reads)
        return Subject(owner.app_id, owner.account_id, owner.user_id, owner.consent_items,
                       tuple(owner.scopes))
    app = admin_key_app(request, ctx.reads)
    target = _target_id(await query_and_form(request))

    def read() -> Subject | None:
        with ctx.sessions() as s:
            link = s.scalar(select(Link).where(Link.app_id == app.app_id,
                                               Link.user_id == target))
            if link is None:
                return None
            return Subject(app.app_id, link.account_id, link.user_id, app.consent_items,
                           tuple(json.loads(link.scopes)))

    found = await run_in_threadpool(read)
    if found is None:
        raise errors.NotRegisteredUser()
    return found


# --- POST /v1/user/logout -------------------------------------------------------------------


async def logout(request: Request) -> Response:
    """Bearer: the token and its refresh token end. Admin key: every token of the user in
    the app ends."""
    ctx = ServerContext.of(request)
    subject = await _subject(request, ctx)
    if _is_admin_key(request):

        def everything() -> None:
            with transaction(ctx.sessions) as s:
                revoke_all_tokens(s, subject.app_id, subject.account_id)

        await run_in_threadpool(run_with_retry, everything)
        return responses.json_response({"id": subject.user_id})
    digest = sha256_hex(await presented_bearer_token(request))

    def work() -> None:
        with transaction(ctx.sessions) as s:
            revoke_access_token(s, digest)

    await run_in_threadpool(run_with_retry, work)
    return responses.json_response({"id": subject.user_id})


# --- POST /v1/user/unlink -------------------------------------------------------------------


async def unlink(request: Request) -> Response:
    """The app's own unlink: no unlink callback is called."""
    ctx = ServerContext.of(request)
    subject = await _subject(request, ctx)

    def work() -> None:
        with transaction(ctx.sessions) as s:
            remove_link(s, subject.app_id, subject.account_id)

    await run_in_threadpool(run_with_retry, work)
    return responses.json_response({"id": subject.user_id})


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
    subject = await _subject(request, ctx)
    params = await query_and_form(request)
    only = _scope_names(params.get("scopes"), "scopes", required=False)
    return responses.json_response(
        wire.user_scopes(subject.user_id, subject.consent_items, list(subject.scopes), only)
    )


def _check_revocable(consent_items: Mapping[str, str], agreed: Collection[str],
                     names: list[str]) -> None:
    """docs/reference/kakao-login.md#scopes: a required item is not revocable (-3, HTTP 403),
    an item the app does not use is no scope to revoke (-2), nor is one not agreed (-2)."""
    for name in names:
        setting = consent_items.get(name)
        if setting is None:
            raise errors.InvalidArgument(
                f"There is no scopes to revoke. check out if given scope id([{name}]) is "
                "correct again."
            )
        if setting == "required":
            raise errors.AppConsentNotEnabled(
                f"[{name}] is not revocable. check out if it's set as required on "
                "developers.kakao.com"
            )
        if name not in agreed:
            raise errors.InvalidArgument(f"scopes: {name!r} is not an optional item the user agreed to")


async def revoke_scopes(request: Request) -> Response:
    ctx = ServerContext.of(request)
    subject = await _subject(request, ctx)
    params = await query_and_form(request)
    names = _scope_names(params.get("scopes"), "scopes", required=True)
    assert names is not None

    def work() -> list[str]:
        with transaction(ctx.sessions) as s:
            link = s.get(Link, (subject.app_id, subject.account_id))
            if link is None:  # unlinked between the credential check and now
                raise errors.NotRegisteredUser()
            agreed: list[str] = json.loads(link.scopes)
            _check_revocable(subject.consent_items, agreed, names)
            remaining = [item for item in agreed if item not in names]
            set_link_scopes(s, link, remaining)
            return remaining

    remaining = await run_in_threadpool(run_with_retry, work)
    return responses.json_response(
        wire.user_scopes(subject.user_id, subject.consent_items, remaining, None)
    )


# --- GET|POST /v2/user/me, GET|POST /v2/app/users --------------------------------------------


def _property_keys(raw: str | None) -> list[str] | None:
    """`property_keys`: a JSON array such as `["kakao_account.email","properties.nickname"]`."""
    if raw is None or not raw.strip():
        return None
    try:
        parsed = json.loads(raw)
    except (ValueError, RecursionError):
        raise errors.InvalidArgument("property_keys must be a JSON array of strings") from None
    if not isinstance(parsed, list) or not all(isinstance(v, str) for v in parsed):
        raise errors.InvalidArgument("property_keys must be a JSON array of strings")
    for key in parsed:
        part, _, name = key.partition(".")
        if part not in ("properties", "kakao_account") or not name:
            raise errors.InvalidArgument(f"property_keys: unknown key {key[:100]!r}")
    return list(parsed)


def _me_body(app: App, link: Link, account: Account, consent_items: dict[str, str],
             keys: list[str] | None) -> dict[str, Any]:
    nickname, image, thumbnail = account_profile(account)
    body = wire.user_me(
        user_id=link.user_id,
        connected_at=_iso(link.connected_at),
        consent_items=consent_items,
        agreed=json.loads(link.scopes),
        nickname=nickname,
        profile_image_url=image,
        thumbnail_url=thumbnail,
        email=account.email,
        email_valid=account.email_valid,
        email_verified=account.email_verified,
        custom_properties=link_properties(app, link),
    )
    return wire.narrowed_user_me(body, keys) if keys is not None else body


def _read_me(ctx: ServerContext, app_id: int, account_ids: list[int],
             keys: list[str] | None) -> list[dict[str, Any]]:
    with ctx.sessions() as s:
        app = s.get(App, app_id)
        if app is None:
            raise errors.token_not_found()
        consent_items: dict[str, str] = json.loads(app.consent_items)
        out: list[dict[str, Any]] = []
        for account_id in account_ids:
            account = s.get(Account, account_id)
            link = s.get(Link, (app_id, account_id))
            if account is not None and link is not None:
                out.append(_me_body(app, link, account, consent_items, keys))
        return out


async def me(request: Request) -> Response:
    ctx = ServerContext.of(request)
    subject = await _subject(request, ctx)
    params = await query_and_form(request)
    keys = _property_keys(params.get("property_keys"))
    found = await run_in_threadpool(_read_me, ctx, subject.app_id, [subject.account_id], keys)
    if not found:
        raise errors.NotRegisteredUser() if _is_admin_key(request) else errors.token_not_found()
    return responses.json_response(found[0])


MAX_APP_USERS = 100


async def app_users(request: Request) -> Response:
    """Admin key: `target_id_type=user_id`, `target_ids` (1 to 100): the users' /v2/user/me
    answers in the order asked (ids of no user of the app left out)."""
    ctx = ServerContext.of(request)
    app = admin_key_app(request, ctx.reads)
    params = await query_and_form(request)
    if params.get("target_id_type") != "user_id":
        raise errors.InvalidArgument("target_id_type must be user_id")
    ids = parse_id_list(params.get("target_ids"), "target_ids", maximum_count=MAX_APP_USERS)
    keys = _property_keys(params.get("property_keys"))

    def accounts_of() -> list[int]:
        with ctx.sessions() as s:
            rows = s.execute(select(Link.user_id, Link.account_id).where(
                Link.app_id == app.app_id, Link.user_id.in_(ids))).all()
        by_user = {user_id: account_id for user_id, account_id in rows}
        return [by_user[i] for i in ids if i in by_user]

    account_ids = await run_in_threadpool(accounts_of)
    found = await run_in_threadpool(_read_me, ctx, app.app_id, account_ids, keys)
    return responses.json_response(found)


# --- GET|POST /v1/user/ids --------------------------------------------------------------------

USER_IDS_PER_MINUTE = 100
MAX_IDS_LIMIT = 100


async def user_ids(request: Request) -> Response:
    """Admin key: the app's user ids in pages (`limit` 1 to 100, `from_id` exclusive, `order`
    asc|desc), at most 100 calls a minute per app (HTTP 429, -10)."""
    ctx = ServerContext.of(request)
    app = admin_key_app(request, ctx.reads)
    params = await query_and_form(request)
    limit = parse_int(params, "limit", default=MAX_IDS_LIMIT, minimum=1, maximum=MAX_IDS_LIMIT)
    assert limit is not None
    from_id = parse_int(params, "from_id", minimum=0, maximum=MAX_USER_ID)
    order = parse_choice(params, "order", ("asc", "desc"), "asc")
    assert order is not None
    app_id = app.app_id

    def counted() -> bool:
        with transaction(ctx.sessions) as s:
            return count_call(s, app_id, "/v1/user/ids", window_seconds=60,
                              limit=USER_IDS_PER_MINUTE)

    if not await run_in_threadpool(run_with_retry, counted):
        raise errors.RateLimited()
    desc = order == "desc"

    def read() -> tuple[list[int], int, list[int]]:
        with ctx.sessions() as s:
            total = s.scalar(select(func.count()).select_from(Link)
                             .where(Link.app_id == app_id)) or 0
            column = Link.user_id
            page = select(column).where(Link.app_id == app_id)
            back = select(column).where(Link.app_id == app_id)
            if from_id is not None:
                page = page.where(column < from_id if desc else column > from_id)
                back = back.where(column >= from_id if desc else column <= from_id)
            else:
                back = back.where(false())
            page = page.order_by(column.asc() if not desc else column.desc()).limit(limit + 1)
            # the ids before this page, nearest first: the previous page and where it starts
            back = back.order_by(column.asc() if desc else column.desc()).limit(limit + 1)
            return list(s.scalars(page)), int(total), list(s.scalars(back))

    found, total, before = await run_in_threadpool(read)
    elements = found[:limit]
    base = ctx.api_base_url(request) + "/v1/user/ids"
    after_url = (
        f"{base}?{urlencode({'limit': limit, 'order': order, 'from_id': elements[-1]})}"
        if len(found) > limit else None
    )
    before_url = None
    if before:
        query: dict[str, Any] = {"limit": limit, "order": order}
        if len(before) > limit:
            query["from_id"] = before[limit]
        before_url = f"{base}?{urlencode(query)}"
    return responses.json_response(wire.user_ids_page(elements, total, before_url, after_url))


# --- POST /v1/user/update_profile -------------------------------------------------------------

MAX_PROPERTY_VALUE = 2000


def _properties(raw: str | None) -> dict[str, str]:
    if raw is None or not raw.strip():
        raise errors.InvalidArgument("properties is required")
    try:
        parsed = json.loads(raw)
    except (ValueError, RecursionError):
        raise errors.InvalidArgument("properties must be a JSON object") from None
    if not isinstance(parsed, dict) or not parsed:
        raise errors.InvalidArgument("properties must be a non-empty JSON object")
    out: dict[str, str] = {}
    for key, value in parsed.items():
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise errors.InvalidArgument(f"properties.{key[:100]}: must be a string")
        text = value if isinstance(value, str) else json.dumps(value)
        if len(text) > MAX_PROPERTY_VALUE or "\x00" in text:
            raise errors.InvalidArgument(f"properties.{key[:100]}: too long or not text")
        out[key] = text
    return out


async def update_profile(request: Request) -> Response:
    """Bearer: stores the user's custom properties; an undeclared key: -201."""
    ctx = ServerContext.of(request)
    owner = await bearer_token_owner(request, ctx.reads)
    params = await query_and_form(request)
    changes = _properties(params.get("properties"))

    def work() -> None:
        with transaction(ctx.sessions) as s:
            app = s.get(App, owner.app_id)
            link = s.get(Link, (owner.app_id, owner.account_id))
            if app is None or link is None:
                raise errors.token_not_found()
            declared = json.loads(app.user_properties or "[]")
            for key in changes:
                if key not in declared:
                    raise errors.UserPropertyNotFound(f"user property not found ([{key}])")
            merge_properties(s, link, changes)

    await run_in_threadpool(run_with_retry, work)
    return responses.json_response({"id": owner.user_id})
