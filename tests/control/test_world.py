"""Control API: apps, accounts, profiles, multi-profiles, friends, links, consents, tokens; each
edit checked through the Kakao APIs it changes, each rule of the world enforced."""

from __future__ import annotations

from talksocial.demo import DEMO_ADMIN_KEY, DEMO_APP_ID
from tests.control.conftest import Control


def test_apps_crud(ctl: Control) -> None:
    ids = [a["id"] for a in ctl.ok("GET", "/apps")["apps"]]
    assert DEMO_APP_ID in ids
    created = ctl.ok("POST", "/apps", 201, json={
        "id": 7001, "name": "Seven", "admin_key": "ak-7001",
        "consent_items": {"profile_nickname": "required", "friends": "optional"},
    })
    assert created["admin_key"] == "ak-7001" and created["rest_api_key"]
    assert ctl.ok("GET", "/apps/7001")["name"] == "Seven"
    # The admin key works at once on the admin-key API (no user linked yet: -2 for the target).
    answer = ctl.server.get("/v2/api/talk/profiles?target_ids=[1]&target_id_type=user_id",
                            headers={"Authorization": "KakaoAK ak-7001"})
    assert answer.json()["code"] == -2
    patched = ctl.ok("PATCH", "/apps/7001", json={"name": "Seven bis", "admin_key": "ak-7001b"})
    assert patched["name"] == "Seven bis"
    old = ctl.server.get("/v2/api/talk/profiles?target_ids=[1]&target_id_type=user_id",
                         headers={"Authorization": "KakaoAK ak-7001"})
    assert old.status_code == 401
    assert ctl.call("POST", "/apps", json={"id": 7001}).status_code == 409
    assert ctl.call("POST", "/apps", json={"admin_key": DEMO_ADMIN_KEY}).status_code == 409
    bad = ctl.call("POST", "/apps", json={"consent_items": {"profile": "required",
                                                            "profile_nickname": "optional"}})
    assert bad.status_code == 400 and bad.json()["code"] == -2
    assert ctl.call("POST", "/apps", json={"nope": 1}).status_code == 400
    assert ctl.ok("DELETE", "/apps/7001", 204) is None
    assert ctl.call("GET", "/apps/7001").status_code == 404


def test_app_consent_items_keep_links_valid(ctl: Control) -> None:
    # Requiring an item a linked user has not agreed to is refused, as in a seed file.
    refused = ctl.call("PATCH", f"/apps/{DEMO_APP_ID}", json={"consent_items": {
        "profile_nickname": "required", "profile_image": "optional", "friends": "required"}})
    assert refused.status_code == 409 and "friends" in refused.json()["msg"]
    # Dropping `friends` drops it from every link: the friends API answers -3 then.
    ctl.ok("PATCH", f"/apps/{DEMO_APP_ID}", json={"consent_items": {
        "profile_nickname": "required", "profile_image": "optional"}})
    link = ctl.ok("GET", f"/links/{DEMO_APP_ID}/apeach")
    assert link["scopes"] == ["profile_nickname", "profile_image"]
    assert ctl.api("/v1/api/talk/friends").json()["code"] == -3


def test_accounts_profiles_and_friends(ctl: Control) -> None:
    ctl.ok("POST", "/accounts", 201, json={
        "key": "kiwi", "profile": {"nickname": "Kiwi", "thumbnail_url": "https://x/k.png"},
        "password": "pw-kiwi"})
    assert ctl.call("POST", "/accounts", json={"key": "kiwi"}).status_code == 409
    ctl.ok("POST", "/links", 201, json={
        "app": DEMO_APP_ID, "account": "kiwi",
        "scopes": ["profile_nickname", "profile_image", "friends"]})
    ctl.ok("PUT", "/accounts/muzi/friends/kiwi", json={"favorite": True})
    names = ctl.friend_names()
    assert "Kiwi" in names
    body = ctl.api("/v1/api/talk/friends?limit=100").json()
    kiwi = next(e for e in body["elements"] if e["profile_nickname"] == "Kiwi")
    assert kiwi["favorite"] is True and kiwi["profile_thumbnail_image"] == "https://x/k.png"

    ctl.ok("PUT", "/accounts/kiwi/profile", json={"nickname": "Kiwi 2"})
    assert "Kiwi 2" in ctl.friend_names() and "Kiwi" not in ctl.friend_names()
    ctl.ok("PATCH", "/accounts/muzi/friends/kiwi", json={"hidden": True})
    assert "Kiwi 2" not in ctl.friend_names()
    ctl.ok("PATCH", "/accounts/muzi/friends/kiwi", json={"hidden": False, "blocked": True})
    assert "Kiwi 2" not in ctl.friend_names()
    ctl.ok("PATCH", "/accounts/muzi/friends/kiwi", json={"blocked": False})
    assert "Kiwi 2" in ctl.friend_names()
    ctl.ok("PATCH", "/accounts/kiwi", json={"talk_user": False})
    assert "Kiwi 2" not in ctl.friend_names()
    ctl.ok("PATCH", "/accounts/kiwi", json={"talk_user": True})

    account = ctl.ok("GET", "/accounts/kiwi")
    assert account["has_password"] is True and account["links"][0]["app"] == DEMO_APP_ID
    friends = ctl.ok("GET", "/accounts/muzi/friends")["friends"]
    assert {"account": "kiwi", "favorite": True, "hidden": False, "blocked": False,
            "multi_profile": None} in friends

    ctl.ok("PUT", "/accounts/kiwi/account_profile", json={"nickname": "K", "email": "k@x"})
    assert ctl.ok("GET", "/accounts/kiwi/profile")["account_profile"]["email"] == "k@x"
    ctl.ok("DELETE", "/accounts/kiwi/account_profile", 204)
    assert ctl.ok("GET", "/accounts/kiwi/profile")["account_profile"] is None

    assert ctl.call("PUT", "/accounts/muzi/friends/muzi", json={}).status_code == 400
    assert ctl.call("PUT", "/accounts/muzi/friends/nobody", json={}).status_code == 404
    ctl.ok("DELETE", "/accounts/muzi/friends/kiwi", 204)
    assert "Kiwi 2" not in ctl.friend_names()
    ctl.ok("PUT", "/accounts/muzi/friends/kiwi", json={})
    assert "Kiwi 2" in ctl.friend_names()
    ctl.ok("DELETE", "/accounts/kiwi", 204)
    assert "Kiwi 2" not in ctl.friend_names()
    assert ctl.call("GET", "/accounts/kiwi").status_code == 404


def test_rename_and_accounts_list(ctl: Control) -> None:
    keys = [a["key"] for a in ctl.ok("GET", "/accounts")["accounts"]]
    assert keys[0] == "muzi" and "apeach" in keys
    assert ctl.call("PATCH", "/accounts/apeach", json={"key": "ryan"}).status_code == 409
    ctl.ok("PATCH", "/accounts/apeach", json={"key": "apeach2"})
    assert ctl.ok("GET", "/accounts/apeach2")["profile"]["nickname"] == "Apeach"


def test_multi_profiles(ctl: Control) -> None:
    # apeach shows muzi a multi-profile: muzi's friends list shows it.
    refused = ctl.call("POST", "/accounts/apeach/multi_profiles",
                       json={"nickname": "Apeach at work", "shown_to": ["muzi"]})
    assert refused.status_code == 400 and "friend list" in refused.json()["msg"]
    ctl.ok("PUT", "/accounts/apeach/friends/muzi", json={})
    mp = ctl.ok("POST", "/accounts/apeach/multi_profiles", 201,
                json={"nickname": "Apeach at work", "shown_to": ["muzi"]})
    assert mp["key"] == "mp1" and mp["shown_to"] == ["muzi"]
    assert "Apeach at work" in ctl.friend_names()
    # One shown profile per friend.
    second = ctl.call("POST", "/accounts/apeach/multi_profiles",
                      json={"nickname": "Apeach 2", "shown_to": ["muzi"]})
    assert second.status_code == 409
    ctl.ok("POST", "/accounts/apeach/multi_profiles", 201, json={"key": "home",
                                                                 "nickname": "Apeach home"})
    friend = ctl.ok("PATCH", "/accounts/apeach/friends/muzi", json={"multi_profile": "home"})
    assert friend["multi_profile"] == "home"
    assert "Apeach home" in ctl.friend_names()
    lists = ctl.ok("GET", "/accounts/apeach/multi_profiles")["multi_profiles"]
    assert {m["key"]: m["shown_to"] for m in lists} == {"mp1": [], "home": ["muzi"]}
    ctl.ok("PATCH", "/accounts/apeach/multi_profiles/home", json={"nickname": "Apeach house"})
    assert "Apeach house" in ctl.friend_names()
    ctl.ok("POST", "/accounts/apeach/multi_profiles", 201, json={"nickname": "third"})
    fourth = ctl.call("POST", "/accounts/apeach/multi_profiles", json={"nickname": "fourth"})
    assert fourth.status_code == 409 and "at most 3" in fourth.json()["msg"]
    stranger = ctl.call("PATCH", "/accounts/apeach/multi_profiles/mp1",
                        json={"shown_to": ["not-talk"]})
    assert stranger.status_code == 400 and "friend list" in stranger.json()["msg"]
    ctl.ok("DELETE", "/accounts/apeach/multi_profiles/home", 204)
    assert "Apeach" in ctl.friend_names()


def test_links_consents_and_tokens(ctl: Control) -> None:
    ctl.ok("POST", "/accounts", 201, json={"key": "lime"})
    taken = ctl.ok("GET", f"/links/{DEMO_APP_ID}/apeach")["user_id"]
    clash = ctl.call("POST", "/links", json={"app": DEMO_APP_ID, "account": "lime",
                                             "user_id": taken})
    assert clash.status_code == 409
    missing = ctl.call("POST", "/links", json={"app": DEMO_APP_ID, "account": "lime",
                                               "scopes": ["friends"]})
    assert missing.status_code == 400 and "profile_nickname" in missing.json()["msg"]
    unused = ctl.call("POST", "/links", json={"app": 1002, "account": "lime",
                                              "scopes": ["profile_nickname", "friends"]})
    assert unused.status_code == 400
    link = ctl.ok("POST", "/links", 201, json={"app": DEMO_APP_ID, "account": "lime",
                                                "user_id": 777, "uuid": "uuid-lime"})
    assert link["scopes"] == ["profile_nickname"] and link["user_id"] == 777
    assert ctl.call("POST", "/links", json={"app": DEMO_APP_ID, "account": "lime"}).status_code \
        == 409
    token = ctl.token(DEMO_APP_ID, "lime")
    profile = ctl.api("/v1/api/talk/profile", token).json()
    assert profile == {"id": 777, "nickName": "lime"}
    assert ctl.api("/v1/api/talk/friends", token).json()["code"] == -402
    ctl.ok("PUT", f"/links/{DEMO_APP_ID}/lime/scopes",
           json={"scopes": ["profile_nickname", "friends"]})
    assert ctl.api("/v1/api/talk/friends", token).status_code == 200
    listed = ctl.ok("GET", "/links?account=lime")["links"]
    assert [(lk["app"], lk["uuid"]) for lk in listed] == [(DEMO_APP_ID, "uuid-lime")]
    ctl.ok("PATCH", f"/links/{DEMO_APP_ID}/lime", json={"user_id": 778})
    assert ctl.api("/v1/api/talk/profile", token).json()["id"] == 778
    ctl.ok("DELETE", f"/links/{DEMO_APP_ID}/lime", 204)
    # Unlinking revokes the tokens.
    assert ctl.api("/v1/api/talk/profile", token).json()["code"] == -401
    # Issuing a token links first, with the scopes asked.
    again = ctl.token(DEMO_APP_ID, "lime", scopes=["friends"])
    assert ctl.api("/v1/api/talk/friends", again).status_code == 200
    assert ctl.call("POST", "/tokens", json={"app": 9, "account": "lime"}).status_code == 404
    assert ctl.call("POST", "/tokens", json={"app": DEMO_APP_ID}).status_code == 400


def test_bad_bodies_never_5xx(ctl: Control) -> None:
    for method, path, content in [
        ("POST", "/apps", b"not json"),
        ("POST", "/apps", b"[1, 2]"),
        ("POST", "/accounts", b'{"key": 5}'),
        ("PATCH", "/accounts/muzi", b'{"talk_user": "yes"}'),
        ("POST", "/faults", b'{"endpoint": "/v1/api/talk/friends", "code": -999}'),
        ("PUT", "/quotas/1001/talk_friends", b'{"daily_limit": -1}'),
        ("PUT", "/quotas/1001/no_such_api", b'{"daily_limit": 1}'),
        ("POST", "/import", b'{"accounts": [{"key": ""}]}'),
    ]:
        response = ctl.call(method, path, content=content,
                            headers={"content-type": "application/json"})
        assert response.status_code == 400, (path, content, response.text)
        assert response.json()["code"] == -2
