"""The JavaScript key and the native app key (docs/reference/compatibility.md#keys), and the
URLs answered under Kakao's own host names (#kakao-hosts)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.login_browser import LoginBrowser, exchange
from tests.support.login_worlds import SPLIT_LOGIN, login_world
from tests.support.server import LiveServer
from tests.support.worlds import app, bearer, serve, world

APP_ID = 3101
REST, JS, NATIVE = "rk-3101", "jk-3101", "nk-3101"
NATIVE_REDIRECT = f"kakao{NATIVE}://oauth"


def _world() -> dict[str, Any]:
    w = login_world()
    w["apps"].append(app(APP_ID, SPLIT_LOGIN, javascript_key=JS, native_app_key=NATIVE,
                         client_secret="app-secret"))
    return w


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    yield from serve(tmp_path_factory, _world(), "keys")


def test_javascript_key_authorizes_and_the_rest_key_exchanges(server: LiveServer) -> None:
    code = LoginBrowser(server).code(JS, "user00")["code"]
    # The JavaScript key is not a token-endpoint credential.
    refused = exchange(server, JS, code, client_secret="app-secret")
    assert refused.status_code == 401 and refused.json()["error_code"] == "KOE101"
    response = exchange(server, REST, code, client_secret="app-secret")
    assert response.status_code == 200, response.text
    me = server.get("/v2/user/me", headers=bearer(response.json()["access_token"]))
    assert me.status_code == 200


def test_native_key_with_its_unregistered_redirect(server: LiveServer) -> None:
    browser = LoginBrowser(server)
    code = browser.code(NATIVE, "user01", redirect_uri=NATIVE_REDIRECT)["code"]
    response = server.post(
        "/oauth/token",
        data={"grant_type": "authorization_code", "client_id": NATIVE,
              "redirect_uri": NATIVE_REDIRECT, "code": code},
    )
    assert response.status_code == 200, response.text
    token = response.json()
    refreshed = server.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "client_id": NATIVE,
              "refresh_token": token["refresh_token"]},
    )
    assert refreshed.status_code == 200, refreshed.text


@pytest.mark.parametrize(
    ("client_id", "redirect_uri"),
    [
        (REST, NATIVE_REDIRECT),  # the native redirect only with the native key
        (JS, NATIVE_REDIRECT),
        (NATIVE, "kakaoother://oauth"),
        (NATIVE, f"kakao{NATIVE}://oauth/extra"),
    ],
)
def test_native_redirect_is_exact_and_native_only(
    server: LiveServer, client_id: str, redirect_uri: str
) -> None:
    page = LoginBrowser(server).authorize(client_id, redirect_uri)
    assert page.status_code == 400 and "KOE006" in page.text


def test_registered_redirect_with_native_key(server: LiveServer) -> None:
    assert LoginBrowser(server).code(NATIVE, "user02")["code"]


def test_kakao_hosts_name_kakaos_urls(make_server: Any) -> None:
    server = make_server(demo=True, extra_args=["--public-url", "https://ts.example"])
    for host in ("kauth.kakao.com", "kapi.kakao.com"):
        doc = server.get("/.well-known/openid-configuration", headers={"Host": host}).json()
        assert doc["issuer"] == "https://kauth.kakao.com"
        assert doc["authorization_endpoint"] == "https://kauth.kakao.com/oauth/authorize"
        assert doc["token_endpoint"] == "https://kauth.kakao.com/oauth/token"
        assert doc["jwks_uri"] == "https://kauth.kakao.com/.well-known/jwks.json"
        assert doc["userinfo_endpoint"] == "https://kapi.kakao.com/v1/oidc/userinfo"
        page = server.get(
            "/v1/api/talk/friends", params={"limit": 1, "offset": 1},
            headers={"Host": host, **bearer("demo-access-token")},
        ).json()
        assert page["after_url"].startswith("https://kapi.kakao.com/v1/api/talk/friends?")
        assert page["before_url"].startswith("https://kapi.kakao.com/v1/api/talk/friends?")
    # Elsewhere --public-url applies.
    assert server.get("/.well-known/openid-configuration").json()["issuer"] == "https://ts.example"
    # Both names are allowed Hosts for the operator's routes too.
    assert server.get("/_talksocial/apps", headers={"Host": "kapi.kakao.com"}).status_code == 200


def test_keys_in_the_console_and_control_plane(demo_server: LiveServer) -> None:
    view = demo_server.get("/_talksocial/apps/1001").json()
    assert view["javascript_key"] == "demo-javascript-key"
    assert view["native_app_key"] == "demo-native-app-key"
    page = demo_server.get("/console/apps/1001")
    assert page.status_code == 200
    assert 'id="javascript-key">demo-javascript-key<' in page.text
    assert 'id="native-app-key">demo-native-app-key<' in page.text


def test_control_plane_patch_and_key_clash(make_server: Any) -> None:
    server = make_server(seed=world([app(1), app(2)], [], [], []))
    ok = server.request("PATCH", "/_talksocial/apps/1", json={"javascript_key": "my-js"})
    assert ok.status_code == 200 and ok.json()["javascript_key"] == "my-js"
    clash = server.request("PATCH", "/_talksocial/apps/2", json={"native_app_key": "my-js"})
    assert clash.status_code == 409, clash.text
    same = server.request("PATCH", "/_talksocial/apps/2", json={"native_app_key": "rk-2"})
    assert same.status_code == 400, same.text
