"""`iter_friends` over 1,000 friends, 100 a page: 10 requests, each friend exactly once, in the
server's order (docs/reference/friends.md: favorites first, then by nickname)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from talksocial.client import Friend
from tests.client.recording import AsyncRecordingTransport, RecordingTransport
from tests.support.kakao_world import InProcessKakaoWorld

APP = 3001
FRIENDS = 1000
SCOPES = ["profile_nickname", "profile_image", "friends"]


def big_world() -> dict[str, Any]:
    keys = [f"friend-{i:04d}" for i in range(FRIENDS)]
    return {
        "apps": [
            {
                "id": APP,
                "name": "paging",
                "rest_api_key": "rk-paging",
                "admin_key": "ak-paging",
                "redirect_uris": ["http://localhost:3000/callback"],
                "consent_items": {
                    "profile_nickname": "required",
                    "profile_image": "optional",
                    "friends": "optional",
                },
            }
        ],
        "accounts": [
            {
                "key": "owner",
                "profile": {"nickname": "Owner"},
                # Every 7th a favorite, so the favorites block spans pages.
                "friends": [
                    {"account": key, "favorite": i % 7 == 0} for i, key in enumerate(keys)
                ],
            },
            # Nicknames in reverse of the ids, so the order is the server's, not the seed's.
            *({"key": key, "profile": {"nickname": f"Friend {FRIENDS - i:04d}"}}
              for i, key in enumerate(keys)),
        ],
        "links": [
            {"app": APP, "account": "owner", "user_id": 1, "uuid": "uuid-owner", "scopes": SCOPES},
            *({"app": APP, "account": key, "user_id": 10_000 + i, "uuid": f"uuid-{i:04d}",
               "scopes": SCOPES} for i, key in enumerate(keys)),
        ],
        "tokens": [{"app": APP, "account": "owner", "access_token": "tok-owner",
                    "expires_in": 3600}],
    }


@pytest.fixture(scope="module")
def paging_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessKakaoWorld]:
    world = InProcessKakaoWorld.start(big_world(), tmp_path_factory.mktemp("paging"))
    try:
        yield world
    finally:
        world.stop()


def expected_order() -> list[int]:
    favorites = [i for i in range(FRIENDS) if i % 7 == 0]
    others = [i for i in range(FRIENDS) if i % 7 != 0]
    # Nickname "Friend {FRIENDS - i}" ascends as i descends.
    return [10_000 + i for i in sorted(favorites, reverse=True) + sorted(others, reverse=True)]


def check(friends: list[Friend], offsets: list[str]) -> None:
    assert [f.id for f in friends] == expected_order()
    assert len({f.uuid for f in friends}) == FRIENDS
    assert sum(1 for f in friends if f.favorite) == len(range(0, FRIENDS, 7))
    assert offsets == [str(n) for n in range(0, FRIENDS, 100)]


def test_iter_friends_over_1000(paging_world: InProcessKakaoWorld) -> None:
    transport = RecordingTransport(paging_world.transport())
    client = paging_world.client(access_token="tok-owner", transport=transport)
    friends = list(client.iter_friends(limit=100))
    offsets = [r.url.params.get("offset", "0") for r in transport.requests]
    check(friends, offsets)
    assert all(r.url.params["limit"] == "100" for r in transport.requests)


@pytest.mark.asyncio
async def test_async_iter_friends_over_1000(paging_world: InProcessKakaoWorld) -> None:
    transport = AsyncRecordingTransport(paging_world.async_transport())
    async with paging_world.async_client(access_token="tok-owner", transport=transport) as client:
        friends = [f async for f in client.iter_friends(limit=100)]
    offsets = [r.url.params.get("offset", "0") for r in transport.requests]
    check(friends, offsets)


def test_friends_page_counts(paging_world: InProcessKakaoWorld) -> None:
    page = paging_world.client(access_token="tok-owner").friends(offset=900, limit=100)
    assert (page.total_count, page.favorite_count) == (FRIENDS, len(range(0, FRIENDS, 7)))
    assert len(page.elements) == 100
    assert page.after_url is None and page.before_url is not None
