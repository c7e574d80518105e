"""GET /v1/api/talk/friends over real HTTP (docs/reference/wire.md, docs/reference/errors.md, docs/reference/friends.md)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.server import Server
from tests.support.worlds import (
    IMG,
    NO_AUTH,
    NOT_TALK_FRIENDS,
    TOKEN_EXPIRED,
    TOKEN_NOT_FOUND,
    account,
    app,
    bearer,
    expect,
    expect_error,
    friend,
    link,
    serve,
    token,
    world,
)

PATH = "/v1/api/talk/friends"
DEMO = bearer("demo-access-token")
DEMO_IMG = "https://xxx.kakao.co.kr/.../"
ELEMENT_KEYS = {"profile_nickname", "profile_thumbnail_image", "id", "uuid", "favorite"}


def friends_url(server: Server, query: str) -> str:
    return f"{server.base_url}{PATH}?{query}"


def nicknames(body: dict[str, Any]) -> list[str]:
    return [e["profile_nickname"] for e in body["elements"]]


# --- the seed's samples, against the demo world ----------------------------------------------


def test_sample_first_page_of_three(demo_server: Server) -> None:
    body = expect(demo_server.get(PATH, params={"limit": 3}, headers=DEMO), 200)
    assert set(body) == {"elements", "total_count", "after_url", "favorite_count"}
    assert "before_url" not in body
    assert body["total_count"] == 11
    assert body["favorite_count"] == 1
    assert body["after_url"] == friends_url(demo_server, "offset=3&limit=3&order=asc")
    by_id = {e["id"]: e for e in body["elements"]}
    assert by_id == {
        1: {
            "profile_nickname": "Apeach",
            "profile_thumbnail_image": DEMO_IMG + "aaa.jpg",
            "id": 1,
            "uuid": "abcdefg0001",
            "favorite": True,
        },
        2: {
            "profile_nickname": "Ryan",
            "profile_thumbnail_image": DEMO_IMG + "bbb.jpg",
            "id": 2,
            "uuid": "abcdefg0002",
            "favorite": False,
        },
        3: {
            "profile_nickname": "Jordy",
            "profile_thumbnail_image": DEMO_IMG + "ccc.jpg",
            "id": 3,
            "uuid": "abcdefg0003",
            "favorite": False,
        },
    }
    # docs/reference/friends.md: the rules win over the sample's order: the favorite first, then Jordy < Ryan.
    assert [e["id"] for e in body["elements"]] == [1, 3, 2]


def test_sample_next_page(demo_server: Server) -> None:
    r = demo_server.get(PATH, params={"offset": 3, "limit": 3, "order": "asc"}, headers=DEMO)
    body = expect(r, 200)
    assert body["before_url"] == friends_url(demo_server, "offset=0&limit=3&order=asc")
    assert body["after_url"] == friends_url(demo_server, "offset=6&limit=3&order=asc")
    assert body["total_count"] == 11 and body["favorite_count"] == 1
    # Tube shows Muzi its work multi-profile, so Muzi lists "Tube (work)" with its thumbnail.
    assert body["elements"] == [
        {
            "profile_nickname": "Scappy",
            "profile_thumbnail_image": DEMO_IMG + "scappy.jpg",
            "id": 4,
            "uuid": "abcdefg0004",
            "favorite": False,
        },
        {
            "profile_nickname": "Tube (work)",
            "profile_thumbnail_image": DEMO_IMG + "tube_work.jpg",
            "id": 5,
            "uuid": "abcdefg0005",
            "favorite": False,
        },
        {
            "profile_nickname": "Vivi",
            "profile_thumbnail_image": DEMO_IMG + "vivi.jpg",
            "id": 6,
            "uuid": "abcdefg0006",
            "favorite": False,
        },
    ]


def test_sample_urls_are_followable_to_the_end(demo_server: Server) -> None:
    url: str | None = demo_server.base_url + PATH + "?limit=3"
    seen: list[int] = []
    pages = 0
    while url is not None:
        r = demo_server.request("GET", url[len(demo_server.base_url) :], headers=DEMO)
        body = expect(r, 200)
        for element in body["elements"]:
            assert set(element) == ELEMENT_KEYS
        seen += [e["id"] for e in body["elements"]]
        url = body.get("after_url")
        pages += 1
    assert pages == 4
    assert sorted(seen) == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
    assert len(seen) == 11


def test_default_page_is_ten(demo_server: Server) -> None:
    body = expect(demo_server.get(PATH, headers=DEMO), 200)
    assert len(body["elements"]) == 10
    assert body["after_url"] == friends_url(demo_server, "offset=10&limit=10&order=asc")
    assert "before_url" not in body


def test_sample_not_a_talk_user(demo_server: Server) -> None:
    expect(demo_server.get(PATH, headers=bearer("demo-token-not-talk")), 400, NOT_TALK_FRIENDS)


def test_no_friends_consent_gives_minus_402(demo_server: Server) -> None:
    r = demo_server.get(PATH, headers=bearer("demo-token-no-friends-consent"))
    body = expect(r, 403)
    assert set(body) == {"msg", "code", "api_type", "required_scopes", "allowed_scopes"}
    assert body["msg"] == "insufficient scopes."
    assert body["code"] == -402
    assert body["api_type"] == "FRIENDS"
    assert body["required_scopes"] == ["friends"]
    assert sorted(body["allowed_scopes"]) == ["profile_image", "profile_nickname"]


# --- credentials ------------------------------------------------------------------------------


def test_no_authorization_header(demo_server: Server) -> None:
    expect(demo_server.get(PATH), 401, NO_AUTH)


@pytest.mark.parametrize(
    "authorization",
    ["Bearer nope", "KakaoAK demo-admin-key", "KakaoAK demo-access-token", "demo-access-token"],
)
def test_not_a_live_token(demo_server: Server, authorization: str) -> None:
    r = demo_server.get(PATH, headers={"Authorization": authorization})
    expect(r, 401, TOKEN_NOT_FOUND)


def test_expired_token(demo_server: Server) -> None:
    expect(demo_server.get(PATH, headers=bearer("demo-token-expired")), 401, TOKEN_EXPIRED)


# --- parameters -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("offset", "-1"),
        ("offset", str(2**31)),
        ("offset", "99999999999999999999999"),
        ("offset", "abc"),
        ("offset", "1.5"),
        ("offset", ""),
        ("offset", "0x10"),
        ("limit", "0"),
        ("limit", "101"),
        ("limit", "-5"),
        ("limit", "ten"),
        ("limit", ""),
        ("order", "up"),
        ("order", ""),
        ("friend_order", "x"),
        ("friend_order", "favourite"),
    ],
)
def test_malformed_parameter(demo_server: Server, name: str, value: str) -> None:
    r = demo_server.get(PATH, params={name: value}, headers=DEMO)
    body = expect_error(r, 400, -2)
    assert set(body) == {"msg", "code"}
    assert name in body["msg"]


def test_largest_offset_is_accepted(demo_server: Server) -> None:
    r = demo_server.get(PATH, params={"offset": 2**31 - 1, "limit": 100}, headers=DEMO)
    body = expect(r, 200)
    assert body["elements"] == []
    assert body["total_count"] == 11 and body["favorite_count"] == 1
    assert "after_url" not in body
    assert body["before_url"] == friends_url(
        demo_server, f"offset={2**31 - 1 - 100}&limit=100&order=asc"
    )


def test_offset_past_the_end(demo_server: Server) -> None:
    body = expect(demo_server.get(PATH, params={"offset": 11}, headers=DEMO), 200)
    assert body == {
        "elements": [],
        "total_count": 11,
        "favorite_count": 1,
        "before_url": friends_url(demo_server, "offset=1&limit=10&order=asc"),
    }


@pytest.mark.parametrize("limit", [1, 100])
def test_limit_bounds_are_accepted(demo_server: Server, limit: int) -> None:
    body = expect(demo_server.get(PATH, params={"limit": limit}, headers=DEMO), 200)
    assert len(body["elements"]) == min(limit, 11)


def test_secure_resource_is_accepted_and_not_carried(demo_server: Server) -> None:
    r = demo_server.get(
        PATH, params={"offset": 3, "limit": 3, "secure_resource": "true"}, headers=DEMO
    )
    body = expect(r, 200)
    assert body["after_url"] == friends_url(demo_server, "offset=6&limit=3&order=asc")
    assert body["before_url"] == friends_url(demo_server, "offset=0&limit=3&order=asc")


@pytest.mark.parametrize("friend_order", ["favorite", "nickname"])
def test_friend_order_is_carried_when_sent(demo_server: Server, friend_order: str) -> None:
    r = demo_server.get(
        PATH,
        params={"offset": 2, "limit": 3, "order": "desc", "friend_order": friend_order},
        headers=DEMO,
    )
    body = expect(r, 200)
    tail = f"limit=3&order=desc&friend_order={friend_order}"
    assert body["after_url"] == friends_url(demo_server, "offset=5&" + tail)
    assert body["before_url"] == friends_url(demo_server, "offset=0&" + tail)


def test_order_is_always_carried(demo_server: Server) -> None:
    body = expect(demo_server.get(PATH, params={"limit": 5}, headers=DEMO), 200)
    assert body["after_url"] == friends_url(demo_server, "offset=5&limit=5&order=asc")


# --- docs/reference/errors.md: the first failing check answers -------------------------------------------------


def test_non_talk_user_with_bad_limit_gets_minus_501(demo_server: Server) -> None:
    r = demo_server.get(PATH, params={"limit": 0}, headers=bearer("demo-token-not-talk"))
    expect(r, 400, NOT_TALK_FRIENDS)


def test_no_friends_scope_and_bad_params_gets_minus_402(demo_server: Server) -> None:
    r = demo_server.get(
        PATH,
        params={"limit": 0, "order": "up"},
        headers=bearer("demo-token-no-friends-consent"),
    )
    expect_error(r, 403, -402)


def test_expired_token_and_bad_params_gets_minus_401(demo_server: Server) -> None:
    r = demo_server.get(PATH, params={"offset": -1}, headers=bearer("demo-token-expired"))
    expect(r, 401, TOKEN_EXPIRED)


def test_no_header_and_bad_params_gets_minus_401(demo_server: Server) -> None:
    expect(demo_server.get(PATH, params={"limit": "x"}), 401, NO_AUTH)


# --- who is listed (custom world) -------------------------------------------------------------


def _visibility_world() -> dict[str, Any]:
    listed = ["fav-a", "fav-b", "n1", "n2", "n3"]
    not_listed = ["hid", "hid-fav", "blk", "blk-fav", "unl", "nocons", "nott", "unl-fav"]
    owner_friends = [
        friend("fav-a", favorite=True),
        friend("fav-b", favorite=True),
        friend("n1"),
        friend("n2"),
        friend("n3"),
        friend("hid", hidden=True),
        friend("hid-fav", hidden=True, favorite=True),
        friend("blk", blocked=True),
        friend("blk-fav", blocked=True, favorite=True),
        friend("unl"),
        friend("unl-fav", favorite=True),
        friend("nocons"),
        friend("nott"),
    ]
    accounts = [account("owner", "Owner", friends=owner_friends)]
    accounts += [account(k, k.upper()) for k in listed + not_listed if k != "nott"]
    accounts.append(account("nott", "NOTT", talk_user=False))
    accounts.append(account("kim", "Kim", talk_user=False, friends=[friend("n1")]))
    links = [link(20, "owner", 1)]
    for uid, key in enumerate(listed + ["hid", "hid-fav", "blk", "blk-fav", "nott"], start=2):
        links.append(link(20, key, uid))
    links.append(link(20, "nocons", 50, ["profile_nickname", "profile_image"]))
    # "unl" and "unl-fav" are linked to another app only.
    links += [link(22, "unl", 60), link(22, "unl-fav", 61), link(22, "owner", 62)]
    links += [
        link(21, "owner", 70, ["profile_nickname"]),
        link(21, "kim", 71, ["profile_nickname"]),
        link(20, "kim", 72, ["profile_nickname", "profile_image"]),
        link(23, "kim", 73),
    ]
    return world(
        apps=[
            app(20),
            app(21, {"profile_nickname": "optional"}),
            app(22),
            app(23),
        ],
        accounts=accounts,
        links=links,
        tokens=[
            token(20, "owner", "tok-owner"),
            token(21, "owner", "tok-owner-no-friends-item"),
            token(21, "kim", "tok-kim-no-friends-item"),
            token(20, "kim", "tok-kim-no-friends-scope"),
            token(23, "kim", "tok-kim-not-talk"),
        ],
    )


@pytest.fixture(scope="module")
def visibility_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from serve(tmp_path_factory, _visibility_world(), "visibility")


def test_only_listable_friends_are_listed_and_counted(visibility_world: Server) -> None:
    r = visibility_world.get(PATH, params={"limit": 100}, headers=bearer("tok-owner"))
    body = expect(r, 200)
    assert body["total_count"] == 5
    assert body["favorite_count"] == 2
    assert nicknames(body) == ["FAV-A", "FAV-B", "N1", "N2", "N3"]
    assert [e["favorite"] for e in body["elements"]] == [True, True, False, False, False]
    assert [e["id"] for e in body["elements"]] == [2, 3, 4, 5, 6]
    assert [e["uuid"] for e in body["elements"]] == [
        f"uuid-{k}-20" for k in ("fav-a", "fav-b", "n1", "n2", "n3")
    ]
    assert body["elements"][0]["profile_thumbnail_image"] == IMG + "fav-a_110.jpg"
    assert "after_url" not in body and "before_url" not in body


def test_counts_do_not_depend_on_the_page(visibility_world: Server) -> None:
    r = visibility_world.get(PATH, params={"offset": 4, "limit": 1}, headers=bearer("tok-owner"))
    body = expect(r, 200)
    assert body["total_count"] == 5 and body["favorite_count"] == 2
    assert nicknames(body) == ["N3"]


def test_app_without_friends_item_gets_minus_3(visibility_world: Server) -> None:
    r = visibility_world.get(PATH, headers=bearer("tok-owner-no-friends-item"))
    expect_error(r, 403, -3)


def test_minus_3_comes_before_minus_501_and_minus_2(visibility_world: Server) -> None:
    r = visibility_world.get(PATH, params={"limit": 0}, headers=bearer("tok-kim-no-friends-item"))
    expect_error(r, 403, -3)


def test_minus_402_comes_before_minus_501(visibility_world: Server) -> None:
    r = visibility_world.get(PATH, headers=bearer("tok-kim-no-friends-scope"))
    body = expect_error(r, 403, -402)
    assert sorted(body["allowed_scopes"]) == ["profile_image", "profile_nickname"]


def test_minus_501_in_a_custom_world(visibility_world: Server) -> None:
    r = visibility_world.get(PATH, params={"order": "sideways"}, headers=bearer("tok-kim-not-talk"))
    expect(r, 400, NOT_TALK_FRIENDS)


# --- order: favorites, nickname, direction ----------------------------------------------------

FAV_FRIENDS = [
    ("b", "Bravo", True),
    ("d", "Delta", True),
    ("a", "Alpha", False),
    ("c", "Charlie", False),
    ("e", "echo", False),
    ("z", "Zulu", True),
    ("s1", "Same", False),
    ("s2", "Same", False),
]

# Multi-script nicknames and the two orders docs/reference/friends.md gives them.
MIX = ["하나", "가람", "Bob", "alice", "42", "9lives", "さくら", "カメ", "🐱cat", "#tag", "Émile"]
MIX_KO = [
    "가람",
    "하나",
    "#tag",
    "42",
    "9lives",
    "alice",
    "Bob",
    "Émile",
    "カメ",
    "さくら",
    "🐱cat",
]
MIX_EN = [
    "#tag",
    "42",
    "9lives",
    "alice",
    "Bob",
    "Émile",
    "カメ",
    "さくら",
    "가람",
    "하나",
    "🐱cat",
]


def _order_world() -> dict[str, Any]:
    accounts = [
        account("fo", "Fav Owner", friends=[friend(k, favorite=f) for k, _, f in FAV_FRIENDS]),
        account("mo", "Mix Owner", friends=[friend(f"m{i}") for i in range(len(MIX))]),
    ]
    accounts += [account(k, nick) for k, nick, _ in FAV_FRIENDS]
    accounts += [account(f"m{i}", nick) for i, nick in enumerate(MIX)]
    # The ids of the two "Same" friends break their tie: s1 (id 107) before s2 (id 108).
    links = [link(30, "fo", 100), link(30, "mo", 200)]
    links += [link(30, k, 101 + i) for i, (k, _, _) in enumerate(FAV_FRIENDS)]
    links += [link(30, f"m{i}", 201 + i) for i in range(len(MIX))]
    return world(
        apps=[app(30)],
        accounts=accounts,
        links=links,
        tokens=[token(30, "fo", "tok-fo"), token(30, "mo", "tok-mo")],
    )


@pytest.fixture(scope="module")
def order_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from serve(tmp_path_factory, _order_world(), "order")


def _all(
    server: Server, tok: str, headers: dict[str, str] | None = None, **params: Any
) -> dict[str, Any]:
    r = server.get(
        PATH, params={"limit": 100, **params}, headers={**bearer(tok), **(headers or {})}
    )
    body: dict[str, Any] = expect(r, 200)
    return body


def test_favorites_first_ascending(order_world: Server) -> None:
    expected = ["Bravo", "Delta", "Zulu", "Alpha", "Charlie", "echo", "Same", "Same"]
    assert nicknames(_all(order_world, "tok-fo")) == expected
    assert nicknames(_all(order_world, "tok-fo", friend_order="favorite", order="asc")) == expected
    body = _all(order_world, "tok-fo")
    assert [e["favorite"] for e in body["elements"]] == [True] * 3 + [False] * 5
    assert body["favorite_count"] == 3 and body["total_count"] == 8


def test_favorites_first_descending_each_block_reversed(order_world: Server) -> None:
    body = _all(order_world, "tok-fo", order="desc")
    assert nicknames(body) == ["Zulu", "Delta", "Bravo", "Same", "Same", "echo", "Charlie", "Alpha"]
    assert [e["id"] for e in body["elements"]][3:5] == [108, 107]


def test_nickname_order_ignores_favorites(order_world: Server) -> None:
    body = _all(order_world, "tok-fo", friend_order="nickname")
    assert nicknames(body) == ["Alpha", "Bravo", "Charlie", "Delta", "echo", "Same", "Same", "Zulu"]
    # Full ties by id.
    assert [e["id"] for e in body["elements"]][5:7] == [107, 108]


def test_nickname_desc_is_the_exact_reverse(order_world: Server) -> None:
    for tok in ("tok-fo", "tok-mo"):
        asc = _all(order_world, tok, friend_order="nickname", order="asc")["elements"]
        desc = _all(order_world, tok, friend_order="nickname", order="desc")["elements"]
        assert desc == list(reversed(asc))


@pytest.mark.parametrize("limit", [1, 2, 3, 5])
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_pages_across_the_favorite_boundary(
    order_world: Server, limit: int, order: str
) -> None:
    whole = _all(order_world, "tok-fo", order=order)["elements"]
    walked: list[dict[str, Any]] = []
    for offset in range(0, len(whole), limit):
        walked += _all(order_world, "tok-fo", offset=offset, limit=limit, order=order)["elements"]
    assert walked == whole


@pytest.mark.parametrize("friend_order", ["favorite", "nickname"])
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_every_window_is_the_slice_of_the_whole_list(
    order_world: Server, order: str, friend_order: str
) -> None:
    # A page is read in one statement that works out each block's rank range from the stored
    # counts (storage.reads): every (offset, limit), aligned or not, inside a block, across the
    # favorite boundary or past the end, is the same slice of the whole list.
    params = {"order": order, "friend_order": friend_order}
    whole = _all(order_world, "tok-fo", **params)["elements"]
    assert len(whole) == 8
    for offset in range(len(whole) + 2):
        for limit in range(1, len(whole) + 2):
            body = _all(order_world, "tok-fo", offset=offset, limit=limit, **params)
            assert body["elements"] == whole[offset : offset + limit], (offset, limit)
            assert (body["total_count"], body["favorite_count"]) == (8, 3)


@pytest.mark.parametrize(
    ("ka", "expected"),
    [
        (None, MIX_KO),
        ("sdk/1.0 lang/ko-KR", MIX_KO),
        ("sdk/1.0 os/android-30 lang/ko", MIX_KO),
        ("sdk/1.0 os/android-30", MIX_KO),
        ("sdk/1.0 lang/", MIX_KO),
        ("sdk/1.0 lang/KO", MIX_KO),
        ("sdk/1.0 lang/en", MIX_EN),
        ("sdk/1.39.0 os/ios lang/en-US origin/x", MIX_EN),
        ("sdk/1.0 lang/ja-JP", MIX_EN),
    ],
)
def test_language_from_the_ka_header(
    order_world: Server, ka: str | None, expected: list[str]
) -> None:
    headers = {"KA": ka} if ka is not None else None
    assert nicknames(_all(order_world, "tok-mo", headers, friend_order="nickname")) == expected
    desc = nicknames(_all(order_world, "tok-mo", headers, friend_order="nickname", order="desc"))
    assert desc == list(reversed(expected))
    # No favorites: the default friend_order gives the same list.
    assert nicknames(_all(order_world, "tok-mo", headers)) == expected


def test_language_does_not_change_who_or_how_many(order_world: Server) -> None:
    ko = _all(order_world, "tok-mo")
    en = _all(order_world, "tok-mo", {"KA": "sdk/1.0 lang/en"})
    assert ko["total_count"] == en["total_count"] == len(MIX)
    assert sorted(e["id"] for e in ko["elements"]) == sorted(e["id"] for e in en["elements"])


# --- multi-profiles ---------------------------------------------------------------------------


def _multi_world() -> dict[str, Any]:
    tube = account(
        "tube",
        "Tube",
        friends=[friend("o1"), friend("o2"), friend("o3")],
        multi_profiles=[
            {
                "key": "work",
                "nickname": "Aaa Work",
                "profile_image_url": IMG + "work_640.jpg",
                "thumbnail_url": IMG + "work_110.jpg",
                "shown_to": ["o1"],
            },
            {"key": "plain", "nickname": "Plain", "shown_to": ["o2"]},
        ],
    )
    owners = [
        account(o, o.upper(), friends=[friend("tube"), friend("mmm")]) for o in ("o1", "o2", "o3")
    ]
    return world(
        apps=[app(40)],
        accounts=[tube, account("mmm", "Mmm"), *owners],
        links=[link(40, "tube", 1), link(40, "mmm", 2)]
        + [link(40, o, 10 + i) for i, o in enumerate(("o1", "o2", "o3"))],
        tokens=[token(40, o, f"tok-{o}") for o in ("o1", "o2", "o3")]
        + [token(40, "tube", "tok-tube")],
    )


@pytest.fixture(scope="module")
def multi_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from serve(tmp_path_factory, _multi_world(), "multi")


def test_multi_profile_seen_by_the_friend_it_is_shown_to(multi_world: Server) -> None:
    body = _all(multi_world, "tok-o1", friend_order="nickname")
    # Sorted by the nickname o1 sees: "Aaa Work" before "Mmm".
    assert body["elements"] == [
        {
            "profile_nickname": "Aaa Work",
            "profile_thumbnail_image": IMG + "work_110.jpg",
            "id": 1,
            "uuid": "uuid-tube-40",
            "favorite": False,
        },
        {
            "profile_nickname": "Mmm",
            "profile_thumbnail_image": IMG + "mmm_110.jpg",
            "id": 2,
            "uuid": "uuid-mmm-40",
            "favorite": False,
        },
    ]


def test_multi_profile_without_images_shows_no_image(multi_world: Server) -> None:
    body = _all(multi_world, "tok-o2", friend_order="nickname")
    assert body["elements"][0] == {
        "profile_nickname": "Mmm",
        "profile_thumbnail_image": IMG + "mmm_110.jpg",
        "id": 2,
        "uuid": "uuid-mmm-40",
        "favorite": False,
    }
    assert body["elements"][1] == {
        "profile_nickname": "Plain",
        "id": 1,
        "uuid": "uuid-tube-40",
        "favorite": False,
    }


def test_others_see_the_default_profile(multi_world: Server) -> None:
    body = _all(multi_world, "tok-o3", friend_order="nickname")
    assert nicknames(body) == ["Mmm", "Tube"]
    assert body["elements"][1]["profile_thumbnail_image"] == IMG + "tube_110.jpg"


def test_the_owner_of_multi_profiles_sees_friends_defaults(multi_world: Server) -> None:
    body = _all(multi_world, "tok-tube", friend_order="nickname")
    assert nicknames(body) == ["O1", "O2", "O3"]


# --- hostile input never yields a 5xx ---------------------------------------------------------


@pytest.mark.parametrize(
    "raw_query",
    [
        "offset=%00",
        "limit=1e2",
        "order=asc%00",
        "offset=" + "9" * 5000,
        "limit=%FF%FE",
        "friend_order=%E2%80%AEnickname",
        "limit=+5",
    ],
)
def test_hostile_parameters_get_minus_2(demo_server: Server, raw_query: str) -> None:
    r = demo_server.get(f"{PATH}?{raw_query}", headers=DEMO)
    expect_error(r, 400, -2)
