"""How an app developer tests against a Kakao world: nothing of talksocial is imported, the
plugin's `kakao_world` fixture is all it takes."""

from __future__ import annotations

import pytest


def friend_names(client):  # the app's own code under test
    return [friend.nickname for friend in client.iter_friends()]


def test_lists_my_friends(kakao_world):
    client = kakao_world.client(access_token="demo-access-token")
    assert friend_names(client)[:3] == ["Apeach", "Jordy", "Ryan"]


MY_WORLD = {
    "apps": [{"id": 7, "name": "My app", "rest_api_key": "rk", "admin_key": "ak",
              "redirect_uris": ["http://localhost:8080/cb"],
              "consent_items": {"profile_nickname": "required", "friends": "optional"}}],
    "accounts": [{"key": "me", "profile": {"nickname": "Me"},
                  "friends": [{"account": "pal", "favorite": True}]},
                 {"key": "pal", "profile": {"nickname": "Pal"}}],
    "links": [{"app": 7, "account": "me", "user_id": 1, "scopes": ["profile_nickname", "friends"]},
              {"app": 7, "account": "pal", "user_id": 2, "scopes": ["profile_nickname", "friends"]}],
}


@pytest.mark.talksocial_world(MY_WORLD)
def test_my_own_world(kakao_world):
    token = kakao_world.issue_token(7, "me", scopes=["friends"])
    client = kakao_world.client(access_token=token)
    assert client.talk_profile().nickname == "Me"
    assert friend_names(client) == ["Pal"]
