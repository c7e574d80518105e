"""POST /oauth/token (docs/reference/kakao-login.md): the two grants, their errors, code reuse, PKCE, client
secrets, refresh-token rotation at the 30-day boundary and the issuance limits."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.support.login_browser import (
    LoginBrowser,
    advance_clock,
    exchange,
    pkce_pair,
    refresh,
    tokens_for,
)
from tests.support.login_worlds import (
    CLIENT,
    CLIENT_SECRET,
    OTHER_CLIENT,
    SECRET_CLIENT,
    fresh_accounts,
    login_world,
)
from tests.support.server import Server
from tests.support.worlds import JSON_CT, TOKEN_EXPIRED, TOKEN_NOT_FOUND, bearer, serve

MakeServer = Callable[..., Server]
DAY = 86400


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Shared by the tests that leave the clock alone; each takes a fresh account."""
    yield from serve(tmp_path_factory, login_world(), "token")


_fresh = fresh_accounts()


@pytest.fixture
def user() -> str:
    return next(_fresh)


def expect_login_error(
    response: httpx.Response, status: int, error: str, error_code: str
) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"] == JSON_CT
    body: dict[str, Any] = response.json()
    assert set(body) == {"error", "error_description", "error_code"}, body
    assert body["error"] == error and body["error_code"] == error_code, body
    assert isinstance(body["error_description"], str) and body["error_description"]
    return body


def api_ok(server: Server, access_token: str) -> bool:
    response = server.get("/v1/user/access_token_info", headers=bearer(access_token))
    return response.status_code == 200


# --- the authorization_code grant -----------------------------------------------------------


def test_exchange_answers_spec_shape(server: Server, user: str) -> None:
    code = LoginBrowser(server).code(CLIENT, user, untick=("openid",))["code"]
    response = exchange(server, CLIENT, code)
    assert response.status_code == 200
    assert response.headers["content-type"] == JSON_CT
    body = response.json()
    assert set(body) == {
        "token_type",
        "access_token",
        "expires_in",
        "refresh_token",
        "refresh_token_expires_in",
        "scope",
    }
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 21599
    assert body["refresh_token_expires_in"] == 5183999
    assert body["scope"] == "profile_nickname profile_image friends account_email"
    assert len(body["access_token"]) >= 32 and body["access_token"] != body["refresh_token"]
    profile = server.get("/v1/api/talk/profile", headers=bearer(body["access_token"]))
    assert profile.status_code == 200
    assert profile.json()["nickName"] == user.title()


def test_code_reuse_fails_and_revokes_what_it_issued(server: Server, user: str) -> None:
    code = LoginBrowser(server).code(CLIENT, user)["code"]
    first = exchange(server, CLIENT, code).json()
    refreshed = refresh(server, CLIENT, first["refresh_token"]).json()
    assert api_ok(server, first["access_token"]) and api_ok(server, refreshed["access_token"])
    expect_login_error(exchange(server, CLIENT, code), 400, "invalid_grant", "KOE320")
    for token in (first["access_token"], refreshed["access_token"]):
        response = server.get("/v1/user/access_token_info", headers=bearer(token))
        assert response.json() == TOKEN_NOT_FOUND
    expect_login_error(
        refresh(server, CLIENT, first["refresh_token"]), 400, "invalid_grant", "KOE322"
    )


def test_reuse_revokes_only_that_codes_tokens(server: Server, user: str) -> None:
    browser = LoginBrowser(server)
    other = exchange(server, CLIENT, browser.code(CLIENT, user)["code"]).json()
    code = browser.code(CLIENT, user)["code"]
    exchange(server, CLIENT, code)
    exchange(server, CLIENT, code)
    assert api_ok(server, other["access_token"])


@pytest.mark.parametrize("code", ["", "no-such-code", "x" * 300])
def test_unknown_code(server: Server, code: str) -> None:
    expect_login_error(exchange(server, CLIENT, code), 400, "invalid_grant", "KOE320")


def test_code_is_bound_to_client_and_redirect_uri(server: Server, user: str) -> None:
    code = LoginBrowser(server).code(CLIENT, user)["code"]
    # Another app (same registered redirect URI) cannot use it.
    expect_login_error(exchange(server, OTHER_CLIENT, code), 400, "invalid_grant", "KOE320")
    for uri in ("http://localhost:3000/callback/", "http://localhost:3000/other", ""):
        expect_login_error(exchange(server, CLIENT, code, uri), 400, "invalid_grant", "KOE320")
    # The failures did not use it up.
    assert exchange(server, CLIENT, code).status_code == 200


def test_pkce(server: Server, user: str) -> None:
    verifier, challenge = pkce_pair()
    browser = LoginBrowser(server)
    params = {"code_challenge": challenge, "code_challenge_method": "S256"}
    code = browser.code(CLIENT, user, **params)["code"]
    expect_login_error(exchange(server, CLIENT, code), 400, "invalid_grant", "KOE320")
    wrong, _ = pkce_pair()
    expect_login_error(
        exchange(server, CLIENT, code, code_verifier=wrong), 400, "invalid_grant", "KOE320"
    )
    # The challenge itself is not the verifier.
    expect_login_error(
        exchange(server, CLIENT, code, code_verifier=challenge), 400, "invalid_grant", "KOE320"
    )
    assert exchange(server, CLIENT, code, code_verifier=verifier).status_code == 200


def test_client_id_and_secret(server: Server, user: str) -> None:
    expect_login_error(exchange(server, "no-such-key", "c"), 401, "invalid_client", "KOE101")
    code = LoginBrowser(server).code(SECRET_CLIENT, user)["code"]
    expect_login_error(exchange(server, SECRET_CLIENT, code), 401, "invalid_client", "KOE010")
    expect_login_error(
        exchange(server, SECRET_CLIENT, code, client_secret="wrong"),
        401,
        "invalid_client",
        "KOE010",
    )
    body = exchange(server, SECRET_CLIENT, code, client_secret=CLIENT_SECRET).json()
    assert body["scope"] == "profile friends"
    expect_login_error(
        refresh(server, SECRET_CLIENT, body["refresh_token"]), 401, "invalid_client", "KOE010"
    )
    ok = refresh(server, SECRET_CLIENT, body["refresh_token"], client_secret=CLIENT_SECRET)
    assert ok.status_code == 200


@pytest.mark.parametrize("grant_type", ["password", "client_credentials", "", None])
def test_unsupported_grant_type(server: Server, grant_type: str | None) -> None:
    data = {"client_id": CLIENT, "code": "x"}
    if grant_type is not None:
        data["grant_type"] = grant_type
    response = server.post("/oauth/token", data=data)
    expect_login_error(response, 400, "unsupported_grant_type", "KOE001")


def test_bad_refresh_tokens(server: Server, user: str) -> None:
    for value in ("", "nope", "x" * 500):
        expect_login_error(refresh(server, CLIENT, value), 400, "invalid_grant", "KOE322")
    tokens = tokens_for(server, CLIENT, user)
    # An access token is not a refresh token, and another app cannot use this one.
    expect_login_error(
        refresh(server, CLIENT, tokens["access_token"]), 400, "invalid_grant", "KOE322"
    )
    expect_login_error(
        refresh(server, OTHER_CLIENT, tokens["refresh_token"]), 400, "invalid_grant", "KOE322"
    )


def test_refresh_without_rotation(server: Server, user: str) -> None:
    tokens = tokens_for(server, CLIENT, user, untick=("openid",))
    response = refresh(server, CLIENT, tokens["refresh_token"])
    assert response.status_code == 200
    assert response.headers["content-type"] == JSON_CT
    body = response.json()
    assert set(body) == {"token_type", "access_token", "expires_in", "scope"}
    assert body["token_type"] == "bearer" and body["expires_in"] == 21599
    assert body["scope"] == tokens["scope"]
    # The old access token lives on, and the refresh token still works.
    assert api_ok(server, tokens["access_token"]) and api_ok(server, body["access_token"])
    assert refresh(server, CLIENT, tokens["refresh_token"]).status_code == 200


# --- with the clock: each on its own server ------------------------------------------------


def test_code_expires_after_ten_minutes(make_server: MakeServer) -> None:
    server = make_server(seed=login_world())
    browser = LoginBrowser(server)
    fresh = browser.code(CLIENT, "muzi")["code"]
    advance_clock(server, 590)
    assert exchange(server, CLIENT, fresh).status_code == 200
    stale = browser.code(CLIENT, "muzi")["code"]
    advance_clock(server, 601)
    expect_login_error(exchange(server, CLIENT, stale), 400, "invalid_grant", "KOE320")


def test_refresh_rotation_at_the_30_day_boundary(make_server: MakeServer) -> None:
    server = make_server(seed=login_world())
    tokens = tokens_for(server, CLIENT, "muzi", untick=("openid",))
    # 30 days and a few seconds left: no rotation yet.
    advance_clock(server, 5183999 - 30 * DAY - 10)
    expired = server.get("/v1/user/access_token_info", headers=bearer(tokens["access_token"]))
    assert expired.status_code == 401 and expired.json() == TOKEN_EXPIRED
    before = refresh(server, CLIENT, tokens["refresh_token"]).json()
    assert "refresh_token" not in before and "refresh_token_expires_in" not in before
    # Just under 30 days left: a new refresh token, the old one dead.
    advance_clock(server, 20)
    rotated = refresh(server, CLIENT, tokens["refresh_token"])
    assert rotated.status_code == 200
    body = rotated.json()
    assert set(body) == {
        "token_type",
        "access_token",
        "expires_in",
        "refresh_token",
        "refresh_token_expires_in",
        "scope",
    }
    assert body["refresh_token_expires_in"] == 5183999
    assert body["refresh_token"] != tokens["refresh_token"]
    # The access token issued without rotation lives until it expires.
    assert api_ok(server, before["access_token"]) and api_ok(server, body["access_token"])
    # The new refresh token has its full life: 59 more days without rotation.
    advance_clock(server, 20 * DAY)
    later = refresh(server, CLIENT, body["refresh_token"]).json()
    assert "refresh_token" not in later
    # ... and past its end it is refused, as is the one it replaced.
    advance_clock(server, 41 * DAY)
    expect_login_error(
        refresh(server, CLIENT, body["refresh_token"]), 400, "invalid_grant", "KOE322"
    )
    expect_login_error(
        refresh(server, CLIENT, tokens["refresh_token"]), 400, "invalid_grant", "KOE322"
    )


def test_a_replayed_rotated_refresh_token_revokes_what_replaced_it(
    make_server: MakeServer,
) -> None:
    """RFC 9700 §4.14.2: a rotated refresh token presented again was stolen or leaked; the
    refresh token that replaced it and the access tokens issued with them stop working."""
    server = make_server(seed=login_world())
    tokens = tokens_for(server, CLIENT, "muzi", untick=("openid",))
    advance_clock(server, 5183999 - 30 * DAY + 10)
    first = refresh(server, CLIENT, tokens["refresh_token"]).json()
    assert "refresh_token" in first  # rotated
    advance_clock(server, 5183999 - 30 * DAY + 10)  # the new one is near its end in turn
    second = refresh(server, CLIENT, first["refresh_token"]).json()
    assert "refresh_token" in second  # rotated again: a chain of two replacements
    assert api_ok(server, second["access_token"])
    # The first refresh token, presented again: KOE322, and the whole chain is revoked.
    expect_login_error(
        refresh(server, CLIENT, tokens["refresh_token"]), 400, "invalid_grant", "KOE322"
    )
    revoked = server.get("/v1/user/access_token_info", headers=bearer(second["access_token"]))
    assert revoked.status_code == 401 and revoked.json() == TOKEN_NOT_FOUND
    for refresh_token in (second["refresh_token"], first["refresh_token"],
                          tokens["refresh_token"]):
        expect_login_error(
            refresh(server, CLIENT, refresh_token), 400, "invalid_grant", "KOE322"
        )
    # A made-up refresh token revokes nothing of anyone's.
    other = tokens_for(server, CLIENT, "jordy", untick=("openid",))
    expect_login_error(refresh(server, CLIENT, "made-up"), 400, "invalid_grant", "KOE322")
    assert api_ok(server, other["access_token"])


def test_a_code_issued_without_pkce_is_not_exchanged_with_a_verifier(
    server: Server, user: str
) -> None:
    """RFC 9700 §2.1.1: a verifier for a code without a challenge is a downgrade."""
    verifier, _ = pkce_pair()
    code = LoginBrowser(server).code(CLIENT, user)["code"]
    expect_login_error(
        exchange(server, CLIENT, code, code_verifier=verifier), 400, "invalid_grant", "KOE320"
    )
    assert exchange(server, CLIENT, code).status_code == 200  # the refusal did not use it


def test_a_token_request_may_leave_redirect_uri_out(server: Server, user: str) -> None:
    """As real Kakao accepts it (social-auth-core's Kakao backend never sends one)."""
    code = LoginBrowser(server).code(CLIENT, user)["code"]
    response = server.post("/oauth/token", data={"grant_type": "authorization_code",
                                                 "client_id": CLIENT, "code": code})
    assert response.status_code == 200, response.text
    assert response.json()["token_type"] == "bearer"


def test_access_token_issuance_limit(make_server: MakeServer) -> None:
    server = make_server(seed=login_world())
    tokens = tokens_for(server, CLIENT, "muzi")  # the first access token of the window
    for _ in range(19):
        assert refresh(server, CLIENT, tokens["refresh_token"]).status_code == 200
    expect_login_error(
        refresh(server, CLIENT, tokens["refresh_token"]), 400, "invalid_request", "KOE237"
    )
    # A code exchange counts the same way, per (app, account): another account is free.
    browser = LoginBrowser(server)
    code = browser.code(CLIENT, "muzi")["code"]
    expect_login_error(exchange(server, CLIENT, code), 400, "invalid_request", "KOE237")
    assert tokens_for(server, CLIENT, "apeach")["access_token"]
    advance_clock(server, 601)
    assert refresh(server, CLIENT, tokens["refresh_token"]).status_code == 200
    assert exchange(server, CLIENT, browser.code(CLIENT, "muzi")["code"]).status_code == 200


def test_refresh_token_issuance_limit(make_server: MakeServer) -> None:
    server = make_server(seed=login_world())
    browser = LoginBrowser(server)

    def one() -> httpx.Response:
        return exchange(server, CLIENT, browser.code(CLIENT, "muzi")["code"])

    for _ in range(20):
        assert one().status_code == 200
    advance_clock(server, 601)
    for _ in range(10):
        assert one().status_code == 200
    advance_clock(server, 601)
    # 30 refresh tokens within the hour: the 31st is refused though access tokens are free.
    expect_login_error(one(), 400, "invalid_request", "KOE237")
    advance_clock(server, 3600 - 2 * 601 + 5)
    assert one().status_code == 200


def test_the_clock_endpoint(make_live_server: MakeServer) -> None:
    server = make_live_server(seed=login_world(), workers=2)
    start = server.get("/_talksocial/clock").json()
    assert start["offset_seconds"] == 0
    assert (
        server.post("/_talksocial/clock", json={"advance_seconds": 90}).json()["offset_seconds"]
        == 90
    )
    assert (
        server.post("/_talksocial/clock", json={"offset_seconds": 10}).json()["offset_seconds"]
        == 10
    )
    at = server.post("/_talksocial/clock", json={"now": "2040-01-01T00:00:00Z"}).json()
    assert at["now"].startswith("2040-01-01T00:00:0")
    # Every worker reads the same clock.
    for _ in range(6):
        assert server.get("/_talksocial/clock").json()["now"].startswith("2040-01-01T00:00:")
    for bad in (
        {},
        {"advance_seconds": "x"},
        {"now": "yesterday"},
        {"a": 1, "b": 2},
        {"offset_seconds": 1e300},
        {"advance_seconds": True},
    ):
        response = server.post("/_talksocial/clock", json=bad)
        assert response.status_code == 400 and response.json()["code"] == -2, (bad, response.text)
    assert server.post("/_talksocial/clock", content=b"not json").json()["code"] == -2
