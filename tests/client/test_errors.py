"""Every error class, raised from a real server's answer (docs/reference/errors.md), sync and async."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from talksocial.client import (
    AppConsentDisabledError,
    AsyncKakaoClient,
    ExpiredTokenError,
    InsufficientScopeError,
    InternalServerError,
    InvalidArgumentError,
    InvalidTokenError,
    KakaoApiError,
    KakaoAuthError,
    KakaoClient,
    KakaoError,
    NotRegisteredUserError,
    NotTalkUserError,
    QuotaExceededError,
    UnexpectedResponseError,
    _wire,
)
from tests.support.kakao_world import InProcessKakaoWorld


@dataclass(frozen=True)
class Case:
    credentials: dict[str, str]
    call: Callable[[Any], Any]  # the same lambda works on either twin: it returns the awaitable
    error: type[KakaoApiError]
    code: int
    http_status: int
    msg: str
    extra: dict[str, Any]


CASES = {
    "unknown token": Case(
        {"access_token": "no-such-token"}, lambda c: c.friends(), InvalidTokenError, -401, 401,
        "this access token does not exist", {},
    ),
    "expired token": Case(
        {"access_token": "demo-token-expired"}, lambda c: c.talk_profile(), ExpiredTokenError,
        -401, 401, "this access token is already expired", {"reason": "ACCESS_TOKEN_EXPIRED"},
    ),
    "bad admin key": Case(
        {"admin_key": "not-the-admin-key"}, lambda c: c.talk_profiles([9876]), InvalidTokenError,
        -401, 401, "invalid app key.", {},
    ),
    "user token as admin key": Case(
        {"admin_key": "demo-access-token"}, lambda c: c.talk_profiles([9876]), InvalidTokenError,
        -401, 401, "invalid app key.", {},
    ),
    "app without friends item": Case(
        {"access_token": "demo-token-ryan-full"}, lambda c: c.friends(), AppConsentDisabledError,
        -3, 403,
        "App disabled [friends] scopes for [FRIENDS] API on developers.kakao.com. Enable it first.",
        {},
    ),
    "no friends consent": Case(
        {"access_token": "demo-token-no-friends-consent"}, lambda c: c.friends(),
        InsufficientScopeError, -402, 403, "insufficient scopes.",
        {"api_type": "FRIENDS", "required_scopes": ["friends"],
         "allowed_scopes": ["profile_nickname", "profile_image"]},
    ),
    "not a talk user, profile": Case(
        {"access_token": "demo-token-not-talk"}, lambda c: c.talk_profile(), NotTalkUserError,
        -501, 400, "given account is not connected to any talk user.", {},
    ),
    "not a talk user, friends": Case(
        {"access_token": "demo-token-not-talk"}, lambda c: c.friends(), NotTalkUserError,
        -501, 400, "NotExistTalkUserException", {},
    ),
    "limit out of range": Case(
        {"access_token": "demo-access-token"}, lambda c: c.friends(limit=101),
        InvalidArgumentError, -2, 400, "", {},
    ),
    "bad order": Case(
        {"access_token": "demo-access-token"}, lambda c: c.friends(order="sideways"),
        InvalidArgumentError, -2, 400, "", {},
    ),
    "unregistered target": Case(
        {"admin_key": "demo-admin-key"}, lambda c: c.talk_profiles([9876, 424242]),
        InvalidArgumentError, -2, 400,
        "invalid target_ids. can get the profile only to registered users.", {},
    ),
    "unregistered viewer": Case(
        {"admin_key": "demo-admin-key"}, lambda c: c.talk_profiles([9876], viewer_id=424242),
        NotRegisteredUserError, -101, 400, "NotRegisteredUserException", {},
    ),
}


def check(error: KakaoApiError, case: Case) -> None:
    assert type(error) is case.error
    assert (error.code, error.http_status) == (case.code, case.http_status)
    if case.msg:
        assert error.msg == case.msg
    else:
        assert error.msg  # -2 names the parameter; its wording is the server's
    if isinstance(error, InsufficientScopeError):
        assert error.api_type == case.extra["api_type"]
        assert error.required_scopes == tuple(case.extra["required_scopes"])
        assert sorted(error.allowed_scopes) == sorted(case.extra["allowed_scopes"])
        assert sorted(error.extra) == ["allowed_scopes", "api_type", "required_scopes"]
    else:
        assert error.extra == case.extra
    if isinstance(error, InvalidTokenError):
        assert error.reason == case.extra.get("reason")


@pytest.mark.parametrize("name", sorted(CASES))
def test_error_classes(demo_world: InProcessKakaoWorld, name: str) -> None:
    case = CASES[name]
    client = demo_world.client(**case.credentials)
    with pytest.raises(case.error) as raised:
        case.call(client)
    check(raised.value, case)


@pytest.mark.asyncio
@pytest.mark.parametrize("name", sorted(CASES))
async def test_async_error_classes(demo_world: InProcessKakaoWorld, name: str) -> None:
    case = CASES[name]
    async with demo_world.async_client(**case.credentials) as client:
        call: Callable[[AsyncKakaoClient], Awaitable[Any]] = case.call
        with pytest.raises(case.error) as raised:
            await call(client)
    check(raised.value, case)


def test_hierarchy() -> None:
    assert issubclass(ExpiredTokenError, InvalidTokenError)
    for cls in (
        InternalServerError, InvalidArgumentError, AppConsentDisabledError, QuotaExceededError,
        NotRegisteredUserError, InvalidTokenError, InsufficientScopeError, NotTalkUserError,
    ):
        assert issubclass(cls, KakaoApiError)
    for cls in (KakaoApiError, KakaoAuthError, UnexpectedResponseError):
        assert issubclass(cls, KakaoError)
    assert not issubclass(KakaoAuthError, KakaoApiError)


def test_missing_credentials_fail_before_sending(demo_world: InProcessKakaoWorld) -> None:
    with pytest.raises(ValueError, match="access token"):
        demo_world.client(admin_key="demo-admin-key").talk_profile()
    with pytest.raises(ValueError, match="access token"):
        demo_world.client(access_token="").talk_profile()
    with pytest.raises(ValueError, match="admin key"):
        demo_world.client(access_token="demo-access-token").talk_profiles([9876])


def test_an_unknown_path(demo_world: InProcessKakaoWorld) -> None:
    # A client pointed at a wrong base URL still raises a KakaoError, with the HTTP status.
    client = KakaoClient(
        access_token="demo-access-token",
        api_base_url=demo_world.base_url + "/no-such-prefix",
        auth_base_url=demo_world.base_url,
        transport=demo_world.transport(),
    )
    with client, pytest.raises(KakaoError) as raised:
        client.talk_profile()
    assert raised.value.http_status == 404  # type: ignore[attr-defined]


# -1 and -10 come from the console's fault rules, not from a request a client can make; their
# classes are chosen by the same function that chose the ones above.
@pytest.mark.parametrize(
    ("body", "cls"),
    [
        ({"msg": "internal error", "code": -1}, InternalServerError),
        ({"msg": "API limit has been exceeded.", "code": -10}, QuotaExceededError),
        ({"msg": "something new", "code": -999, "hint": 1}, KakaoApiError),
    ],
)
def test_codes_without_a_demo_trigger(body: dict[str, Any], cls: type[KakaoApiError]) -> None:
    error = _wire.error(400, body, "")
    assert type(error) is cls
    assert isinstance(error, KakaoApiError)
    assert (error.code, error.msg) == (body["code"], body["msg"])
    assert error.extra == {k: v for k, v in body.items() if k not in ("msg", "code")}
