"""Small helpers to declare seed worlds (docs/reference/seed-format.md) and to check Kakao-style answers.

The worlds built here are plain seed documents, loaded as `talksocial serve --seed` loads them
(`serve` below: an in-process server, tests/support/inprocess.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.inprocess import serving
from tests.support.server import Server

JSON_CT = "application/json;charset=UTF-8"
IMG = "https://img.example/"

SPLIT_ALL = {"profile_nickname": "optional", "profile_image": "optional", "friends": "optional"}
LEGACY_ALL = {"profile": "optional", "friends": "optional"}
LISTABLE = ["profile_nickname", "profile_image", "friends"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def kakao_ak(key: str) -> dict[str, str]:
    return {"Authorization": f"KakaoAK {key}"}


def app(app_id: int, items: dict[str, str] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "id": app_id,
        "name": f"app {app_id}",
        "rest_api_key": f"rk-{app_id}",
        "admin_key": f"ak-{app_id}",
        "redirect_uris": ["http://localhost:3000/callback"],
        "consent_items": dict(SPLIT_ALL if items is None else items),
        **extra,
    }


def account(
    key: str,
    nickname: str | None = None,
    *,
    images: bool = True,
    friends: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    profile: dict[str, Any] = {"nickname": nickname if nickname is not None else key}
    if images:
        profile["profile_image_url"] = f"{IMG}{key}_640.jpg"
        profile["thumbnail_url"] = f"{IMG}{key}_110.jpg"
    out: dict[str, Any] = {"key": key, "profile": profile, **extra}
    if friends is not None:
        out["friends"] = friends
    return out


def friend(key: str, **flags: Any) -> dict[str, Any]:
    return {"account": key, **flags}


def link(
    app_id: int, key: str, user_id: int, scopes: list[str] | None = None, uuid: str | None = None
) -> dict[str, Any]:
    return {
        "app": app_id,
        "account": key,
        "user_id": user_id,
        "uuid": uuid if uuid is not None else f"uuid-{key}-{app_id}",
        "scopes": list(LISTABLE if scopes is None else scopes),
    }


def token(app_id: int, key: str, access_token: str, expires_in: int = 86400) -> dict[str, Any]:
    return {"app": app_id, "account": key, "access_token": access_token, "expires_in": expires_in}


def world(
    apps: list[dict[str, Any]],
    accounts: list[dict[str, Any]],
    links: list[dict[str, Any]],
    tokens: list[dict[str, Any]],
) -> dict[str, Any]:
    return {"apps": apps, "accounts": accounts, "links": links, "tokens": tokens}


def serve(
    tmp_path_factory: pytest.TempPathFactory, seed: dict[str, Any], name: str = "world"
) -> Iterator[Server]:
    """Body of a module-scoped fixture: one read-only in-process server over `seed`."""
    with serving(tmp_path_factory.mktemp(name), seed=seed) as server:
        yield server


def expect(response: httpx.Response, status: int, body: Any | None = None) -> Any:
    """Asserts the HTTP status, Kakao's exact JSON content type and (when given) the exact
    body; returns the parsed body."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"] == JSON_CT
    parsed = response.json()
    if body is not None:
        assert parsed == body
    return parsed


def expect_error(response: httpx.Response, status: int, code: int) -> dict[str, Any]:
    """A Kakao error with this status and code and a non-empty `msg`."""
    parsed = expect(response, status)
    assert isinstance(parsed, dict)
    assert parsed["code"] == code, parsed
    assert isinstance(parsed["msg"], str) and parsed["msg"], parsed
    return parsed


NO_AUTH = {"msg": "no authentication key!", "code": -401}
TOKEN_NOT_FOUND = {"msg": "this access token does not exist", "code": -401}
TOKEN_EXPIRED = {
    "msg": "this access token is already expired",
    "code": -401,
    "reason": "ACCESS_TOKEN_EXPIRED",
}
INVALID_APP_KEY = {"msg": "invalid app key.", "code": -401}
NOT_TALK_PROFILE = {"msg": "given account is not connected to any talk user.", "code": -501}
NOT_TALK_FRIENDS = {"msg": "NotExistTalkUserException", "code": -501}
NOT_REGISTERED = {"msg": "NotRegisteredUserException", "code": -101}
UNREGISTERED_TARGET = {
    "msg": "invalid target_ids. can get the profile only to registered users.",
    "code": -2,
}
