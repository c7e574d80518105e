"""Kakao's names on the wire: paths, parameters and fields. This is the only module of the client
that spells them (docs/reference/wire.md: the Talk profile is camelCase with `...URL`, everything else
snake_case; null and omitted fields are the same thing).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from talksocial.client import _exceptions as exc
from talksocial.client import _models as m

# Hosts' paths (docs/reference/).
TALK_PROFILE = "/v1/api/talk/profile"
TALK_FRIENDS = "/v1/api/talk/friends"
TALK_PROFILES = "/v2/api/talk/profiles"
AUTHORIZE = "/oauth/authorize"
OAUTH_LOGOUT = "/oauth/logout"
TOKEN = "/oauth/token"
ACCESS_TOKEN_INFO = "/v1/user/access_token_info"
LOGOUT = "/v1/user/logout"
UNLINK = "/v1/user/unlink"
SCOPES = "/v2/user/scopes"
REVOKE_SCOPES = "/v2/user/revoke/scopes"
ME = "/v2/user/me"
APP_USERS = "/v2/app/users"
USER_IDS = "/v1/user/ids"
UPDATE_PROFILE = "/v1/user/update_profile"
MEMO_DEFAULT = "/v2/api/talk/memo/default/send"
MEMO_CUSTOM = "/v2/api/talk/memo/send"
MEMO_SCRAP = "/v2/api/talk/memo/scrap/send"
MESSAGE_DEFAULT = "/v1/api/talk/friends/message/default/send"
MESSAGE_CUSTOM = "/v1/api/talk/friends/message/send"
MESSAGE_SCRAP = "/v1/api/talk/friends/message/scrap/send"

EXPIRED_REASON = "ACCESS_TOKEN_EXPIRED"

Params = dict[str, str]


def _json_array(values: Sequence[Any]) -> str:
    return json.dumps(list(values), separators=(",", ":"))


# ---- requests ---------------------------------------------------------------------------------


def bearer_headers(access_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token}"}


def admin_key_headers(admin_key: str) -> dict[str, str]:
    return {"Authorization": f"KakaoAK {admin_key}"}


def ka_headers(sdk_version: str, lang: str | None) -> dict[str, str]:
    """The `KA` header of the official SDKs; its `lang/` token picks the friends order (docs/reference/friends.md)."""
    value = f"sdk/talksocial-python-{sdk_version}"
    if lang:
        value += f" lang/{lang}"
    return {"KA": value}


def friends_params(
    offset: int | None, limit: int | None, order: str | None, friend_order: str | None
) -> Params:
    given = {"offset": offset, "limit": limit, "order": order, "friend_order": friend_order}
    return {name: str(value) for name, value in given.items() if value is not None}


def talk_profiles_form(target_ids: Sequence[int], viewer_id: int | None) -> Params:
    # The seed's sample: a form body with target_ids as a JSON array.
    form: Params = {}
    if viewer_id is not None:
        form.update(viewer_id=str(viewer_id), viewer_id_type="user_id")
    form.update(target_ids=_json_array(target_ids), target_id_type="user_id")
    return form


def authorize_params(
    *,
    client_id: str,
    redirect_uri: str,
    state: str,
    scope: Sequence[str] | None,
    prompt: Sequence[str] | None,
    code_challenge: str | None,
    nonce: str | None,
    login_hint: str | None = None,
) -> Params:
    params: Params = {
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "state": state,
    }
    if scope:
        params["scope"] = ",".join(scope)
    if prompt:
        params["prompt"] = ",".join(prompt)
    if code_challenge is not None:
        params.update(code_challenge=code_challenge, code_challenge_method="S256")
    if nonce is not None:
        params["nonce"] = nonce
    if login_hint is not None:
        params["login_hint"] = login_hint
    return params


def _client_form(client_id: str, client_secret: str | None) -> Params:
    form: Params = {"client_id": client_id}
    if client_secret is not None:
        form["client_secret"] = client_secret
    return form


def code_grant_form(
    *,
    client_id: str,
    client_secret: str | None,
    code: str,
    redirect_uri: str,
    code_verifier: str | None,
) -> Params:
    form: Params = {"grant_type": "authorization_code", **_client_form(client_id, client_secret)}
    form.update(redirect_uri=redirect_uri, code=code)
    if code_verifier is not None:
        form["code_verifier"] = code_verifier
    return form


def refresh_grant_form(*, client_id: str, client_secret: str | None, refresh_token: str) -> Params:
    form: Params = {"grant_type": "refresh_token", **_client_form(client_id, client_secret)}
    form["refresh_token"] = refresh_token
    return form


def unlink_form(target_id: int) -> Params:
    return {"target_id_type": "user_id", "target_id": str(target_id)}


def target_form(target_id: int | None) -> Params:
    """An admin-key request's target user (none: the token's user)."""
    return {} if target_id is None else unlink_form(target_id)


def app_users_form(target_ids: Sequence[int], property_keys: Sequence[str] | None) -> Params:
    return {"target_id_type": "user_id", "target_ids": _json_array(list(target_ids)),
            **me_params(property_keys)}


def user_ids_params(limit: int | None, from_id: int | None, order: str | None) -> Params:
    params: Params = {}
    if limit is not None:
        params["limit"] = str(limit)
    if from_id is not None:
        params["from_id"] = str(from_id)
    if order is not None:
        params["order"] = order
    return params


def update_profile_form(properties: Mapping[str, str]) -> Params:
    return {"properties": json.dumps(dict(properties), ensure_ascii=False, separators=(",", ":"))}


def scopes_params(scopes: Sequence[str] | None) -> Params:
    return {} if scopes is None else {"scopes": _json_array(scopes)}


def me_params(property_keys: Sequence[str] | None) -> Params:
    return {} if property_keys is None else {"property_keys": _json_array(property_keys)}


# ---- answers ----------------------------------------------------------------------------------


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return None
    return None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _strs(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(v for v in value if isinstance(v, str))


def _datetime(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


_T = TypeVar("_T")
Fields = Mapping[str, tuple[str, Callable[[Any], Any]]]


def _build(cls: Callable[..., _T], body: Any, fields: Fields, **given: Any) -> _T:
    """`cls` from the JSON object `body`: each wire name of `fields` becomes its Python name
    through its converter (None when absent or null); the rest goes to `extra`."""
    if not isinstance(body, dict):
        body = {}
    kwargs: dict[str, Any] = dict(given)
    extra: dict[str, Any] = {}
    for key, value in body.items():
        if key in fields:
            name, convert = fields[key]
            kwargs[name] = None if value is None else convert(value)
        elif key not in given:
            extra[key] = value
    for name, _ in fields.values():
        kwargs.setdefault(name, None)
    return cls(**kwargs, extra=extra)


_TALK_PROFILE: Fields = {
    "id": ("id", _int),
    "nickName": ("nickname", _str),
    "profileImageURL": ("profile_image_url", _str),
    "thumbnailURL": ("thumbnail_url", _str),
}


def talk_profile(body: Any) -> m.TalkProfile:
    return _build(m.TalkProfile, body, _TALK_PROFILE)


_FRIEND: Fields = {
    "id": ("id", _int),
    "uuid": ("uuid", _str),
    "profile_nickname": ("nickname", _str),
    "profile_thumbnail_image": ("thumbnail_url", _str),
    "favorite": ("favorite", _bool),
}

_FRIENDS: Fields = {
    "total_count": ("total_count", _int),
    "favorite_count": ("favorite_count", _int),
    "before_url": ("before_url", _str),
    "after_url": ("after_url", _str),
}


def friends(body: Any) -> m.Friends:
    raw = body.get("elements") if isinstance(body, dict) else None
    elements = tuple(_build(m.Friend, e, _FRIEND) for e in raw or () if isinstance(e, dict))
    return _build(m.Friends, body, _FRIENDS, elements=elements)


_PROFILE_INFO: Fields = {
    "user_id": ("user_id", _int),
    "nickname": ("nickname", _str),
    "profile_image_url": ("profile_image_url", _str),
    "thumbnail_image_url": ("thumbnail_url", _str),
}


def talk_profiles(body: Any) -> m.TalkProfiles:
    if not isinstance(body, dict):
        body = {}
    viewer = body.get("viewer")
    targets = body.get("targets")
    return _build(
        m.TalkProfiles,
        body,
        {},
        viewer=_build(m.ProfileInfo, viewer, _PROFILE_INFO) if isinstance(viewer, dict) else None,
        targets=tuple(
            _build(m.ProfileInfo, t, _PROFILE_INFO) for t in targets or () if isinstance(t, dict)
        ),
    )


_OAUTH_TOKEN: Fields = {
    "access_token": ("access_token", _str),
    "token_type": ("token_type", _str),
    "expires_in": ("expires_in", _int),
    "refresh_token": ("refresh_token", _str),
    "refresh_token_expires_in": ("refresh_token_expires_in", _int),
    "scope": ("scope", _str),
    "id_token": ("id_token", _str),
}


def oauth_token(body: Any) -> m.OAuthToken:
    token = _build(m.OAuthToken, body, _OAUTH_TOKEN)
    if not token.access_token:
        raise exc.UnexpectedResponseError(
            "token answer without an access token", http_status=200, text=str(body)[:200]
        )
    return token


_ACCESS_TOKEN_INFO: Fields = {
    "id": ("id", _int),
    "expires_in": ("expires_in", _int),
    "app_id": ("app_id", _int),
}


def access_token_info(body: Any) -> m.AccessTokenInfo:
    return _build(m.AccessTokenInfo, body, _ACCESS_TOKEN_INFO)


def user_id(body: Any) -> int | None:
    """`{"id": N}` of logout and unlink."""
    return _int(body.get("id")) if isinstance(body, dict) else None


_SCOPE: Fields = {
    "id": ("id", _str),
    "display_name": ("display_name", _str),
    "type": ("type", _str),
    "using": ("using", _bool),
    "agreed": ("agreed", _bool),
    "revocable": ("revocable", _bool),
}


def scope_info(body: Any) -> m.ScopeInfo:
    raw = body.get("scopes") if isinstance(body, dict) else None
    scopes = tuple(_build(m.Scope, s, _SCOPE) for s in raw or () if isinstance(s, dict))
    return _build(m.ScopeInfo, body, {"id": ("id", _int)}, scopes=scopes)


_USER_PROFILE: Fields = {
    "nickname": ("nickname", _str),
    "profile_image_url": ("profile_image_url", _str),
    "thumbnail_image_url": ("thumbnail_image_url", _str),
    "is_default_image": ("is_default_image", _bool),
    "is_default_nickname": ("is_default_nickname", _bool),
}

_KAKAO_ACCOUNT: Fields = {
    "profile_needs_agreement": ("profile_needs_agreement", _bool),
    "profile_nickname_needs_agreement": ("profile_nickname_needs_agreement", _bool),
    "profile_image_needs_agreement": ("profile_image_needs_agreement", _bool),
    "email": ("email", _str),
    "email_needs_agreement": ("email_needs_agreement", _bool),
    "is_email_valid": ("is_email_valid", _bool),
    "is_email_verified": ("is_email_verified", _bool),
}

_USER: Fields = {"id": ("id", _int), "connected_at": ("connected_at", _datetime)}


def user(body: Any) -> m.User:
    if not isinstance(body, dict):
        body = {}
    account = body.get("kakao_account")
    kakao_account = None
    if isinstance(account, dict):
        profile = account.get("profile")
        kakao_account = _build(
            m.KakaoAccount,
            account,
            _KAKAO_ACCOUNT,
            profile=_build(m.UserProfile, profile, _USER_PROFILE)
            if isinstance(profile, dict)
            else None,
        )
    properties = body.get("properties")
    return _build(
        m.User,
        body,
        _USER,
        kakao_account=kakao_account,
        properties={k: v for k, v in properties.items() if isinstance(v, str)}
        if isinstance(properties, dict)
        else {},
    )


def users(body: Any) -> list[m.User]:
    """`/v2/app/users`: a JSON array of `/v2/user/me` answers."""
    return [user(item) for item in body] if isinstance(body, list) else []


_USER_IDS: Fields = {
    "total_count": ("total_count", _int),
    "before_url": ("before_url", _str),
    "after_url": ("after_url", _str),
}


def user_ids(body: Any) -> m.UserIds:
    if not isinstance(body, dict):
        body = {}
    raw = body.get("elements")
    elements = tuple(i for i in (_int(v) for v in (raw if isinstance(raw, list) else []))
                     if i is not None)
    return _build(m.UserIds, body, _USER_IDS, elements=elements)


# ---- the Talk Message API ----------------------------------------------------------------------


def message_form(
    *,
    template_object: Mapping[str, Any] | None = None,
    template_id: int | None = None,
    template_args: Mapping[str, str] | None = None,
    request_url: str | None = None,
    receiver_uuids: Sequence[str] | None = None,
) -> Params:
    form: Params = {}
    if receiver_uuids is not None:
        form["receiver_uuids"] = json.dumps(list(receiver_uuids), separators=(",", ":"))
    if template_object is not None:
        form["template_object"] = json.dumps(dict(template_object), separators=(",", ":"),
                                             ensure_ascii=False)
    if request_url is not None:
        form["request_url"] = request_url
    if template_id is not None:
        form["template_id"] = str(template_id)
    if template_args is not None:
        form["template_args"] = json.dumps(dict(template_args), separators=(",", ":"),
                                           ensure_ascii=False)
    return form


def message_send_result(body: Any) -> m.MessageSendResult:
    body = body if isinstance(body, dict) else {}
    failures = tuple(
        m.MessageFailure(code=_int(f.get("code")) or 0, msg=_str(f.get("msg")) or "",
                         receiver_uuids=_strs(f.get("receiver_uuids")))
        for f in (body.get("failure_info") or [])
        if isinstance(f, dict)
    )
    return m.MessageSendResult(
        successful_receiver_uuids=_strs(body.get("successful_receiver_uuids")),
        failure_info=failures,
        extra={k: v for k, v in body.items()
               if k not in ("successful_receiver_uuids", "failure_info")},
    )


# ---- errors -----------------------------------------------------------------------------------


def api_error(http_status: int, body: Mapping[str, Any]) -> exc.KakaoApiError:
    """The exception for an API error body `{"msg", "code", ...}` (docs/reference/errors.md)."""
    code = _int(body.get("code"))
    msg = _str(body.get("msg")) or ""
    extra = {k: v for k, v in body.items() if k not in ("msg", "code")}
    cls = exc.API_ERRORS.get(code, exc.KakaoApiError) if code is not None else exc.KakaoApiError
    common: dict[str, Any] = {"code": code if code is not None else 0, "http_status": http_status}
    if cls is exc.InvalidTokenError:
        reason = _str(body.get("reason"))
        token_cls = exc.ExpiredTokenError if reason == EXPIRED_REASON else exc.InvalidTokenError
        return token_cls(msg, **common, extra=extra, reason=reason)
    if cls is exc.InsufficientScopeError:
        return exc.InsufficientScopeError(
            msg,
            **common,
            extra=extra,
            api_type=_str(body.get("api_type")),
            required_scopes=_strs(body.get("required_scopes")),
            allowed_scopes=_strs(body.get("allowed_scopes")),
        )
    return cls(msg, **common, extra=extra)


def auth_error(http_status: int, body: Mapping[str, Any]) -> exc.KakaoAuthError:
    """The exception for a login-server error body `{"error", "error_description",
    "error_code"}` (docs/reference/errors.md)."""
    return exc.KakaoAuthError(
        _str(body.get("error")) or "",
        error_description=_str(body.get("error_description")),
        error_code=_str(body.get("error_code")),
        http_status=http_status,
        extra={
            k: v for k, v in body.items() if k not in ("error", "error_description", "error_code")
        },
    )


def error(http_status: int, body: Any, text: str) -> exc.KakaoError:
    """Whichever error a non-success answer carries."""
    if isinstance(body, dict):
        if "code" in body:
            return api_error(http_status, body)
        if "error" in body:
            return auth_error(http_status, body)
    return exc.UnexpectedResponseError(
        "not a Kakao error answer", http_status=http_status, text=text[:500]
    )
