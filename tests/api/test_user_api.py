"""The user APIs of Kakao Login (docs/reference/errors.md, docs/reference/kakao-login.md) over real HTTP: token info, logout, unlink,
consent items and their revocation, and /v2/user/me."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.support.login_browser import LoginBrowser, advance_clock, exchange, refresh, tokens_for
from tests.support.login_worlds import (
    APP,
    CLIENT,
    CLIENT_SECRET,
    RYAN_ACCOUNT_PROFILE,
    RYAN_PASSWORD,
    SECRET_APP,
    SECRET_CLIENT,
    fresh_accounts,
    login_world,
)
from tests.support.server import Server
from tests.support.worlds import (
    INVALID_APP_KEY,
    NO_AUTH,
    NOT_REGISTERED,
    TOKEN_EXPIRED,
    TOKEN_NOT_FOUND,
    bearer,
    expect,
    expect_error,
    kakao_ak,
    serve,
)

MakeServer = Callable[..., Server]
IMG = "https://img.example/"
ENDPOINTS = [
    ("GET", "/v1/user/access_token_info"),
    ("POST", "/v1/user/logout"),
    ("POST", "/v1/user/unlink"),
    ("GET", "/v2/user/scopes"),
    ("POST", "/v2/user/revoke/scopes"),
    ("GET", "/v2/user/me"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from serve(tmp_path_factory, login_world(), "user-api")


_fresh = fresh_accounts()


@pytest.fixture
def user() -> str:
    return next(_fresh)


def user_id_of(server: Server, access_token: str) -> int:
    info = server.get("/v1/user/access_token_info", headers=bearer(access_token)).json()
    return int(info["id"])


def friend_ids(server: Server, access_token: str) -> list[int]:
    response = server.get("/v1/api/talk/friends", headers=bearer(access_token))
    body = expect(response, 200)
    return [element["id"] for element in body["elements"]]


# --- credentials ----------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_credentials(server: Server, method: str, path: str) -> None:
    expect(server.request(method, path), 401, NO_AUTH)
    expect(server.request(method, path, headers=bearer("nope")), 401, TOKEN_NOT_FOUND)
    expect(server.request(method, path, headers={"Authorization": "Basic x"}), 401, TOKEN_NOT_FOUND)


def test_unlink_with_a_bad_admin_key(server: Server) -> None:
    expect(server.post("/v1/user/unlink", headers=kakao_ak("nope")), 401, INVALID_APP_KEY)


# --- access_token_info ------------------------------------------------------------------------


def test_access_token_info(server: Server, user: str) -> None:
    tokens = tokens_for(server, CLIENT, user)
    body = expect(
        server.get("/v1/user/access_token_info", headers=bearer(tokens["access_token"])), 200
    )
    assert set(body) == {"id", "expires_in", "app_id"}
    assert body["app_id"] == APP
    assert 21500 < body["expires_in"] <= 21599
    assert isinstance(body["id"], int)


def test_access_token_info_counts_down_and_expires(make_server: MakeServer) -> None:
    server = make_server(seed=login_world())
    tokens = tokens_for(server, CLIENT, "muzi")
    advance_clock(server, 21000)
    body = server.get("/v1/user/access_token_info", headers=bearer(tokens["access_token"])).json()
    assert 500 < body["expires_in"] <= 599
    advance_clock(server, 600)
    for method, path in ENDPOINTS:
        response = server.request(method, path, headers=bearer(tokens["access_token"]))
        expect(response, 401, TOKEN_EXPIRED)


# --- logout -------------------------------------------------------------------------------


def test_logout_revokes_the_token_and_its_refresh_token(server: Server, user: str) -> None:
    browser = LoginBrowser(server)
    first = exchange(server, CLIENT, browser.code(CLIENT, user)["code"]).json()
    second = exchange(server, CLIENT, browser.code(CLIENT, user)["code"]).json()
    uid = user_id_of(server, first["access_token"])
    expect(server.post("/v1/user/logout", headers=bearer(first["access_token"])), 200, {"id": uid})
    expect(
        server.get("/v1/user/access_token_info", headers=bearer(first["access_token"])),
        401,
        TOKEN_NOT_FOUND,
    )
    response = refresh(server, CLIENT, first["refresh_token"])
    assert response.status_code == 400 and response.json()["error_code"] == "KOE322"
    # The other login of the same user is untouched, and the link stays.
    assert user_id_of(server, second["access_token"]) == uid
    assert refresh(server, CLIENT, second["refresh_token"]).status_code == 200


# --- unlink -------------------------------------------------------------------------------


def test_unlink_with_the_token(server: Server, user: str) -> None:
    browser = LoginBrowser(server)
    tokens = exchange(server, CLIENT, browser.code(CLIENT, user)["code"]).json()
    other = exchange(server, CLIENT, browser.code(CLIENT, user)["code"]).json()
    uid = user_id_of(server, tokens["access_token"])
    expect(server.post("/v1/user/unlink", headers=bearer(tokens["access_token"])), 200, {"id": uid})
    for token in (tokens["access_token"], other["access_token"]):
        expect(server.get("/v2/user/me", headers=bearer(token)), 401, TOKEN_NOT_FOUND)
    for value in (tokens["refresh_token"], other["refresh_token"]):
        assert refresh(server, CLIENT, value).json()["error_code"] == "KOE322"
    # Consents are gone: logging in again asks every item, and gives a new app user id.
    page = browser.authorize(CLIENT)
    assert page.status_code == 200 and "consent-form" in page.text
    again = tokens_for(server, CLIENT, user)
    assert user_id_of(server, again["access_token"]) != uid


def test_unlink_leaves_the_friends_lists(make_server: MakeServer) -> None:
    server = make_server(seed=login_world())
    # Ryan logs in with friends; his friends jordy (linked with friends) shows up.
    ryan = tokens_for(server, CLIENT, "ryan", password=RYAN_PASSWORD)
    jordy = tokens_for(server, CLIENT, "jordy")
    ryan_id = user_id_of(server, ryan["access_token"])
    jordy_id = user_id_of(server, jordy["access_token"])
    assert jordy_id in friend_ids(server, ryan["access_token"])
    assert ryan_id in friend_ids(server, jordy["access_token"])
    expect(
        server.post("/v1/user/unlink", headers=bearer(ryan["access_token"])), 200, {"id": ryan_id}
    )
    assert ryan_id not in friend_ids(server, jordy["access_token"])


def test_unlink_with_the_admin_key(make_server: MakeServer) -> None:
    server = make_server(seed=login_world())
    tokens = tokens_for(server, CLIENT, "muzi")
    uid = user_id_of(server, tokens["access_token"])
    key = kakao_ak(f"ak-{APP}")
    post = server.post
    expect_error(post("/v1/user/unlink", headers=key), 400, -2)
    expect_error(post("/v1/user/unlink", headers=key, data={"target_id": str(uid)}), 400, -2)
    expect_error(
        post(
            "/v1/user/unlink", headers=key, data={"target_id_type": "uuid", "target_id": str(uid)}
        ),
        400,
        -2,
    )
    expect_error(
        post(
            "/v1/user/unlink", headers=key, data={"target_id_type": "user_id", "target_id": "abc"}
        ),
        400,
        -2,
    )
    expect_error(post("/v1/user/unlink", headers=key, data={"target_id_type": "user_id"}), 400, -2)
    expect(
        post(
            "/v1/user/unlink",
            headers=key,
            data={"target_id_type": "user_id", "target_id": "999999"},
        ),
        400,
        NOT_REGISTERED,
    )
    # Another app's admin key does not reach this app's user.
    expect(
        post(
            "/v1/user/unlink",
            headers=kakao_ak(f"ak-{SECRET_APP}"),
            data={"target_id_type": "user_id", "target_id": str(uid)},
        ),
        400,
        NOT_REGISTERED,
    )
    expect(
        post(
            "/v1/user/unlink",
            headers=key,
            data={"target_id_type": "user_id", "target_id": str(uid)},
        ),
        200,
        {"id": uid},
    )
    expect(
        server.get("/v1/user/access_token_info", headers=bearer(tokens["access_token"])),
        401,
        TOKEN_NOT_FOUND,
    )
    # Query parameters work as well as a form body; the id is gone now.
    expect(
        post(f"/v1/user/unlink?target_id_type=user_id&target_id={uid}", headers=key),
        400,
        NOT_REGISTERED,
    )


# --- scopes -------------------------------------------------------------------------------


def _entry(item: str, display: str, agreed: bool, revocable: bool | None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": item,
        "display_name": display,
        "type": "PRIVACY",
        "using": True,
        "agreed": agreed,
    }
    if revocable is not None:
        entry["revocable"] = revocable
    return entry


NICK = ("profile_nickname", "Nickname")
IMAGE = ("profile_image", "Profile image")
FRIENDS = (
    "friends",
    "Friends List in Kakao Service(Including profile image, nickname, and favorites)",
)
EMAIL = ("account_email", "Email")
OPENID = ("openid", "OpenID Connect")


def test_scopes(server: Server, user: str) -> None:
    tokens = tokens_for(server, CLIENT, user, untick=("friends", "openid"))
    uid = user_id_of(server, tokens["access_token"])
    auth = bearer(tokens["access_token"])
    expect(
        server.get("/v2/user/scopes", headers=auth),
        200,
        {
            "id": uid,
            "scopes": [
                _entry(*NICK, True, False),
                _entry(*IMAGE, True, True),
                _entry(*FRIENDS, False, None),
                _entry(*EMAIL, True, True),
                _entry(*OPENID, False, None),
            ],
        },
    )
    filtered = server.get(
        "/v2/user/scopes", headers=auth, params={"scopes": '["friends","profile_nickname"]'}
    )
    expect(
        filtered,
        200,
        {"id": uid, "scopes": [_entry(*NICK, True, False), _entry(*FRIENDS, False, None)]},
    )
    for bad in ("friends", "{}", "[1]", '["a"'):
        expect_error(server.get("/v2/user/scopes", headers=auth, params={"scopes": bad}), 400, -2)


def test_revoke_an_optional_item(server: Server, user: str) -> None:
    tokens = tokens_for(server, CLIENT, user)
    auth = bearer(tokens["access_token"])
    response = server.post(
        "/v2/user/revoke/scopes", headers=auth, data={"scopes": '["profile_image"]'}
    )
    body = expect(response, 200)
    entries = {e["id"]: e for e in body["scopes"]}
    assert entries["profile_image"] == _entry(*IMAGE, False, None)
    assert entries["friends"]["agreed"] is True
    # The token sees the change at once.
    profile = server.get("/v1/api/talk/profile", headers=auth).json()
    assert "profileImageURL" not in profile and profile["nickName"] == user.title()
    # Agreed items are refreshed with the token's next grant too.
    assert "profile_image" not in refresh(server, CLIENT, tokens["refresh_token"]).json()["scope"]


REQUIRED_NICKNAME = {
    "msg": "[profile_nickname] is not revocable. check out if it's set as required on "
    "developers.kakao.com",
    "code": -3,
}


def no_scope_to_revoke(item: str) -> dict[str, Any]:
    return {
        "msg": f"There is no scopes to revoke. check out if given scope id([{item}]) is correct "
        "again.",
        "code": -2,
    }


@pytest.mark.parametrize(
    ("scopes", "status", "body"),
    [
        (["profile_nickname"], 403, REQUIRED_NICKNAME),  # required
        # one good, one required: nothing revoked
        (["profile_image", "profile_nickname"], 403, REQUIRED_NICKNAME),
        (["talk_message"], 400, no_scope_to_revoke("talk_message")),  # not used by the app
        (["no_such_item"], 400, no_scope_to_revoke("no_such_item")),
        ([], 400, None),
    ],
)
def test_revoke_refused(
    server: Server, scopes: list[str], status: int, body: dict[str, Any] | None
) -> None:
    user = next(_fresh)
    tokens = tokens_for(server, CLIENT, user)
    auth = bearer(tokens["access_token"])
    before = server.get("/v2/user/scopes", headers=auth).json()
    response = server.post(
        "/v2/user/revoke/scopes", headers=auth, data={"scopes": json.dumps(scopes)}
    )
    if body is None:
        expect_error(response, status, -2)
    else:
        expect(response, status, body)
    assert server.get("/v2/user/scopes", headers=auth).json() == before


@pytest.mark.parametrize("raw", ["[" * 5_000, "not json", '{"a": 1}', "[1, 2]"])
def test_malformed_scopes_are_invalid_arguments(server: Server, raw: str) -> None:
    auth = bearer(tokens_for(server, CLIENT, next(_fresh))["access_token"])
    expect_error(server.get("/v2/user/scopes", headers=auth, params={"scopes": raw}), 400, -2)
    expect_error(server.post("/v2/user/revoke/scopes", headers=auth, data={"scopes": raw}), 400, -2)


def test_revoke_an_item_not_agreed(server: Server, user: str) -> None:
    tokens = tokens_for(server, CLIENT, user, untick=("friends",))
    auth = bearer(tokens["access_token"])
    response = server.post("/v2/user/revoke/scopes", headers=auth, data={"scopes": '["friends"]'})
    expect_error(response, 400, -2)
    expect_error(server.post("/v2/user/revoke/scopes", headers=auth), 400, -2)


def test_revoking_friends_leaves_the_friends_lists(make_server: MakeServer) -> None:
    server = make_server(seed=login_world())
    ryan = tokens_for(server, CLIENT, "ryan", password=RYAN_PASSWORD)
    jordy = tokens_for(server, CLIENT, "jordy")
    ryan_id = user_id_of(server, ryan["access_token"])
    assert ryan_id in friend_ids(server, jordy["access_token"])
    response = server.post(
        "/v2/user/revoke/scopes",
        headers=bearer(ryan["access_token"]),
        data={"scopes": '["friends"]'},
    )
    expect(response, 200)
    assert ryan_id not in friend_ids(server, jordy["access_token"])
    response = server.get("/v1/api/talk/friends", headers=bearer(ryan["access_token"]))
    assert expect_error(response, 403, -402)["required_scopes"] == ["friends"]


# --- /v2/user/me ------------------------------------------------------------------------------


def test_me_with_every_item(server: Server) -> None:
    tokens = tokens_for(server, CLIENT, "ryan", password=RYAN_PASSWORD)
    auth = bearer(tokens["access_token"])
    body = expect(server.get("/v2/user/me", headers=auth), 200)
    uid = user_id_of(server, tokens["access_token"])
    connected_at = body.pop("connected_at")
    assert len(connected_at) == 20 and connected_at.endswith("Z")
    profile = RYAN_ACCOUNT_PROFILE
    assert body == {
        "id": uid,
        "properties": {
            "nickname": profile["nickname"],
            "profile_image": profile["profile_image_url"],
            "thumbnail_image": profile["thumbnail_url"],
        },
        "kakao_account": {
            "profile_nickname_needs_agreement": False,
            "profile_image_needs_agreement": False,
            "profile": {
                "nickname": profile["nickname"],
                "profile_image_url": profile["profile_image_url"],
                "thumbnail_image_url": profile["thumbnail_url"],
                "is_default_image": False,
                "is_default_nickname": False,
            },
            "email_needs_agreement": False,
            "is_email_valid": True,
            "is_email_verified": True,
            "email": profile["email"],
        },
    }
    # POST answers the same (Kakao takes both).
    again = server.post("/v2/user/me", headers=auth).json()
    assert again["kakao_account"] == body["kakao_account"]


def test_me_follows_consent(server: Server, user: str) -> None:
    tokens = tokens_for(server, CLIENT, user, untick=("profile_image", "account_email"))
    body = expect(server.get("/v2/user/me", headers=bearer(tokens["access_token"])), 200)
    assert body["properties"] == {"nickname": user.title()}
    assert body["kakao_account"] == {
        "profile_nickname_needs_agreement": False,
        "profile_image_needs_agreement": True,
        "profile": {"nickname": user.title(), "is_default_nickname": False},
        "email_needs_agreement": True,
    }


def test_me_on_the_legacy_profile_item(server: Server) -> None:
    user = next(_fresh)
    tokens = tokens_for(
        server, SECRET_CLIENT, user, untick=("profile",), client_secret=CLIENT_SECRET
    )
    assert tokens["scope"] == "friends"
    body = server.get("/v2/user/me", headers=bearer(tokens["access_token"])).json()
    assert body["kakao_account"] == {"profile_needs_agreement": True}
    assert "properties" not in body
