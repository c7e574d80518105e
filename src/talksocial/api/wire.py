"""Kakao's field names on the wire. This is the only module of the server that spells them.

It is pure (no web framework). A friends element is the one exception: the friend index stores
each friend's element as rendered, so its encoding lives below both, in `storage.elements`, and
is re-exported here. The HTTP response class lives in `web.responses`.

docs/reference/wire.md: null fields are omitted; the Talk profile is camelCase with `...URL`; the friends
elements and /v2 profiles are snake_case.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

import orjson

from talksocial.domain.consent import (
    ACCOUNT_EMAIL,
    ALL_SCOPES,
    DISPLAY_NAMES,
    PROFILE,
    PROFILE_IMAGE,
    PROFILE_NICKNAME,
    VisibleFields,
)
from talksocial.storage.elements import friend_element as friend_element
from talksocial.storage.elements import friend_element_json as friend_element_json


def talk_profile(
    user_id: int,
    visible: VisibleFields,
    nickname: str,
    profile_image_url: str | None,
    thumbnail_url: str | None,
) -> dict[str, Any]:
    """GET /v1/api/talk/profile (docs/reference/talk-profile.md)."""
    body: dict[str, Any] = {"id": user_id}
    if visible.nickname:
        body["nickName"] = nickname
    if visible.image:
        if profile_image_url is not None:
            body["profileImageURL"] = profile_image_url
        if thumbnail_url is not None:
            body["thumbnailURL"] = thumbnail_url
    return body


def friends_page_json(
    elements: bytes,
    total_count: int,
    favorite_count: int,
    before_url: str | None,
    after_url: str | None,
) -> bytes:
    """`orjson.dumps(friends_page(...))`, byte for byte, from the stored element JSON of the
    page, already joined with commas (`storage.reads.FriendsPage.elements`)."""
    rest = friends_page([], total_count, favorite_count, before_url, after_url)
    del rest["elements"]
    return b'{"elements":[' + elements + b"]," + orjson.dumps(rest)[1:]


def friends_page(
    elements: Sequence[dict[str, Any]],
    total_count: int,
    favorite_count: int,
    before_url: str | None,
    after_url: str | None,
) -> dict[str, Any]:
    """GET /v1/api/talk/friends (docs/reference/friends.md)."""
    body: dict[str, Any] = {
        "elements": elements if isinstance(elements, list) else list(elements),
        "total_count": total_count,
    }
    if before_url is not None:
        body["before_url"] = before_url
    if after_url is not None:
        body["after_url"] = after_url
    body["favorite_count"] = favorite_count
    return body


def talk_profile_info(
    user_id: int,
    visible: VisibleFields | None,
    nickname: str | None,
    profile_image_url: str | None,
    thumbnail_url: str | None,
) -> dict[str, Any]:
    """One TalkProfileInfo of /v2/api/talk/profiles (docs/reference/profiles.md); `visible` None: `user_id` alone."""
    body: dict[str, Any] = {"user_id": user_id}
    if visible is None:
        return body
    if visible.nickname and nickname is not None:
        body["nickname"] = nickname
    if visible.image:
        if profile_image_url is not None:
            body["profile_image_url"] = profile_image_url
        if thumbnail_url is not None:
            body["thumbnail_image_url"] = thumbnail_url
    return body


def user_scopes(
    user_id: int,
    consent_items: Mapping[str, str],
    agreed: Collection[str],
    only: Collection[str] | None,
) -> dict[str, Any]:
    """GET /v2/user/scopes and POST /v2/user/revoke/scopes (docs/reference/kakao-login.md): one entry per item the
    app uses; `revocable` only on agreed items (an optional one can be revoked)."""
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


def user_me(
    *,
    user_id: int,
    connected_at: str,
    consent_items: Mapping[str, str],
    agreed: Collection[str],
    nickname: str,
    profile_image_url: str | None,
    thumbnail_url: str | None,
    email: str | None,
    email_valid: bool = True,
    email_verified: bool = True,
    custom_properties: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """GET /v2/user/me (docs/reference/kakao-login.md): the Kakao Account's own profile, each part only with its
    consent item; `*_needs_agreement` where the item is used but not agreed (an app on the
    legacy `profile` item gets `profile_needs_agreement` instead of the two split keys)."""
    legacy = PROFILE in consent_items
    nickname_ok = PROFILE in agreed or PROFILE_NICKNAME in agreed
    image_ok = PROFILE in agreed or PROFILE_IMAGE in agreed

    properties: dict[str, Any] = {}
    profile: dict[str, Any] = {}
    if nickname_ok:
        properties["nickname"] = nickname
        profile["nickname"] = nickname
        profile["is_default_nickname"] = not nickname
    if image_ok:
        if profile_image_url is not None:
            properties["profile_image"] = profile_image_url
            profile["profile_image_url"] = profile_image_url
        if thumbnail_url is not None:
            properties["thumbnail_image"] = thumbnail_url
            profile["thumbnail_image_url"] = thumbnail_url
        profile["is_default_image"] = profile_image_url is None

    kakao_account: dict[str, Any] = {}
    if legacy:
        kakao_account["profile_needs_agreement"] = PROFILE not in agreed
    else:
        if PROFILE_NICKNAME in consent_items:
            kakao_account["profile_nickname_needs_agreement"] = PROFILE_NICKNAME not in agreed
        if PROFILE_IMAGE in consent_items:
            kakao_account["profile_image_needs_agreement"] = PROFILE_IMAGE not in agreed
    if profile:
        kakao_account["profile"] = profile
    if ACCOUNT_EMAIL in consent_items:
        kakao_account["email_needs_agreement"] = ACCOUNT_EMAIL not in agreed
        if ACCOUNT_EMAIL in agreed and email is not None:
            kakao_account["is_email_valid"] = email_valid
            kakao_account["is_email_verified"] = email_verified
            kakao_account["email"] = email

    properties.update(custom_properties or {})
    body: dict[str, Any] = {"id": user_id, "connected_at": connected_at}
    if properties:
        body["properties"] = properties
    body["kakao_account"] = kakao_account
    return body


def narrowed_user_me(body: Mapping[str, Any], keys: Collection[str]) -> dict[str, Any]:
    """`property_keys`: `id` and `connected_at`, and only the parts named, such as
    `properties.nickname` or `kakao_account.email` (which brings its `email_*` and
    `is_email_*` companions; `kakao_account.profile` brings `profile_*_needs_agreement`)."""
    out: dict[str, Any] = {"id": body["id"], "connected_at": body["connected_at"]}
    props = {name for part, _, name in (k.partition(".") for k in keys) if part == "properties"}
    account = {name for part, _, name in (k.partition(".") for k in keys)
               if part == "kakao_account"}
    kept_props = {k: v for k, v in body.get("properties", {}).items() if k in props}
    if kept_props:
        out["properties"] = kept_props

    def wanted(field: str) -> bool:
        return any(field == n or field.startswith(n + "_") or field in
                   (f"is_{n}_valid", f"is_{n}_verified") for n in account)

    out["kakao_account"] = {k: v for k, v in body.get("kakao_account", {}).items() if wanted(k)}
    return out


def user_ids_page(elements: Sequence[int], total_count: int, before_url: str | None,
                  after_url: str | None) -> dict[str, Any]:
    """GET|POST /v1/user/ids (docs/reference/kakao-login.md#user-ids)."""
    body: dict[str, Any] = {"elements": list(elements), "total_count": total_count}
    if before_url is not None:
        body["before_url"] = before_url
    if after_url is not None:
        body["after_url"] = after_url
    return body


# --- the Talk Message API (docs/reference/messages.md) ------------------------------------------


def message_sent() -> dict[str, Any]:
    """A "to me" send."""
    return {"result_code": 0}


def friends_message_result(
    delivered: Sequence[str], failures: Sequence[tuple[int, str, Sequence[str]]]
) -> dict[str, Any]:
    """A send to friends with at least one receiver reached: the uuids reached and, when some
    were not, one `failure_info` entry per code."""
    body: dict[str, Any] = {"successful_receiver_uuids": list(delivered)}
    if failures:
        body["failure_info"] = [
            {"code": code, "msg": msg, "receiver_uuids": list(uuids)}
            for code, msg, uuids in failures
        ]
    return body


def oidc_userinfo(
    *,
    user_id: int,
    agreed: Collection[str],
    nickname: str,
    thumbnail_url: str | None,
    email: str | None,
    email_valid: bool,
    email_verified: bool,
) -> dict[str, Any]:
    """GET|POST /v1/oidc/userinfo: `sub` and, by consent, `nickname`, `picture` (the 110 px
    thumbnail, as in the id_token), `email` (when valid) with `email_verified`."""
    body: dict[str, Any] = {"sub": str(user_id)}
    if PROFILE in agreed or PROFILE_NICKNAME in agreed:
        body["nickname"] = nickname
    if (PROFILE in agreed or PROFILE_IMAGE in agreed) and thumbnail_url is not None:
        body["picture"] = thumbnail_url
    if ACCOUNT_EMAIL in agreed and email is not None and email_valid:
        body["email"] = email
        body["email_verified"] = email_verified
    return body
