"""The Kakao Login calls against a real talksocial server, sync and async (docs/reference/kakao-login.md): a user logs
in through the real pages, the app exchanges the code, calls the user APIs, refreshes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from talksocial.client import (
    AppConsentDisabledError,
    AsyncKakaoClient,
    ExpiredTokenError,
    InsufficientScopeError,
    InvalidArgumentError,
    InvalidTokenError,
    KakaoAuthError,
    KakaoClient,
    MemoryTokenStore,
    NotRegisteredUserError,
    OAuthToken,
    TokenPair,
    code_challenge_s256,
)
from tests.client.login_flow import log_in_and_agree
from tests.client.recording import AsyncRecordingTransport, RecordingTransport
from tests.support.kakao_world import InProcessKakaoWorld

REDIRECT = "http://localhost:3000/callback"
REST_KEY = "demo-rest-api-key"
ACCESS_LIFETIME = 21599
REFRESH_LIFETIME = 5183999


@pytest.fixture
def world(tmp_path: Path) -> Iterator[InProcessKakaoWorld]:
    # Logins and refreshes write: a world of this test's own.
    world = InProcessKakaoWorld.start("demo", tmp_path)
    try:
        yield world
    finally:
        world.stop()


def log_in(world: InProcessKakaoWorld, client: KakaoClient, account: str = "muzi", **kwargs: object) -> OAuthToken:
    request = client.authorization_url(REDIRECT, **kwargs)  # type: ignore[arg-type]
    redirect = log_in_and_agree(world.base_url, request.url, account, transport=world.transport())
    assert redirect["state"] == request.state
    return client.exchange_code(
        redirect["code"], redirect_uri=REDIRECT, code_verifier=request.code_verifier
    )


def test_authorization_url(demo_world: InProcessKakaoWorld) -> None:
    client = demo_world.client(rest_api_key=REST_KEY)
    request = client.authorization_url(REDIRECT, scope=["friends", "openid"], prompt=["login"])
    url = urlsplit(request.url)
    assert f"{url.scheme}://{url.netloc}{url.path}" == demo_world.base_url + "/oauth/authorize"
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert query == {
        "client_id": REST_KEY,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "state": request.state,
        "scope": "friends,openid",
        "prompt": "login",
        "code_challenge": code_challenge_s256(request.code_verifier or ""),
        "code_challenge_method": "S256",
    }
    assert request.code_verifier is not None and 43 <= len(request.code_verifier) <= 128
    again = client.authorization_url(REDIRECT)
    assert (again.state, again.code_verifier) != (request.state, request.code_verifier)
    plain = client.authorization_url(REDIRECT, pkce=False, state="mine")
    assert plain.code_verifier is None and plain.state == "mine"
    assert "code_challenge" not in plain.url


def test_prompt_list_login_hint_and_logout_url(demo_world: InProcessKakaoWorld) -> None:
    client = demo_world.client(rest_api_key=REST_KEY)
    request = client.authorization_url(REDIRECT, prompt=["login", "select_account"],
                                       login_hint="muzi@example.com")
    query = {k: v[0] for k, v in parse_qs(urlsplit(request.url).query).items()}
    assert query["prompt"] == "login,select_account"
    assert query["login_hint"] == "muzi@example.com"
    assert "login_hint" not in client.authorization_url(REDIRECT).url
    # The logout URL, followed by a browser, comes back to the registered URI with the state.
    url = client.logout_url("http://localhost:3000/", state="bye")
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == demo_world.base_url + "/oauth/logout"
    assert parse_qs(parts.query) == {"client_id": [REST_KEY],
                                     "logout_redirect_uri": ["http://localhost:3000/"],
                                     "state": ["bye"]}
    with httpx.Client(transport=demo_world.transport()) as browser:
        response = browser.get(url)
        assert response.status_code == 302
        assert response.headers["location"] == "http://localhost:3000/?state=bye"
        refused = browser.get(client.logout_url("http://localhost:3000/elsewhere"))
        assert refused.status_code == 400 and "KOE007" in refused.text
    assert "state" not in client.logout_url("http://localhost:3000/")


def test_rfc7636_appendix_b_challenge() -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert code_challenge_s256(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_login_and_user_calls(world: InProcessKakaoWorld) -> None:
    store = MemoryTokenStore()
    client = world.client(rest_api_key=REST_KEY, token_store=store)
    token = log_in(world, client, scope=["openid", "account_email"])
    assert token.token_type == "bearer"
    assert (token.expires_in, token.refresh_token_expires_in) == (ACCESS_LIFETIME, REFRESH_LIFETIME)
    assert token.refresh_token and token.id_token  # openid was asked for and agreed
    assert {"profile_nickname", "friends", "openid", "account_email"} <= set(token.scopes)
    assert store.get() == TokenPair(token.access_token, token.refresh_token)

    # The store's token is the one the calls use.
    assert client.talk_profile().id == 1000
    info = client.access_token_info()
    assert (info.id, info.app_id) == (1000, 1001)
    assert info.expires_in is not None and 0 < info.expires_in <= ACCESS_LIFETIME

    me = client.me()
    assert me.id == 1000 and me.connected_at is not None
    assert me.kakao_account is not None and me.kakao_account.email == "muzi@example.com"
    assert me.kakao_account.profile is not None
    assert me.kakao_account.profile.nickname == "Muzi"
    assert me.properties["nickname"] == "Muzi"

    scopes = client.scopes()
    assert scopes.id == 1000
    by_id = {s.id: s for s in scopes.scopes}
    assert by_id["friends"].agreed is True and by_id["friends"].revocable is True
    assert by_id["profile_nickname"].revocable is False  # required
    assert [s.id for s in client.scopes(["friends"]).scopes] == ["friends"]

    with pytest.raises(AppConsentDisabledError):
        client.revoke_scopes(["profile_nickname"])  # required items cannot be revoked (-3)
    revoked = client.revoke_scopes(["friends"])
    assert {s.id: s.agreed for s in revoked.scopes}["friends"] is False
    with pytest.raises(InsufficientScopeError) as raised:
        client.friends()
    assert raised.value.required_scopes == ("friends",)

    assert client.logout() == 1000
    assert store.get() is None
    with pytest.raises(InvalidTokenError):
        world.client(access_token=token.access_token).talk_profile()
    with pytest.raises(KakaoAuthError) as refused:
        client.refresh(token.refresh_token)  # logout ends the refresh token too
    assert refused.value.error_code == "KOE322"


def test_code_exchange_errors(world: InProcessKakaoWorld) -> None:
    client = world.client(rest_api_key=REST_KEY)
    request = client.authorization_url(REDIRECT)
    code = log_in_and_agree(world.base_url, request.url, "muzi", transport=world.transport())["code"]
    with pytest.raises(KakaoAuthError) as wrong_verifier:
        client.exchange_code(code, redirect_uri=REDIRECT, code_verifier="x" * 64)
    assert (wrong_verifier.value.error, wrong_verifier.value.error_code) == (
        "invalid_grant",
        "KOE320",
    )
    assert wrong_verifier.value.http_status == 400

    request = client.authorization_url(REDIRECT)
    code = log_in_and_agree(world.base_url, request.url, "muzi", transport=world.transport())["code"]
    client.exchange_code(code, redirect_uri=REDIRECT, code_verifier=request.code_verifier)
    with pytest.raises(KakaoAuthError) as reused:
        client.exchange_code(code, redirect_uri=REDIRECT, code_verifier=request.code_verifier)
    assert reused.value.error_code == "KOE320"

    with pytest.raises(KakaoAuthError) as bad_refresh:
        client.refresh("not-a-refresh-token")
    assert (bad_refresh.value.error, bad_refresh.value.error_code) == ("invalid_grant", "KOE322")
    with pytest.raises(ValueError, match="refresh token"):
        client.refresh()  # no store, no token


def test_refresh_keeps_the_refresh_token(world: InProcessKakaoWorld) -> None:
    store = MemoryTokenStore()
    client = world.client(rest_api_key=REST_KEY, token_store=store)
    first = log_in(world, client)
    refreshed = client.refresh()
    assert refreshed.access_token != first.access_token
    assert refreshed.refresh_token is None  # more than 30 days left: no new one
    assert store.get() == TokenPair(refreshed.access_token, first.refresh_token)


def test_expired_token_is_refreshed_once_and_the_call_retried(world: InProcessKakaoWorld) -> None:
    store = MemoryTokenStore()
    transport = RecordingTransport(world.transport())
    client = world.client(rest_api_key=REST_KEY, token_store=store, transport=transport)
    first = log_in(world, client)
    world.advance_clock(ACCESS_LIFETIME + 1)
    with pytest.raises(ExpiredTokenError):
        world.client(access_token=first.access_token).talk_profile()

    transport.requests.clear()
    assert client.talk_profile().id == 1000
    assert [(r.method, r.url.path) for r in transport.requests] == [
        ("GET", "/v1/api/talk/profile"),
        ("POST", "/oauth/token"),
        ("GET", "/v1/api/talk/profile"),
    ]
    stored = store.get()
    assert stored is not None and stored.access_token != first.access_token
    assert stored.refresh_token == first.refresh_token
    assert transport.requests[2].headers["Authorization"] == f"Bearer {stored.access_token}"

    # Past the refresh token's life too: one refresh attempt, then the expiry surfaces.
    world.advance_clock(REFRESH_LIFETIME + 1)
    transport.requests.clear()
    with pytest.raises(ExpiredTokenError) as raised:
        client.friends()
    assert isinstance(raised.value.__cause__, KakaoAuthError)
    assert raised.value.__cause__.error_code == "KOE322"
    assert [r.url.path for r in transport.requests] == ["/v1/api/talk/friends", "/oauth/token"]


def test_without_a_store_an_expired_token_is_not_refreshed(world: InProcessKakaoWorld) -> None:
    transport = RecordingTransport(world.transport())
    client = world.client(
        access_token="demo-token-expired", rest_api_key=REST_KEY, transport=transport
    )
    with pytest.raises(ExpiredTokenError):
        client.talk_profile()
    assert len(transport.requests) == 1


def test_unlink(world: InProcessKakaoWorld) -> None:
    store = MemoryTokenStore()
    client = world.client(rest_api_key=REST_KEY, token_store=store)
    token = log_in(world, client, account="jordy")
    assert client.unlink() == 3
    assert store.get() is None
    with pytest.raises(InvalidTokenError):
        world.client(access_token=token.access_token).talk_profile()

    admin = world.client(admin_key="demo-admin-key")
    assert admin.unlink(target_id=2) == 2  # Ryan
    with pytest.raises(InvalidArgumentError):
        admin.talk_profiles([2])  # no longer registered
    with pytest.raises(NotRegisteredUserError):
        admin.unlink(target_id=2)


# ---- async -------------------------------------------------------------------------------------


async def async_log_in(world: InProcessKakaoWorld, client: AsyncKakaoClient) -> OAuthToken:
    request = client.authorization_url(REDIRECT)
    # The browser's part is the user's, not the app's: plain blocking HTTP is fine here.
    redirect = log_in_and_agree(world.base_url, request.url, "muzi", transport=world.transport())
    return await client.exchange_code(
        redirect["code"], redirect_uri=REDIRECT, code_verifier=request.code_verifier
    )


@pytest.mark.asyncio
async def test_async_login_and_user_calls(world: InProcessKakaoWorld) -> None:
    store = MemoryTokenStore()
    async with world.async_client(rest_api_key=REST_KEY, token_store=store) as client:
        token = await async_log_in(world, client)
        assert store.get() == TokenPair(token.access_token, token.refresh_token)
        assert (await client.access_token_info()).id == 1000
        assert (await client.me()).id == 1000
        assert {s.id for s in (await client.scopes()).scopes} >= {"friends", "profile_nickname"}
        revoked = await client.revoke_scopes(["profile_image"])
        assert {s.id: s.agreed for s in revoked.scopes}["profile_image"] is False
        assert (await client.talk_profile()).profile_image_url is None
        refreshed = await client.refresh()
        assert store.get() == TokenPair(refreshed.access_token, token.refresh_token)
        assert await client.logout() == 1000
        assert store.get() is None
        with pytest.raises(KakaoAuthError):
            await client.refresh("not-a-refresh-token")
    async with world.async_client(admin_key="demo-admin-key") as admin:
        assert await admin.unlink(target_id=3) == 3
        with pytest.raises(NotRegisteredUserError):
            await admin.unlink(target_id=3)
    async with world.async_client(access_token=refreshed.access_token) as old:
        with pytest.raises(InvalidTokenError):
            await old.talk_profile()


@pytest.mark.asyncio
async def test_async_expired_token_is_refreshed_and_retried(world: InProcessKakaoWorld) -> None:
    store = MemoryTokenStore()
    transport = AsyncRecordingTransport(world.async_transport())
    async with world.async_client(
        rest_api_key=REST_KEY, token_store=store, transport=transport
    ) as client:
        first = await async_log_in(world, client)
        world.advance_clock(ACCESS_LIFETIME + 1)
        transport.requests.clear()
        page = await client.friends(limit=3)
        assert page.total_count == 11
        assert [r.url.path for r in transport.requests] == [
            "/v1/api/talk/friends",
            "/oauth/token",
            "/v1/api/talk/friends",
        ]
        stored = store.get()
        assert stored is not None and stored.access_token != first.access_token
