"""The three Talk Social APIs (docs/reference/talk-profile.md, docs/reference/friends.md, docs/reference/profiles.md): parse, apply the domain rules, serialise.

Checks run in the order of docs/reference/errors.md#check-order: credential, the app's consent items (-3), the user's scopes
(-402), Talk user (-501), parameters (-2).
"""

from __future__ import annotations

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response

from talksocial.api import wire
from talksocial.api.auth import (
    admin_key_app,
    bearer_token_owner,
    checked_token_owner,
    presented_bearer_token,
)
from talksocial.api.params import parse_choice, parse_id_list, parse_int
from talksocial.domain import errors
from talksocial.domain.collation import lang_from_ka_header
from talksocial.domain.consent import FRIENDS, app_uses_profile, visible_fields
from talksocial.domain.friends import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MAX_OFFSET,
    PageQuery,
    page_urls,
)
from talksocial.domain.secrets import sha256_hex
from talksocial.web import responses
from talksocial.web.context import ServerContext
from talksocial.web.forms import query_and_form, query_params

MAX_TARGETS = 100


def _profile_items_disabled() -> errors.AppConsentNotEnabled:
    return errors.AppConsentNotEnabled(
        "App disabled [profile_nickname, profile_image] scopes for [TALK_PROFILE] API on "
        "developers.kakao.com. Enable it first."
    )


async def talk_profile(request: Request) -> Response:
    ctx = ServerContext.of(request)
    owner = await bearer_token_owner(request, ctx.reads)
    if not app_uses_profile(owner.consent_items):
        raise _profile_items_disabled()
    if not owner.talk_user:
        raise errors.NotTalkUser(errors.MSG_NOT_TALK_USER_PROFILE)
    body = wire.talk_profile(
        owner.user_id,
        visible_fields(owner.scopes),
        owner.nickname,
        owner.profile_image_url,
        owner.thumbnail_url,
    )
    return responses.json_response(body)


async def talk_friends(request: Request) -> Response:
    ctx = ServerContext.of(request)
    token = await presented_bearer_token(request)
    # The parameters are read first because the page is read with the token, in one statement
    # (one state of the database: the page agrees with its total_count/favorite_count); a bad
    # one is answered after the credential and consent checks all the same.
    try:
        query, bad_parameter = _page_query(query_params(request)), None
    except errors.InvalidArgument as exc:
        query, bad_parameter = DEFAULT_PAGE, exc
    lang = lang_from_ka_header(request.headers.get("ka"))
    page = ctx.reads.friends_page(sha256_hex(token), lang, query)
    owner = checked_token_owner(request, page.owner if page is not None else None)
    if FRIENDS not in owner.consent_items:
        raise errors.AppConsentNotEnabled(
            "App disabled [friends] scopes for [FRIENDS] API on developers.kakao.com. "
            "Enable it first."
        )
    if FRIENDS not in owner.scopes:
        raise errors.InsufficientScopes(
            api_type="FRIENDS", required_scopes=[FRIENDS], allowed_scopes=list(owner.scopes)
        )
    if not owner.talk_user:
        raise errors.NotTalkUser(errors.MSG_NOT_TALK_USER_FRIENDS)
    if bad_parameter is not None:
        raise bad_parameter
    assert page is not None
    before_url, after_url = page_urls(ctx.api_base_url(request), query, owner.total_count)
    body = wire.friends_page_json(
        page.elements, owner.total_count, owner.favorite_count, before_url, after_url
    )
    return responses.json_response(body)


#: The page of a request without paging parameters (Kakao's defaults).
DEFAULT_PAGE = PageQuery(
    offset=0, limit=DEFAULT_LIMIT, order="asc", friend_order="favorite", friend_order_sent=False
)


def _page_query(params: QueryParams) -> PageQuery:
    offset = parse_int(params, "offset", default=0, minimum=0, maximum=MAX_OFFSET)
    limit = parse_int(params, "limit", default=DEFAULT_LIMIT, minimum=1, maximum=MAX_LIMIT)
    order = parse_choice(params, "order", ("asc", "desc"), "asc")
    friend_order = parse_choice(params, "friend_order", ("favorite", "nickname"), "favorite")
    assert offset is not None and limit is not None
    return PageQuery(
        offset=offset,
        limit=limit,
        order="desc" if order == "desc" else "asc",
        friend_order="nickname" if friend_order == "nickname" else "favorite",
        friend_order_sent="friend_order" in params,
    )


async def talk_profiles(request: Request) -> Response:
    ctx = ServerContext.of(request)
    app = admin_key_app(request, ctx.reads)
    if not app_uses_profile(app.consent_items):
        raise _profile_items_disabled()
    params = await query_and_form(request)
    target_ids = parse_id_list(params.get("target_ids"), "target_ids", maximum_count=MAX_TARGETS)
    if params.get("target_id_type") != "user_id":
        raise errors.InvalidArgument("target_id_type must be user_id")
    viewer_id = parse_int(params, "viewer_id", minimum=1, maximum=2**63 - 1)
    if "viewer_id_type" in params and params["viewer_id_type"] != "user_id":
        raise errors.InvalidArgument("viewer_id_type must be user_id")

    wanted = list(target_ids) + ([viewer_id] if viewer_id is not None else [])
    # The targets, the viewer and the multi-profiles shown to the viewer: one statement, so
    # one state of the database.
    linked = ctx.reads.profiles(app.app_id, wanted, viewer_id)
    viewer = linked[viewer_id].profile if viewer_id is not None and viewer_id in linked else None
    if viewer_id is not None and viewer is None:
        raise errors.NotRegisteredUser()
    if any(target not in linked for target in target_ids):
        raise errors.InvalidArgument(errors.MSG_UNREGISTERED_TARGET)
    targets = []
    for target_id in target_ids:
        profile, shown = linked[target_id]
        # (A multi-profile is only ever read for a viewer: the statement joins on its account.)
        nickname, image, thumbnail = (
            shown
            if shown is not None
            else (profile.nickname, profile.profile_image_url, profile.thumbnail_url)
        )
        targets.append(
            wire.talk_profile_info(
                profile.user_id,
                visible_fields(profile.scopes) if profile.talk_user else None,
                nickname,
                image,
                thumbnail,
            )
        )
    body: dict[str, object] = {}
    if viewer is not None:
        body["viewer"] = wire.talk_profile_info(
            viewer.user_id,
            visible_fields(viewer.scopes) if viewer.talk_user else None,
            viewer.nickname,
            viewer.profile_image_url,
            viewer.thumbnail_url,
        )
    body["targets"] = targets
    return responses.json_response(body)
