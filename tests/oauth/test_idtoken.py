"""OpenID Connect (docs/reference/consent.md, docs/reference/kakao-login.md): the id_token, its key in the database, JWKS, discovery."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import jwt
import pytest

from tests.support.login_browser import LoginBrowser, exchange, refresh, tokens_for
from tests.support.login_worlds import (
    CLIENT,
    RYAN_ACCOUNT_PROFILE,
    RYAN_PASSWORD,
    fresh_accounts,
    login_world,
)
from tests.support.server import Server
from tests.support.worlds import JSON_CT, bearer, serve

MakeServer = Callable[..., Server]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from serve(tmp_path_factory, login_world(), "idtoken")


_fresh = fresh_accounts()


def verify(server: Server, token: str, **options: Any) -> dict[str, Any]:
    """Checks the signature with the published JWKS (by kid) and the standard claims."""
    jwks = server.get("/.well-known/jwks.json").json()
    kid = jwt.get_unverified_header(token)["kid"]
    keys = {k["kid"]: k for k in jwks["keys"]}
    key = jwt.PyJWK(keys[kid]).key
    claims: dict[str, Any] = jwt.decode(
        token, key, algorithms=["RS256"], audience=CLIENT, issuer=server.base_url, **options
    )
    return claims


def test_discovery_and_jwks(server: Server) -> None:
    response = server.get("/.well-known/openid-configuration")
    assert response.status_code == 200 and response.headers["content-type"] == JSON_CT
    doc = response.json()
    assert doc["issuer"] == server.base_url
    assert doc["authorization_endpoint"] == server.base_url + "/oauth/authorize"
    assert doc["token_endpoint"] == server.base_url + "/oauth/token"
    assert doc["jwks_uri"] == server.base_url + "/.well-known/jwks.json"
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]
    assert doc["code_challenge_methods_supported"] == ["S256"]
    jwks = server.get("/.well-known/jwks.json").json()
    assert len(jwks["keys"]) == 1
    key = jwks["keys"][0]
    assert key["kty"] == "RSA" and key["alg"] == "RS256" and key["use"] == "sig"
    assert "d" not in key and "p" not in key  # public parts only


def test_id_token_with_openid(server: Server) -> None:
    browser = LoginBrowser(server)
    code = browser.code(CLIENT, "ryan", password=RYAN_PASSWORD, nonce="n-0S6_WzA2Mj")["code"]
    before = int(time.time())
    body = exchange(server, CLIENT, code).json()
    assert "openid" in body["scope"].split()
    claims = verify(server, body["id_token"])
    info = server.get("/v1/user/access_token_info", headers=bearer(body["access_token"])).json()
    assert claims["sub"] == str(info["id"])
    assert claims["nonce"] == "n-0S6_WzA2Mj"
    assert claims["aud"] == CLIENT and claims["iss"] == server.base_url
    assert before - 5 <= claims["iat"] <= before + 60
    assert claims["exp"] == claims["iat"] + 21599
    assert claims["auth_time"] <= claims["iat"]
    # The Kakao Account profile (not the Talk profile) and the agreed email.
    assert claims["nickname"] == RYAN_ACCOUNT_PROFILE["nickname"]
    assert claims["picture"] == RYAN_ACCOUNT_PROFILE["thumbnail_url"]  # the 110 px one
    assert claims["email"] == RYAN_ACCOUNT_PROFILE["email"]
    # A refresh brings a new id_token (no nonce: there was no authorization request).
    again = refresh(server, CLIENT, body["refresh_token"]).json()
    refreshed = verify(server, again["id_token"])
    assert refreshed["sub"] == claims["sub"] and "nonce" not in refreshed
    assert refreshed["auth_time"] == claims["auth_time"]


def test_claims_follow_consent(server: Server) -> None:
    user = next(_fresh)
    body = tokens_for(server, CLIENT, user, untick=("profile_image", "account_email"))
    claims = verify(server, body["id_token"])
    assert claims["nickname"] == user.title()
    assert "picture" not in claims and "email" not in claims and "nonce" not in claims


def test_no_id_token_without_openid(server: Server) -> None:
    body = tokens_for(server, CLIENT, next(_fresh), untick=("openid",))
    assert "id_token" not in body
    assert "openid" not in body["scope"].split()


def test_tampered_id_token_fails_verification(server: Server) -> None:
    body = tokens_for(server, CLIENT, next(_fresh))
    header, payload, signature = body["id_token"].split(".")
    forged = f"{header}.{payload}.{signature[:-4]}AAAA"
    with pytest.raises(jwt.InvalidSignatureError):
        verify(server, forged)


def test_every_worker_signs_with_the_stored_key(make_live_server: MakeServer) -> None:
    server = make_live_server(seed=login_world(), workers=2)
    kids = set()
    for _ in range(6):
        body = tokens_for(server, CLIENT, next(_fresh))
        verify(server, body["id_token"])
        kids.add(jwt.get_unverified_header(body["id_token"])["kid"])
    assert len(kids) == 1
    assert [k["kid"] for k in server.get("/.well-known/jwks.json").json()["keys"]] == list(kids)
