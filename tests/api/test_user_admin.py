"""The user APIs with the admin key, user ids, app users and user properties
(docs/reference/kakao-login.md#user-apis), over HTTP against the in-process app."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.server import Server
from tests.support.worlds import (
    INVALID_APP_KEY,
    NO_AUTH,
    NOT_REGISTERED,
    account,
    app,
    bearer,
    expect,
    expect_error,
    kakao_ak,
    link,
    serve,
    token,
)

MakeServer = Callable[..., Server]
APP_ID = 4001
OTHER = 4002
ITEMS = {
    "profile_nickname": "required",
    "profile_image": "optional",
    "account_email": "optional",
    "friends": "optional",
}
KEYS = ["age", "tier"]
ADMIN = kakao_ak(f"ak-{APP_ID}")
USER_IDS = [11, 12, 13, 14, 15, 16, 17]
NAMES = ["a", "b", "c", "d", "e", "f", "g"]


def admin_world() -> dict[str, Any]:
    accounts = [
        account(name, account_profile={"nickname": name.upper(), "email": f"{name}@example.com"})
        for name in NAMES
    ]
    accounts[1]["account_profile"]["email_verified"] = False
    links = [
        link(APP_ID, name, uid, ["profile_nickname", "profile_image", "account_email"])
        for name, uid in zip(NAMES, USER_IDS, strict=True)
    ]
    links[0]["properties"] = {"age": "30"}
    links.append(link(OTHER, "a", 99, ["profile_nickname"]))
    tokens = [token(APP_ID, name, f"tok-{name}") for name in NAMES]
    tokens.append(token(APP_ID, "a", "tok-a2"))
    tokens.append(token(OTHER, "a", "tok-other"))
    return {
        "apps": [
            app(APP_ID, ITEMS, user_properties=KEYS),
            app(OTHER, {"profile_nickname": "required"}),
        ],
        "accounts": accounts,
        "links": links,
        "tokens": tokens,
    }


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Read-only uses of the admin world."""
    yield from serve(tmp_path_factory, admin_world(), "user-admin")


@pytest.fixture
def fresh(make_server: MakeServer) -> Server:
    """A server of the admin world of its own (for writes and the rate limit)."""
    return make_server(seed=admin_world())


def target(user_id: int | str) -> dict[str, str]:
    return {"target_id_type": "user_id", "target_id": str(user_id)}


# --- credentials and targets ----------------------------------------------------------------

ADMIN_FORMS = [
    ("GET", "/v2/user/me"),
    ("POST", "/v2/user/me"),
    ("POST", "/v1/user/logout"),
    ("GET", "/v2/user/scopes"),
    ("POST", "/v2/user/revoke/scopes"),
]


@pytest.mark.parametrize(("method", "path"), ADMIN_FORMS)
def test_admin_key_forms_check_key_and_target(server: Server, method: str, path: str) -> None:
    expect(server.request(method, path, params=target(11)), 401, NO_AUTH)
    expect(server.request(method, path, params=target(11), headers=kakao_ak("nope")), 401,
           INVALID_APP_KEY)
    # another app's admin key does not reach this app's user
    expect(server.request(method, path, params=target(11), headers=kakao_ak(f"ak-{OTHER}")),
           400, NOT_REGISTERED)
    expect(server.request(method, path, params=target(999), headers=ADMIN), 400, NOT_REGISTERED)
    for bad in ({"target_id_type": "uuid", "target_id": "11"}, {"target_id_type": "user_id"},
                {"target_id_type": "user_id", "target_id": "x"}, {}):
        expect_error(server.request(method, path, params=bad, headers=ADMIN), 400, -2)


def test_admin_me_is_the_users_me(server: Server) -> None:
    by_token = expect(server.get("/v2/user/me", headers=bearer("tok-c")), 200)
    by_admin = expect(server.get("/v2/user/me", headers=ADMIN, params=target(13)), 200)
    by_post = expect(server.post("/v2/user/me", headers=ADMIN, data=target(13)), 200)
    assert by_token == by_admin == by_post
    assert by_admin["id"] == 13
    assert by_admin["kakao_account"]["email"] == "c@example.com"


def test_admin_scopes(server: Server) -> None:
    body = expect(server.get("/v2/user/scopes", headers=ADMIN, params=target(12)), 200)
    assert body["id"] == 12
    assert {s["id"]: s["agreed"] for s in body["scopes"]} == {
        "profile_nickname": True, "profile_image": True, "friends": False,
        "account_email": True,
    }
    only = server.get("/v2/user/scopes", headers=ADMIN,
                      params={**target(12), "scopes": '["friends"]'}).json()
    assert [s["id"] for s in only["scopes"]] == ["friends"]


def test_admin_revoke(fresh: Server) -> None:
    response = fresh.post("/v2/user/revoke/scopes", headers=ADMIN,
                          data={**target(14), "scopes": '["profile_image"]'})
    body = expect(response, 200)
    assert {s["id"]: s["agreed"] for s in body["scopes"]}["profile_image"] is False
    # the user's own token sees it
    me = fresh.get("/v2/user/me", headers=bearer("tok-d")).json()
    assert me["kakao_account"]["profile_image_needs_agreement"] is True
    expect(fresh.post("/v2/user/revoke/scopes", headers=ADMIN,
                      data={**target(14), "scopes": '["profile_nickname"]'}), 403, {
        "msg": "[profile_nickname] is not revocable. check out if it's set as required on "
               "developers.kakao.com", "code": -3})
    expect(fresh.post("/v2/user/revoke/scopes", headers=ADMIN,
                      data={**target(14), "scopes": '["talk_message"]'}), 400, {
        "msg": "There is no scopes to revoke. check out if given scope id([talk_message]) is "
               "correct again.", "code": -2})


def test_admin_logout_ends_every_token_of_the_user_in_the_app(fresh: Server) -> None:
    for tok in ("tok-a", "tok-a2", "tok-other"):
        expect(fresh.get("/v1/user/access_token_info", headers=bearer(tok)), 200)
    expect(fresh.post("/v1/user/logout", headers=ADMIN, data=target(11)), 200, {"id": 11})
    for tok in ("tok-a", "tok-a2"):
        expect_error(fresh.get("/v1/user/access_token_info", headers=bearer(tok)), 401, -401)
    # the other app's token and the link stay
    expect(fresh.get("/v1/user/access_token_info", headers=bearer("tok-other")), 200)
    expect(fresh.get("/v2/user/me", headers=ADMIN, params=target(11)), 200)
    expect(fresh.get("/v1/user/access_token_info", headers=bearer("tok-b")), 200)


def test_bearer_logout_ends_only_that_token(fresh: Server) -> None:
    expect(fresh.post("/v1/user/logout", headers=bearer("tok-a")), 200, {"id": 11})
    expect_error(fresh.get("/v1/user/access_token_info", headers=bearer("tok-a")), 401, -401)
    expect(fresh.get("/v1/user/access_token_info", headers=bearer("tok-a2")), 200)


# --- /v2/app/users --------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_app_users_in_the_order_asked(server: Server, method: str) -> None:
    params = {"target_id_type": "user_id", "target_ids": "[13,11,15]"}
    kwargs: dict[str, Any] = {"params": params} if method == "GET" else {"data": params}
    body = expect(server.request(method, "/v2/app/users", headers=ADMIN, **kwargs), 200)
    assert [user["id"] for user in body] == [13, 11, 15]
    single = server.get("/v2/user/me", headers=ADMIN, params=target(11)).json()
    assert body[1] == single


def test_app_users_parameters(server: Server) -> None:
    def ask(**params: str) -> Any:
        return server.get("/v2/app/users", headers=ADMIN, params=params)

    expect(server.get("/v2/app/users", params={"target_id_type": "user_id",
                                                "target_ids": "[11]"}), 401, NO_AUTH)
    expect(server.get("/v2/app/users", headers=bearer("tok-a"),
                      params={"target_id_type": "user_id", "target_ids": "[11]"}), 401,
           INVALID_APP_KEY)
    expect_error(ask(target_id_type="user_id"), 400, -2)
    expect_error(ask(target_id_type="uuid", target_ids="[11]"), 400, -2)
    expect_error(ask(target_id_type="user_id", target_ids="[]"), 400, -2)
    expect_error(ask(target_id_type="user_id", target_ids="not json"), 400, -2)
    expect_error(ask(target_id_type="user_id", target_ids=json.dumps(list(range(1, 102)))),
                 400, -2)
    hundred = ask(target_id_type="user_id", target_ids=json.dumps(list(range(1, 101))))
    assert [user["id"] for user in expect(hundred, 200)] == [11, 12, 13, 14, 15, 16, 17]
    # ids of no user of the app are left out
    assert expect(ask(target_id_type="user_id", target_ids="[99, 12]"), 200)[0]["id"] == 12


# --- /v1/user/ids ---------------------------------------------------------------------------


def rel(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def walk(server: Server, **params: str) -> list[list[int]]:
    pages: list[list[int]] = []
    response = server.get("/v1/user/ids", headers=ADMIN, params=params)
    while True:
        body = expect(response, 200)
        assert body["total_count"] == len(USER_IDS)
        pages.append(body["elements"])
        if "after_url" not in body:
            return pages
        response = server.get(rel(body["after_url"]), headers=ADMIN)


def test_user_ids_pages(server: Server) -> None:
    first = expect(server.get("/v1/user/ids", headers=ADMIN), 200)
    assert first == {"elements": USER_IDS, "total_count": len(USER_IDS)}
    assert walk(server, limit="3") == [[11, 12, 13], [14, 15, 16], [17]]
    assert walk(server, limit="3", order="desc") == [[17, 16, 15], [14, 13, 12], [11]]
    assert walk(server, limit="2", from_id="13") == [[14, 15], [16, 17]]
    assert walk(server, order="desc", from_id="13") == [[12, 11]]


def test_user_ids_paging_urls(server: Server) -> None:
    body = expect(server.post("/v1/user/ids", headers=ADMIN, data={"limit": "2"}), 200)
    assert body["elements"] == [11, 12] and "before_url" not in body
    after = urlsplit(body["after_url"])
    assert after.path == "/v1/user/ids"
    assert parse_qs(after.query) == {"limit": ["2"], "order": ["asc"], "from_id": ["12"]}
    second = expect(server.get(rel(body["after_url"]), headers=ADMIN), 200)
    assert second["elements"] == [13, 14]
    back = expect(server.get(rel(second["before_url"]), headers=ADMIN), 200)
    assert back["elements"] == [11, 12]
    third = expect(server.get(rel(second["after_url"]), headers=ADMIN), 200)
    assert parse_qs(urlsplit(third["before_url"]).query) == {
        "limit": ["2"], "order": ["asc"], "from_id": ["12"]}
    assert server.get(rel(third["before_url"]), headers=ADMIN).json()["elements"] == [13, 14]


@pytest.mark.parametrize(
    "params",
    [{"limit": "0"}, {"limit": "101"}, {"limit": "x"}, {"order": "up"}, {"from_id": "-1"},
     {"from_id": "1e3"}],
)
def test_user_ids_parameters(server: Server, params: dict[str, str]) -> None:
    expect_error(server.get("/v1/user/ids", headers=ADMIN, params=params), 400, -2)


def test_user_ids_credentials(server: Server) -> None:
    expect(server.get("/v1/user/ids"), 401, NO_AUTH)
    expect(server.get("/v1/user/ids", headers=bearer("tok-a")), 401, INVALID_APP_KEY)
    other = expect(server.get("/v1/user/ids", headers=kakao_ak(f"ak-{OTHER}")), 200)
    assert other["elements"] == [99]


def test_user_ids_limit_per_minute(fresh: Server) -> None:
    # Per calendar minute of the server clock: start at a minute's start, so that the calls
    # below never straddle two minutes whatever the machine's speed.
    expect(fresh.post("/_talksocial/clock", json={"now": "2030-01-01T00:00:00Z"}), 200)
    for _ in range(100):
        expect(fresh.get("/v1/user/ids", headers=ADMIN, params={"limit": "1"}), 200)
    expect(fresh.get("/v1/user/ids", headers=ADMIN), 429,
           {"msg": "API limit has been exceeded.", "code": -10})
    expect(fresh.post("/v1/user/ids", headers=ADMIN), 429,
           {"msg": "API limit has been exceeded.", "code": -10})
    # per app: the other app still calls
    expect(fresh.get("/v1/user/ids", headers=kakao_ak(f"ak-{OTHER}")), 200)
    # the next minute (server clock) opens a new window
    expect(fresh.post("/_talksocial/clock", json={"advance_seconds": 61}), 200)
    expect(fresh.get("/v1/user/ids", headers=ADMIN), 200)


# --- user properties ------------------------------------------------------------------------


def test_properties_of_a_seeded_link(server: Server) -> None:
    me = expect(server.get("/v2/user/me", headers=bearer("tok-a")), 200)
    # the Kakao Account profile (no images here), then the app's own keys
    assert me["properties"] == {"nickname": "A", "age": "30"}


def test_update_profile(fresh: Server) -> None:
    auth = bearer("tok-b")
    response = fresh.post("/v1/user/update_profile", headers=auth,
                          data={"properties": '{"age": "41", "tier": "gold"}'})
    expect(response, 200, {"id": 12})
    response = fresh.post("/v1/user/update_profile", headers=auth,
                          data={"properties": '{"tier": "silver"}'})
    expect(response, 200, {"id": 12})
    me = fresh.get("/v2/user/me", headers=auth).json()
    assert me["properties"]["age"] == "41" and me["properties"]["tier"] == "silver"
    # the control plane shows them on the link, and the export carries them
    view = fresh.get(f"/_talksocial/links/{APP_ID}/b").json()
    assert view["properties"] == {"age": "41", "tier": "silver"}
    exported = fresh.get("/_talksocial/export").json()
    assert [lk.get("properties") for lk in exported["links"] if lk["account"] == "b"
            and lk["app"] == APP_ID] == [{"age": "41", "tier": "silver"}]
    assert exported["apps"][0]["user_properties"] == KEYS


def test_update_profile_refusals(fresh: Server) -> None:
    auth = bearer("tok-b")
    expect(fresh.post("/v1/user/update_profile", headers=auth,
                      data={"properties": '{"age": "1", "color": "red"}'}), 400,
           {"msg": "user property not found ([color])", "code": -201})
    for raw in ("", "not json", "[1]", "{}", '{"age": {"x": 1}}', '{"age": null}',
                "{" * 5000):
        expect_error(fresh.post("/v1/user/update_profile", headers=auth,
                                data={"properties": raw}), 400, -2)
    expect(fresh.post("/v1/user/update_profile", data={"properties": '{"age": "1"}'}), 401,
           NO_AUTH)
    # nothing was stored by the refusals
    assert "age" not in fresh.get("/v2/user/me", headers=auth).json()["properties"]
    # the other app declares no keys
    expect(fresh.post("/v1/user/update_profile", headers=bearer("tok-other"),
                      data={"properties": '{"age": "1"}'}), 400,
           {"msg": "user property not found ([age])", "code": -201})


def test_property_keys_narrow_the_answer(server: Server) -> None:
    auth = bearer("tok-a")
    full = server.get("/v2/user/me", headers=auth).json()
    narrow = expect(server.get("/v2/user/me", headers=auth, params={
        "property_keys": '["kakao_account.email","properties.nickname","properties.age"]'}), 200)
    assert narrow == {
        "id": 11,
        "connected_at": full["connected_at"],
        "properties": {"nickname": "A", "age": "30"},
        "kakao_account": {
            "email_needs_agreement": False,
            "is_email_valid": True,
            "is_email_verified": True,
            "email": "a@example.com",
        },
    }
    profile_only = server.post("/v2/user/me", headers=auth,
                               data={"property_keys": '["kakao_account.profile"]'}).json()
    assert profile_only["kakao_account"] == {
        "profile_nickname_needs_agreement": False,
        "profile_image_needs_agreement": False,
        "profile": full["kakao_account"]["profile"],
    }
    for raw in ("x", "[1]", '["nickname"]', '["other.x"]'):
        expect_error(server.get("/v2/user/me", headers=auth, params={"property_keys": raw}),
                     400, -2)


def test_email_flags(server: Server) -> None:
    account_b = server.get("/v2/user/me", headers=bearer("tok-b")).json()["kakao_account"]
    assert account_b["is_email_valid"] is True and account_b["is_email_verified"] is False
    assert account_b["profile"]["is_default_nickname"] is False


def test_properties_through_the_control_plane(make_server: MakeServer) -> None:
    srv = make_server(seed=admin_world())
    path = f"/_talksocial/links/{APP_ID}/c"
    expect(srv.request("PATCH", path, json={"properties": {"tier": "x"}}), 200)
    assert srv.get("/v2/user/me", headers=bearer("tok-c")).json()["properties"]["tier"] == "x"
    expect_error(srv.request("PATCH", path, json={"properties": {"color": "x"}}), 400, -2)
    expect_error(srv.request("PATCH", path, json={"properties": {"tier": 1}}), 400, -2)
    app_path = f"/_talksocial/apps/{APP_ID}"
    body = expect(srv.request("PATCH", app_path, json={"user_properties": ["age", "color"]}),
                  200)
    assert body["user_properties"] == ["age", "color"]
    # a key the app no longer declares is no longer answered
    assert "tier" not in srv.get("/v2/user/me", headers=bearer("tok-c")).json()["properties"]
    for bad in (["nickname"], ["a", "a"], "age", [1]):
        expect_error(srv.request("PATCH", app_path, json={"user_properties": bad}), 400, -2)


def test_seed_refuses_undeclared_link_properties(make_server: MakeServer,
                                                 tmp_path: Any) -> None:
    world = admin_world()
    world["links"][1]["properties"] = {"color": "red"}
    srv = make_server()
    response = srv.post("/_talksocial/import", json=world)
    assert response.status_code == 400, response.text
    assert "properties.color" in response.text
