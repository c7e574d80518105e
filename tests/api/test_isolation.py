"""Apps never see each other's users (docs/reference/friends.md, docs/reference/profiles.md): user ids and uuids are app-scoped, a
friend is listed only through the app the caller is using, admin keys reach their own app only."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.server import Server
from tests.support.worlds import (
    INVALID_APP_KEY,
    NOT_REGISTERED,
    UNREGISTERED_TARGET,
    account,
    app,
    bearer,
    expect,
    friend,
    kakao_ak,
    link,
    serve,
    token,
    world,
)

A, B = 60, 61
FRIENDS = "/v1/api/talk/friends"
PROFILE = "/v1/api/talk/profile"
PROFILES = "/v2/api/talk/profiles"


def _isolation_world() -> dict[str, Any]:
    both = ["profile_nickname", "profile_image"]
    return world(
        apps=[app(A), app(B)],
        accounts=[
            account(
                "me",
                "Me",
                friends=[
                    friend("both"),
                    friend("only-a"),
                    friend("only-b"),
                    friend("friends-in-b"),
                    friend("x"),
                    friend("y"),
                ],
            ),
            account("both", "Both"),
            account("only-a", "OnlyA"),
            account("only-b", "OnlyB"),
            account("friends-in-b", "FriendsInB"),
            account("x", "Xavier"),
            account("y", "Yolanda"),
        ],
        links=[
            link(A, "me", 1),
            link(A, "both", 2),
            link(A, "only-a", 3),
            link(A, "friends-in-b", 4, both),
            link(A, "x", 5),
            link(B, "me", 1001),
            link(B, "both", 1002),
            link(B, "only-b", 1003),
            link(B, "friends-in-b", 1004),
            # The same number names different accounts in the two apps.
            link(B, "y", 5),
        ],
        tokens=[token(A, "me", "tok-me-a"), token(B, "me", "tok-me-b")],
    )


@pytest.fixture(scope="module")
def iso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from serve(tmp_path_factory, _isolation_world(), "isolation")


def _friends(server: Server, tok: str) -> dict[str, Any]:
    r = server.get(FRIENDS, params={"limit": 100, "friend_order": "nickname"}, headers=bearer(tok))
    body: dict[str, Any] = expect(r, 200)
    return body


def _profiles(server: Server, app_id: int, params: dict[str, str]) -> Any:
    return server.get(PROFILES, params=params, headers=kakao_ak(f"ak-{app_id}"))


def test_friends_of_app_a_are_app_a_users_only(iso: Server) -> None:
    body = _friends(iso, "tok-me-a")
    assert body["total_count"] == 3
    assert [(e["profile_nickname"], e["id"], e["uuid"]) for e in body["elements"]] == [
        ("Both", 2, f"uuid-both-{A}"),
        ("OnlyA", 3, f"uuid-only-a-{A}"),
        ("Xavier", 5, f"uuid-x-{A}"),
    ]


def test_friends_of_app_b_are_app_b_users_only(iso: Server) -> None:
    body = _friends(iso, "tok-me-b")
    assert body["total_count"] == 4
    assert [(e["profile_nickname"], e["id"], e["uuid"]) for e in body["elements"]] == [
        ("Both", 1002, f"uuid-both-{B}"),
        ("FriendsInB", 1004, f"uuid-friends-in-b-{B}"),
        ("OnlyB", 1003, f"uuid-only-b-{B}"),
        ("Yolanda", 5, f"uuid-y-{B}"),
    ]


def test_no_trace_of_the_other_app_in_the_raw_answer(iso: Server) -> None:
    r = iso.get(FRIENDS, params={"limit": 100}, headers=bearer("tok-me-a"))
    text = r.text
    for foreign in ("OnlyB", "FriendsInB", "Yolanda", f"-{B}", "1001", "1002", "1003", "1004"):
        assert foreign not in text


def test_same_account_has_a_user_id_per_app(iso: Server) -> None:
    a = expect(iso.get(PROFILE, headers=bearer("tok-me-a")), 200)
    b = expect(iso.get(PROFILE, headers=bearer("tok-me-b")), 200)
    assert a["id"] == 1 and b["id"] == 1001
    uuids_a = {e["uuid"] for e in _friends(iso, "tok-me-a")["elements"]}
    uuids_b = {e["uuid"] for e in _friends(iso, "tok-me-b")["elements"]}
    assert not uuids_a & uuids_b


@pytest.mark.parametrize("target", ["1002", "1003", "1001"])
def test_admin_key_of_a_cannot_read_b_users(iso: Server, target: str) -> None:
    r = _profiles(iso, A, {"target_ids": f"[{target}]", "target_id_type": "user_id"})
    expect(r, 400, UNREGISTERED_TARGET)


def test_admin_key_of_a_cannot_use_b_viewer(iso: Server) -> None:
    r = _profiles(iso, A, {"target_ids": "[2]", "target_id_type": "user_id", "viewer_id": "1001"})
    expect(r, 400, NOT_REGISTERED)


def test_same_number_means_the_apps_own_user(iso: Server) -> None:
    params = {"target_ids": "[5]", "target_id_type": "user_id"}
    a = expect(_profiles(iso, A, params), 200)
    b = expect(_profiles(iso, B, params), 200)
    assert a["targets"][0]["nickname"] == "Xavier"
    assert b["targets"][0]["nickname"] == "Yolanda"


def test_each_admin_key_reads_its_own_app(iso: Server) -> None:
    ids = {"target_ids": json.dumps([1002, 1001]), "target_id_type": "user_id"}
    body = expect(_profiles(iso, B, {**ids, "viewer_id": "1001"}), 200)
    assert body["viewer"]["user_id"] == 1001
    assert [t["nickname"] for t in body["targets"]] == ["Both", "Me"]


def test_an_access_token_is_not_an_admin_key(iso: Server) -> None:
    r = iso.get(
        PROFILES,
        params={"target_ids": "[2]", "target_id_type": "user_id"},
        headers=kakao_ak("tok-me-a"),
    )
    expect(r, 401, INVALID_APP_KEY)
