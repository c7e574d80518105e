"""The three Talk Social calls against a real talksocial server with the demo world, sync and
async (docs/reference/talk-profile.md, docs/reference/friends.md, docs/reference/profiles.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from talksocial.client import (
    AsyncKakaoClient,
    Friend,
    KakaoClient,
    ProfileInfo,
    TalkProfile,
)
from tests.client.recording import AsyncRecordingTransport, RecordingTransport
from tests.support.kakao_world import InProcessKakaoWorld

IMG = "https://xxx.kakao.co.kr/.../"
V2_IMAGE = "http://yyy.kakao.com/dn/.../img_640x640.jpg"
V2_THUMB = "http://yyy.kakao.com/.../img_110x110.jpg"

MUZI = TalkProfile(1000, "Muzi", IMG + "muzi_640.jpg", IMG + "muzi.jpg")
RYAN_PROFILES = {
    "demo-token-ryan-full": TalkProfile(1234567, "Ryan", IMG + "aaa.jpg", IMG + "bbb.jpg"),
    "demo-token-ryan-nickname": TalkProfile(1234567, "Ryan", None, None),
    "demo-token-ryan-image": TalkProfile(1234567, None, IMG + "aaa.jpg", IMG + "bbb.jpg"),
    "demo-token-ryan-none": TalkProfile(1234567, None, None, None),
}
FIRST_PAGE = [
    Friend(1, "abcdefg0001", "Apeach", IMG + "aaa.jpg", True),
    Friend(3, "abcdefg0003", "Jordy", IMG + "ccc.jpg", False),
    Friend(2, "abcdefg0002", "Ryan", IMG + "bbb.jpg", False),
]
MUZI_FRIEND_IDS = list(range(1, 12))
SAMPLE_VIEWER = ProfileInfo(12345, "xxx", V2_IMAGE, V2_THUMB)
SAMPLE_TARGETS = [
    ProfileInfo(9876, "yyy", V2_IMAGE, V2_THUMB),
    ProfileInfo(5432, "zzz", V2_IMAGE, V2_THUMB),
]
# Neo's friends (demo.py): Korean order without a language or with ko, English order with en.
NEO_KO_FIRST = ["춘식이", "콘"]
NEO_EN_FIRST = ["-dash-", "10ten", "7seven", "Frodo"]


def query(url: str | None) -> dict[str, list[str]]:
    assert url is not None
    return parse_qs(urlsplit(url).query)


# ---- sync --------------------------------------------------------------------------------------


def test_talk_profile(demo_world: InProcessKakaoWorld) -> None:
    client = demo_world.client(access_token="demo-access-token")
    assert client.talk_profile() == MUZI


@pytest.mark.parametrize("token", sorted(RYAN_PROFILES))
def test_talk_profile_fields_follow_consent(demo_world: InProcessKakaoWorld, token: str) -> None:
    profile = demo_world.client(access_token=token).talk_profile()
    assert profile == RYAN_PROFILES[token]
    assert dict(profile.extra) == {}


def test_friends_pages(demo_world: InProcessKakaoWorld) -> None:
    client = demo_world.client(access_token="demo-access-token")
    first = client.friends(limit=3)
    assert list(first.elements) == FIRST_PAGE
    assert (first.total_count, first.favorite_count, first.before_url) == (11, 1, None)
    assert query(first.after_url) == {"offset": ["3"], "limit": ["3"], "order": ["asc"]}

    second = client.friends(offset=3, limit=3, order="asc", friend_order="favorite")
    assert [f.id for f in second.elements] == [4, 5, 6]
    assert second.elements[1].nickname == "Tube (work)"  # Tube's multi-profile for Muzi
    assert query(second.before_url) == {
        "offset": ["0"],
        "limit": ["3"],
        "order": ["asc"],
        "friend_order": ["favorite"],
    }
    assert query(second.after_url)["offset"] == ["6"]

    last = client.friends(offset=9, limit=3)
    assert [f.id for f in last.elements] == [10, 11]
    assert last.after_url is None


def test_friends_order_and_friend_order(demo_world: InProcessKakaoWorld) -> None:
    client = demo_world.client(access_token="demo-access-token")
    by_name_desc = client.friends(limit=100, order="desc", friend_order="nickname")
    by_name_asc = client.friends(limit=100, order="asc", friend_order="nickname")
    assert [f.id for f in by_name_desc.elements] == [f.id for f in reversed(by_name_asc.elements)]
    favorite_desc = client.friends(limit=100, order="desc")
    assert favorite_desc.elements[0].nickname == "Apeach"  # favorites first, in either direction
    others_desc = [f for f in by_name_desc.elements if f.nickname != "Apeach"]
    assert list(favorite_desc.elements[1:]) == others_desc


def test_lang_goes_in_the_ka_header(demo_world: InProcessKakaoWorld) -> None:
    korean = demo_world.client(access_token="demo-token-neo")
    english = demo_world.client(access_token="demo-token-neo", lang="en")
    ko_names = [f.nickname for f in korean.friends(limit=100, friend_order="nickname").elements]
    en_names = [f.nickname for f in english.friends(limit=100, friend_order="nickname").elements]
    assert ko_names[:2] == NEO_KO_FIRST
    assert en_names[:4] == NEO_EN_FIRST
    assert sorted(ko_names) == sorted(en_names)


def test_ka_header_and_credentials_on_the_wire(demo_world: InProcessKakaoWorld) -> None:
    transport = RecordingTransport(demo_world.transport())
    client = demo_world.client(
        access_token="demo-access-token",
        admin_key="demo-admin-key",
        lang="en",
        transport=transport,
    )
    client.talk_profile()
    client.talk_profiles([9876])
    user_call, admin_call = transport.requests
    assert user_call.headers["Authorization"] == "Bearer demo-access-token"
    assert admin_call.headers["Authorization"] == "KakaoAK demo-admin-key"  # never both
    assert user_call.headers.get_list("Authorization") == ["Bearer demo-access-token"]
    assert admin_call.headers.get_list("Authorization") == ["KakaoAK demo-admin-key"]
    assert user_call.headers["KA"].startswith("sdk/talksocial-python-")
    assert user_call.headers["KA"].endswith(" lang/en")
    # The seed's sample: target_ids as a JSON array in a form body.
    assert admin_call.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(admin_call.content.decode()) == {
        "target_ids": ["[9876]"],
        "target_id_type": ["user_id"],
    }


def test_iter_friends_walks_every_page(demo_world: InProcessKakaoWorld) -> None:
    transport = RecordingTransport(demo_world.transport())
    client = demo_world.client(access_token="demo-access-token", transport=transport)
    friends = list(client.iter_friends(limit=3))
    assert [f.id for f in friends][:3] == [1, 3, 2]
    assert sorted(f.id for f in friends) == MUZI_FRIEND_IDS
    assert len(transport.requests) == 4  # 3 + 3 + 3 + 2


def test_iter_friends_never_follows_after_url_to_another_host(tmp_path: Path) -> None:
    # The server announces its URLs under a foreign host; the token must stay on ours.
    world = InProcessKakaoWorld.start("demo", tmp_path, public_url="http://attacker.invalid:9")
    try:
        transport = RecordingTransport(world.transport())
        client = world.client(access_token="demo-access-token", transport=transport)
        page = client.friends(limit=5)
        assert page.after_url is not None and page.after_url.startswith(
            "http://attacker.invalid:9/"
        )
        friends = list(client.iter_friends(limit=5))
        assert sorted(f.id for f in friends) == MUZI_FRIEND_IDS
        hosts = {(r.url.host, r.url.port) for r in transport.requests}
        assert hosts == {("127.0.0.1", int(world.base_url.rsplit(":", 1)[1]))}
    finally:
        world.stop()


def test_talk_profiles_with_viewer(demo_world: InProcessKakaoWorld) -> None:
    client = demo_world.client(admin_key="demo-admin-key")
    answer = client.talk_profiles([9876, 5432], viewer_id=12345)
    assert answer.viewer == SAMPLE_VIEWER
    assert list(answer.targets) == SAMPLE_TARGETS


def test_talk_profiles_without_viewer(demo_world: InProcessKakaoWorld) -> None:
    client = demo_world.client(admin_key="demo-admin-key")
    answer = client.talk_profiles([5432, 9876, 5432])
    assert answer.viewer is None
    # Without a viewer 5432 shows its default profile; duplicates are answered as given.
    assert [(t.user_id, t.nickname) for t in answer.targets] == [
        (5432, "Zed"),
        (9876, "yyy"),
        (5432, "Zed"),
    ]


def test_talk_profiles_fields_follow_the_targets_consent(demo_world: InProcessKakaoWorld) -> None:
    client = demo_world.client(admin_key="demo-admin-key-nickname-only")
    assert list(client.talk_profiles([9876]).targets) == [ProfileInfo(9876, "yyy", None, None)]


def test_talk_profiles_of_an_account_not_on_talk(demo_world: InProcessKakaoWorld) -> None:
    client = demo_world.client(admin_key="demo-admin-key")
    assert list(client.talk_profiles([106]).targets) == [ProfileInfo(106)]


def test_context_manager_closes(demo_world: InProcessKakaoWorld) -> None:
    with KakaoClient(
        access_token="demo-access-token",
        api_base_url=demo_world.base_url,
        auth_base_url=demo_world.base_url,
        transport=demo_world.transport(),
    ) as client:
        assert client.talk_profile().id == 1000
    with pytest.raises(RuntimeError):
        client.talk_profile()


# ---- async -------------------------------------------------------------------------------------


def async_client(world: InProcessKakaoWorld, **kwargs: Any) -> AsyncKakaoClient:
    kwargs.setdefault("transport", world.async_transport())
    return AsyncKakaoClient(api_base_url=world.base_url, auth_base_url=world.base_url, **kwargs)


@pytest.mark.asyncio
async def test_async_talk_profile(demo_world: InProcessKakaoWorld) -> None:
    async with async_client(demo_world, access_token="demo-access-token") as client:
        assert await client.talk_profile() == MUZI
    for token, expected in RYAN_PROFILES.items():
        async with async_client(demo_world, access_token=token) as client:
            assert await client.talk_profile() == expected


@pytest.mark.asyncio
async def test_async_friends_and_lang(demo_world: InProcessKakaoWorld) -> None:
    async with async_client(demo_world, access_token="demo-access-token") as client:
        first = await client.friends(limit=3)
        assert list(first.elements) == FIRST_PAGE
        assert (first.total_count, first.favorite_count, first.before_url) == (11, 1, None)
        second = await client.friends(offset=3, limit=3)
        assert query(second.before_url)["offset"] == ["0"]
    async with async_client(demo_world, access_token="demo-token-neo", lang="en") as client:
        page = await client.friends(limit=100, friend_order="nickname")
        assert [f.nickname for f in page.elements][:4] == NEO_EN_FIRST


@pytest.mark.asyncio
async def test_async_iter_friends(demo_world: InProcessKakaoWorld) -> None:
    transport = AsyncRecordingTransport(demo_world.async_transport())
    async with async_client(
        demo_world, access_token="demo-access-token", transport=transport
    ) as client:
        ids = [f.id async for f in client.iter_friends(limit=3)]
    assert ids[:3] == [1, 3, 2]
    assert sorted(ids) == MUZI_FRIEND_IDS
    assert len(transport.requests) == 4


@pytest.mark.asyncio
async def test_async_talk_profiles(demo_world: InProcessKakaoWorld) -> None:
    async with async_client(demo_world, admin_key="demo-admin-key") as client:
        answer = await client.talk_profiles([9876, 5432], viewer_id=12345)
        assert answer.viewer == SAMPLE_VIEWER
        assert list(answer.targets) == SAMPLE_TARGETS
        assert (await client.talk_profiles([9876])).viewer is None
