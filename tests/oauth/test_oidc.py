"""OpenID Connect for generic clients (docs/reference/kakao-login.md#openid-connect): discovery's
userinfo endpoint, `/v1/oidc/userinfo`, `POST /oauth/tokeninfo`, the id_token's `picture` and
`email` rules, token-request parameters in the query string."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jwt
import pytest

from tests.support.login_browser import CALLBACK, LoginBrowser, advance_clock, tokens_for
from tests.support.login_worlds import CLIENT, RYAN_ACCOUNT_PROFILE, RYAN_PASSWORD, login_world
from tests.support.server import LiveServer
from tests.support.worlds import JSON_CT, account, bearer, serve

KOE400 = {"error": "invalid_token", "error_code": "KOE400"}


def _world() -> dict[str, Any]:
    world = login_world()
    for key, flags in (
        ("unverified", {"email_verified": False}),
        ("invalid", {"email_valid": False}),
    ):
        world["accounts"].append(
            account(key, key.title(), account_profile={"nickname": key.title(),
                                                       "email": f"{key}@example.com", **flags})
        )
    return world


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    yield from serve(tmp_path_factory, _world(), "oidc")


@pytest.fixture(scope="module")
def ryan(server: LiveServer) -> dict[str, Any]:
    return tokens_for(server, CLIENT, "ryan", password=RYAN_PASSWORD)


def _claims(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def test_discovery_names_userinfo_and_response_modes(server: LiveServer) -> None:
    doc = server.get("/.well-known/openid-configuration").json()
    assert doc["userinfo_endpoint"] == server.base_url + "/v1/oidc/userinfo"
    assert doc["response_modes_supported"] == ["query"]


def test_userinfo_by_consent(server: LiveServer, ryan: dict[str, Any]) -> None:
    sub = _claims(ryan["id_token"])["sub"]
    expected = {
        "sub": sub,
        "nickname": RYAN_ACCOUNT_PROFILE["nickname"],
        "picture": RYAN_ACCOUNT_PROFILE["thumbnail_url"],
        "email": RYAN_ACCOUNT_PROFILE["email"],
        "email_verified": True,
    }
    for method in ("GET", "POST"):
        response = server.request(method, "/v1/oidc/userinfo", headers=bearer(ryan["access_token"]))
        assert response.status_code == 200 and response.headers["content-type"] == JSON_CT
        assert response.json() == expected
    # The token as a query parameter (no Authorization header) works here too.
    assert server.get(
        "/v1/oidc/userinfo", params={"access_token": ryan["access_token"]}
    ).json() == expected

    body = tokens_for(server, CLIENT, "user30", untick=("profile_image", "account_email"))
    info = server.get("/v1/oidc/userinfo", headers=bearer(body["access_token"])).json()
    assert info == {"sub": _claims(body["id_token"])["sub"], "nickname": "User30"}


def test_userinfo_needs_openid_and_a_token(server: LiveServer) -> None:
    body = tokens_for(server, CLIENT, "user31", untick=("openid",))
    response = server.get("/v1/oidc/userinfo", headers=bearer(body["access_token"]))
    assert response.status_code == 403
    error = response.json()
    assert error["code"] == -402 and error["required_scopes"] == ["openid"]
    assert "openid" not in error["allowed_scopes"]
    missing = server.get("/v1/oidc/userinfo")
    assert missing.status_code == 401
    assert missing.json() == {"msg": "no authentication key!", "code": -401}
    unknown = server.post("/v1/oidc/userinfo", headers=bearer("nope"))
    assert unknown.json() == {"msg": "this access token does not exist", "code": -401}


@pytest.mark.parametrize(
    ("key", "id_token_email", "userinfo_extra"),
    [
        ("unverified", False, {"email": "unverified@example.com", "email_verified": False}),
        ("invalid", False, {}),
    ],
)
def test_email_only_when_valid_and_verified(
    server: LiveServer, key: str, id_token_email: bool, userinfo_extra: dict[str, Any]
) -> None:
    body = tokens_for(server, CLIENT, key)
    claims = _claims(body["id_token"])
    assert ("email" in claims) is id_token_email
    info = server.get("/v1/oidc/userinfo", headers=bearer(body["access_token"])).json()
    assert {k: v for k, v in info.items() if k.startswith("email")} == userinfo_extra
    # /v2/user/me still shows the address (its validity flags are its own).
    me = server.get("/v2/user/me", headers=bearer(body["access_token"])).json()
    assert me["kakao_account"]["email"] == f"{key}@example.com"


def test_tokeninfo_answers_the_claims(server: LiveServer, ryan: dict[str, Any]) -> None:
    response = server.post("/oauth/tokeninfo", data={"id_token": ryan["id_token"]})
    assert response.status_code == 200 and response.headers["content-type"] == JSON_CT
    assert response.json() == _claims(ryan["id_token"])


def _koe400(response: Any) -> None:
    assert response.status_code == 400, response.text
    body = response.json()
    assert {k: body[k] for k in KOE400} == KOE400 and body["error_description"]


def test_tokeninfo_refuses_bad_tokens(
    server: LiveServer, ryan: dict[str, Any], make_server: Any
) -> None:
    header, payload, signature = ryan["id_token"].split(".")
    _koe400(server.post("/oauth/tokeninfo", data={"id_token": f"{header}.{payload}.{signature[:-4]}AAAA"}))
    _koe400(server.post("/oauth/tokeninfo", data={"id_token": "not a jwt"}))
    _koe400(server.post("/oauth/tokeninfo", data={}))
    # Another issuer: the same server under another base URL (a loopback name it answers).
    other = server.base_url.removeprefix("http://").replace("127.0.0.1", "localhost")
    _koe400(server.post("/oauth/tokeninfo", data={"id_token": ryan["id_token"]},
                        headers={"Host": other}))
    # Signed by another server's key.
    foreign_server = make_server(seed=login_world())
    foreign = tokens_for(foreign_server, CLIENT, "ryan", password=RYAN_PASSWORD)["id_token"]
    _koe400(server.post("/oauth/tokeninfo", data={"id_token": foreign}))


def test_tokeninfo_refuses_an_expired_token(make_server: Any) -> None:
    server = make_server(seed=login_world())
    body = tokens_for(server, CLIENT, "ryan", password=RYAN_PASSWORD)
    assert server.post("/oauth/tokeninfo", data={"id_token": body["id_token"]}).status_code == 200
    advance_clock(server, 21600)
    _koe400(server.post("/oauth/tokeninfo", data={"id_token": body["id_token"]}))


def test_token_request_parameters_in_the_query_string(server: LiveServer) -> None:
    """Widely copied Kakao code posts the token request's parameters in the query."""
    browser = LoginBrowser(server)
    code = browser.code(CLIENT, "user32")["code"]
    response = server.post(
        "/oauth/token",
        params={"grant_type": "authorization_code", "client_id": CLIENT,
                "redirect_uri": CALLBACK, "code": code},
    )
    assert response.status_code == 200, response.text
    refreshed = server.post(
        "/oauth/token",
        params={"grant_type": "refresh_token", "client_id": CLIENT,
                "refresh_token": response.json()["refresh_token"]},
    )
    assert refreshed.status_code == 200 and refreshed.json()["access_token"]
