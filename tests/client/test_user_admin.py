"""The client's user-management methods (docs/client.md): the admin-key variants, app users,
the user-id iterator and update_profile, sync and async, against an in-process world."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from talksocial.client import (
    NotRegisteredUserError,
    QuotaExceededError,
    User,
    UserIds,
    UserPropertyNotFoundError,
)
from tests.client.recording import AsyncRecordingTransport, RecordingTransport
from tests.support.kakao_world import InProcessKakaoWorld

APP = 7001
USERS = 250
ITEMS = {"profile_nickname": "required", "profile_image": "optional",
         "account_email": "optional"}
SCOPES = ["profile_nickname", "profile_image", "account_email"]


def world() -> dict[str, Any]:
    keys = [f"user-{i:03d}" for i in range(USERS)]
    return {
        "apps": [{"id": APP, "name": "users", "rest_api_key": "rk-users",
                  "admin_key": "ak-users", "redirect_uris": ["http://localhost:3000/callback"],
                  "consent_items": ITEMS, "user_properties": ["tier"]}],
        "accounts": [{"key": key, "profile": {"nickname": key},
                      "account_profile": {"nickname": key, "email": f"{key}@example.com"}}
                     for key in keys],
        "links": [{"app": APP, "account": key, "user_id": 1000 + i, "uuid": f"uuid-{i}",
                   "scopes": SCOPES} for i, key in enumerate(keys)],
        "tokens": [{"app": APP, "account": keys[0], "access_token": "tok-0",
                    "expires_in": 3600},
                   {"app": APP, "account": keys[1], "access_token": "tok-1",
                    "expires_in": 3600}],
    }


@pytest.fixture(scope="module")
def users_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessKakaoWorld]:
    started = InProcessKakaoWorld.start(world(), tmp_path_factory.mktemp("client-users"))
    try:
        yield started
    finally:
        started.stop()
    assert "Traceback" not in started.log(), started.log()


def test_iter_user_ids(users_world: InProcessKakaoWorld) -> None:
    transport = RecordingTransport(users_world.transport())
    client = users_world.client(admin_key="ak-users", transport=transport)
    assert list(client.iter_user_ids(limit=100)) == [1000 + i for i in range(USERS)]
    assert [r.url.params.get("from_id") for r in transport.requests] == [None, "1099", "1199"]
    desc = list(client.iter_user_ids(limit=60, order="desc", from_id=1010))
    assert desc == list(range(1009, 999, -1))
    page = client.user_ids(limit=2)
    assert isinstance(page, UserIds)
    assert (page.elements, page.total_count, page.before_url) == ((1000, 1001), USERS, None)
    assert page.after_url is not None and "from_id=1001" in page.after_url


@pytest.mark.asyncio
async def test_async_iter_user_ids(users_world: InProcessKakaoWorld) -> None:
    transport = AsyncRecordingTransport(users_world.async_transport())
    async with users_world.async_client(admin_key="ak-users", transport=transport) as client:
        ids = [i async for i in client.iter_user_ids(limit=100)]
        users = await client.app_users([1002, 1000])
        me = await client.me(target_id=1003)
    assert ids == [1000 + i for i in range(USERS)]
    assert [u.id for u in users] == [1002, 1000]
    assert me.id == 1003


def test_admin_key_variants(users_world: InProcessKakaoWorld) -> None:
    client = users_world.client(admin_key="ak-users")
    me = client.me(target_id=1005)
    assert isinstance(me, User) and me.id == 1005
    assert me.kakao_account is not None and me.kakao_account.email == "user-005@example.com"
    assert me.kakao_account.is_email_valid is True and me.kakao_account.is_email_verified
    assert me.kakao_account.profile is not None
    assert me.kakao_account.profile.is_default_nickname is False
    narrow = client.me(target_id=1005, property_keys=["kakao_account.email"])
    assert narrow.kakao_account is not None and narrow.kakao_account.profile is None
    scopes = client.scopes(target_id=1005)
    assert {s.id for s in scopes.scopes} == set(SCOPES)
    with pytest.raises(NotRegisteredUserError):
        client.me(target_id=5)
    users = client.app_users([1007, 1006, 9])
    assert [u.id for u in users] == [1007, 1006]


def test_admin_logout_and_revoke(tmp_path: Any) -> None:
    started = InProcessKakaoWorld.start(world(), tmp_path / "w")
    try:
        admin = started.client(admin_key="ak-users")
        revoked = admin.revoke_scopes(["profile_image"], target_id=1004)
        assert {s.id: s.agreed for s in revoked.scopes}["profile_image"] is False
        assert admin.logout(target_id=1000) == 1000
        user = started.client(access_token="tok-0")
        with pytest.raises(Exception) as caught:
            user.access_token_info()
        assert getattr(caught.value, "code", None) == -401
    finally:
        started.stop()


def test_update_profile(users_world: InProcessKakaoWorld) -> None:
    client = users_world.client(access_token="tok-1")
    assert client.update_profile({"tier": "gold"}) == 1001
    assert client.me().properties["tier"] == "gold"
    with pytest.raises(UserPropertyNotFoundError) as caught:
        client.update_profile({"color": "red"})
    assert caught.value.code == -201


def test_user_ids_limit_raises_quota_exceeded(tmp_path: Any) -> None:
    started = InProcessKakaoWorld.start(world(), tmp_path / "w")
    try:
        # The limit is per calendar minute of the server clock: set the clock to a minute's
        # start so that all 101 calls fall in one minute (left to the wall clock, a run that
        # crossed a minute boundary saw the count start again: a flaky test).
        pinned = started.server.post("/_talksocial/clock", json={"now": "2030-01-01T00:00:00Z"})
        assert pinned.status_code == 200, pinned.text
        client = started.client(admin_key="ak-users")
        for _ in range(100):
            client.user_ids(limit=1)
        with pytest.raises(QuotaExceededError) as caught:
            client.user_ids()
        assert caught.value.http_status == 429
    finally:
        started.stop()
