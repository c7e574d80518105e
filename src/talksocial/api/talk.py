"""The three Talk Social APIs (docs/reference/talk-profile.md, docs/reference/friends.md, docs/reference/profiles.md): parse, apply the domain rules, serialise.

Checks run in the order of docs/reference/errors.md#check-order: credential, the app's consent items (-3), the user's scopes
(-402), Talk user (-501), parameters (-2).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from talksocial.api import wire
from talksocial.api.auth import (
    admin_key_app,
    bearer_token_owner,
    presented_bearer_token,
    token_owner,
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
    plan_page,
)
from talksocial.web import responses
from talksocial.web.context import ServerContext
from talksocial.web.forms import query_and_form

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
    # The counts (read with the token) and the page are read in one snapshot: a write
    # committing in between cannot tear the page from its total_count/favorite_count.
    token = await presented_bearer_token(request)
    with ctx.reads.snapshot():
        return _talk_friends(request, ctx, token)


def _talk_friends(request: Request, ctx: ServerContext, token: str) -> Response:
    owner = token_owner(request, ctx.reads, token)
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
    params = request.query_params
    offset = parse_int(params, "offset", default=0, minimum=0, maximum=MAX_OFFSET)
    limit = parse_int(params, "limit", default=DEFAULT_LIMIT, minimum=1, maximum=MAX_LIMIT)
    order = parse_choice(params, "order", ("asc", "desc"), "asc")
    friend_order = parse_choice(params, "friend_order", ("favorite", "nickname"), "favorite")
    assert offset is not None and limit is not None
    query = PageQuery(
        offset=offset,
        limit=limit,
        order="desc" if order == "desc" else "asc",
        friend_order="nickname" if friend_order == "nickname" else "favorite",
        friend_order_sent="friend_order" in params,
    )
    lang = lang_from_ka_header(request.headers.get("ka"))
    slices = plan_page(query, owner.total_count, owner.favorite_count)
    elements = ctx.reads.friends_page(owner.app_id, owner.account_id, lang, query, slices)
    before_url, after_url = page_urls(ctx.api_base_url(request), query, owner.total_count)
    body = wire.friends_page_json(
        elements, owner.total_count, owner.favorite_count, before_url, after_url
    )
    return responses.json_response(body)


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
    # The profiles and the multi-profiles shown to the viewer come from one state of the
    # database (no await inside: the worker's read connection is not shared meanwhile).
    with ctx.reads.snapshot():
        linked = ctx.reads.linked_profiles(app.app_id, wanted)
        viewer = linked.get(viewer_id) if viewer_id is not None else None
        if viewer_id is not None and viewer is None:
            raise errors.NotRegisteredUser()
        if any(target not in linked for target in target_ids):
            raise errors.InvalidArgument(errors.MSG_UNREGISTERED_TARGET)
        shown = (
            ctx.reads.multi_profiles_shown_to(
                viewer.account_id, [linked[t].account_id for t in target_ids]
            )
            if viewer is not None
            else {}
        )
    targets = []
    for target_id in target_ids:
        profile = linked[target_id]
        nickname, image, thumbnail = shown.get(
            profile.account_id,
            (profile.nickname, profile.profile_image_url, profile.thumbnail_url),
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
