"""`GET /oauth/logout`, the `prompt` list (`login`, `none`, `create`, `select_account`) and
`login_hint` (docs/reference/kakao-login.md#oauth-logout, #prompt), over HTTP."""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.support.login_browser import (
    HTML_CT,
    LoginBrowser,
    exchange,
    forms,
    redirect_params,
)
from tests.support.login_worlds import (
    CLIENT,
    OTHER_CLIENT,
    RYAN_PASSWORD,
    XSS,
    fresh_accounts,
    login_world,
)
from tests.support.server import Server
from tests.support.worlds import bearer, serve

LOGOUT_URI = "http://localhost:3000/logged-out"
LOGOUT_URI_WITH_QUERY = "http://localhost:3000/bye?tenant=a"


def _world() -> dict[str, Any]:
    world = login_world()
    world["apps"][0]["logout_redirect_uris"] = [LOGOUT_URI, LOGOUT_URI_WITH_QUERY]
    return world


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from serve(tmp_path_factory, _world(), "logout")


_fresh = fresh_accounts()


@pytest.fixture
def user() -> str:
    return next(_fresh)


def expect_error_page(response: httpx.Response, code: str) -> None:
    assert response.status_code == 400, (response.status_code, response.text[:300])
    assert "location" not in response.headers
    assert response.headers["content-type"] == HTML_CT
    assert f'<code id="error-code">{code}</code>' in response.text


def logout(browser: LoginBrowser, **params: str) -> httpx.Response:
    return browser.client.get("/oauth/logout", params=params)


def logged_in(browser: LoginBrowser, user: str) -> None:
    browser.code(CLIENT, user)
    # Logged in: a second authorization comes back with a code at once.
    redirect_params(browser.authorize(CLIENT))


# --- GET /oauth/logout ------------------------------------------------------------------------


def test_logout_ends_the_session_and_redirects_with_state(server: Server, user: str) -> None:
    browser = LoginBrowser(server)
    logged_in(browser, user)
    response = logout(browser, client_id=CLIENT, logout_redirect_uri=LOGOUT_URI, state="s 1&x")
    assert response.status_code == 302
    parts = urlsplit(response.headers["location"])
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == LOGOUT_URI
    assert parse_qs(parts.query) == {"state": ["s 1&x"]}
    assert "talksocial_login=" in response.headers["set-cookie"]
    # The browser is logged out: the login page again.
    page = browser.authorize(CLIENT)
    assert page.status_code == 200 and "login-form" in forms(page.text)


def test_logout_without_state_and_with_a_query_of_its_own(server: Server, user: str) -> None:
    browser = LoginBrowser(server)
    logged_in(browser, user)
    response = logout(browser, client_id=CLIENT, logout_redirect_uri=LOGOUT_URI)
    assert response.status_code == 302 and response.headers["location"] == LOGOUT_URI
    response = logout(browser, client_id=CLIENT, logout_redirect_uri=LOGOUT_URI_WITH_QUERY,
                      state="t")
    assert response.headers["location"] == LOGOUT_URI_WITH_QUERY + "&state=t"
    # Without a session at all it redirects the same way.
    fresh = LoginBrowser(server)
    assert logout(fresh, client_id=CLIENT, logout_redirect_uri=LOGOUT_URI).status_code == 302


@pytest.mark.parametrize(
    "uri",
    [None, "", "http://localhost:3000/logged-out/", "http://localhost:3000/callback",
     "http://evil.test/logged-out", LOGOUT_URI.upper()],
)
def test_an_unregistered_logout_redirect_uri_is_a_koe007_page(
    server: Server, user: str, uri: str | None
) -> None:
    browser = LoginBrowser(server)
    logged_in(browser, user)
    params = {"client_id": CLIENT, "state": "s"}
    if uri is not None:
        params["logout_redirect_uri"] = uri
    expect_error_page(logout(browser, **params), "KOE007")
    # Nothing happened: still logged in.
    redirect_params(browser.authorize(CLIENT))


def test_another_apps_logout_redirect_uri_is_not_registered(server: Server) -> None:
    expect_error_page(
        logout(LoginBrowser(server), client_id=OTHER_CLIENT, logout_redirect_uri=LOGOUT_URI),
        "KOE007",
    )


@pytest.mark.parametrize("client_id", [None, "", "rk-nope", XSS])
def test_logout_with_an_unknown_client_is_a_koe101_page(
    server: Server, client_id: str | None
) -> None:
    params = {"logout_redirect_uri": LOGOUT_URI}
    if client_id is not None:
        params["client_id"] = client_id
    response = logout(LoginBrowser(server), **params)
    expect_error_page(response, "KOE101")
    assert XSS not in response.text


def test_logout_with_bad_input_is_a_page(server: Server) -> None:
    browser = LoginBrowser(server)
    expect_error_page(
        logout(browser, client_id=CLIENT, logout_redirect_uri=LOGOUT_URI, state="x" * 3000),
        "KOE001",
    )
    expect_error_page(
        logout(browser, client_id=CLIENT, logout_redirect_uri=LOGOUT_URI, state="a\x00b"),
        "KOE001",
    )


# --- prompt ------------------------------------------------------------------------------------


@pytest.mark.parametrize("prompt", ["none,login", "login,none", "none,create",
                                    "select_account,none", "consent", "login,bogus"])
def test_a_refused_prompt_list_is_an_invalid_request_redirect(server: Server, prompt: str) -> None:
    params = redirect_params(LoginBrowser(server).authorize(CLIENT, prompt=prompt, state="p"))
    assert params["error"] == "invalid_request"
    assert params["state"] == "p"
    assert params["error_description"]


def test_prompt_is_a_comma_list(server: Server, user: str) -> None:
    browser = LoginBrowser(server)
    logged_in(browser, user)
    page = browser.authorize(CLIENT, prompt="login,select_account")
    assert page.status_code == 200 and "login-form" in forms(page.text)
    assert "session-account" in forms(page.text)


def test_prompt_create_makes_a_new_account_then_asks_consent(server: Server) -> None:
    browser = LoginBrowser(server)
    page = browser.authorize(CLIENT, prompt="create", state="c")
    assert page.status_code == 200 and page.headers["content-type"] == HTML_CT
    form = forms(page.text)["signup-form"]
    assert form.action == "/oauth/signup"
    response = browser.client.post(form.action, data={
        **form.hidden, "key": "newbie", "nickname": "New Bie", "password": "long enough"})
    consent = browser.follow(response)
    assert "consent-form" in forms(consent.text)
    assert "New Bie" in consent.text
    params = redirect_params(browser.consent(consent))
    assert params["state"] == "c"
    token = exchange(server, CLIENT, params["code"]).json()["access_token"]
    me = server.get("/v2/user/me", headers=bearer(token)).json()
    assert me["kakao_account"]["profile"]["nickname"] == "New Bie"
    # The account is real: another browser logs in to it with its password.
    other = LoginBrowser(server)
    page = other.authorize(CLIENT)
    assert "newbie" not in page.text  # it has a password: not in the chooser
    assert other.code(CLIENT, "newbie", password="long enough")["code"]
    wrong = other.login(other.authorize(CLIENT, prompt="login"), "newbie", "wrong password")
    assert wrong.status_code == 400


@pytest.mark.parametrize(
    ("key", "nickname", "password", "message"),
    [
        ("", "N", "long enough", "Choose an account ID"),
        ("ryan", "N", "long enough", "taken"),
        ("ryan@example.com", "N", "long enough", "taken"),  # an email that logs in
        ("a b", "N", "long enough", "letters, digits"),
        (XSS, "N", "long enough", "letters, digits"),
        ("k" * 65, "N", "long enough", "up to 64"),
        ("fine", "", "long enough", "Choose a nickname"),
        ("fine", "  ", "long enough", "Choose a nickname"),
        ("fine", "a\nb", "long enough", "one line"),
        ("fine", "n" * 101, "long enough", "up to 100"),
        ("fine", "N", "short", "at least 8"),
        ("fine", "N", "p" * 201, "up to 200"),
    ],
)
def test_a_bad_sign_up_shows_the_form_again(
    server: Server, key: str, nickname: str, password: str, message: str
) -> None:
    browser = LoginBrowser(server)
    form = forms(browser.authorize(CLIENT, prompt="create").text)["signup-form"]
    response = browser.client.post(form.action, data={
        **form.hidden, "key": key, "nickname": nickname, "password": password})
    assert response.status_code == 400, response.text[:300]
    assert response.headers["content-type"] == HTML_CT
    assert "signup-form" in forms(response.text)
    error = response.text.split('id="signup-error">', 1)[1].split("</p>", 1)[0]
    assert message in html.unescape(error)
    assert XSS not in response.text
    if key and len(key) <= 400:
        assert f'value="{html.escape(key.strip())}"' in response.text
    # Nothing was created.
    assert server.get("/_talksocial/accounts/fine").status_code == 404


def test_sign_up_with_markup_in_the_nickname_is_escaped(server: Server) -> None:
    browser = LoginBrowser(server)
    form = forms(browser.authorize(CLIENT, prompt="create").text)["signup-form"]
    response = browser.client.post(form.action, data={
        **form.hidden, "key": "marked-up", "nickname": XSS, "password": "long enough"})
    consent = browser.follow(response)
    assert "consent-form" in forms(consent.text)
    assert XSS not in consent.text and html.escape(XSS) in consent.text


def test_sign_up_needs_the_pages_csrf_token(server: Server) -> None:
    browser = LoginBrowser(server)
    form = forms(browser.authorize(CLIENT, prompt="create").text)["signup-form"]
    response = browser.client.post(form.action, data={
        **form.hidden, "csrf_token": "forged", "key": "forged", "nickname": "F",
        "password": "long enough"})
    assert response.status_code == 400
    assert server.get("/_talksocial/accounts/forged").status_code == 404


def test_select_account_offers_the_session_account(server: Server, user: str) -> None:
    browser = LoginBrowser(server)
    logged_in(browser, user)
    page = browser.authorize(CLIENT, prompt="select_account", state="sa")
    assert page.status_code == 200
    found = forms(page.text)
    assert ("account", user) in found["session-account"].buttons
    assert "login-form" in found and "account-chooser" in found
    # Continuing as the session's account needs no password and comes back with a code.
    form = found["session-account"]
    response = browser.client.post(form.action, data={**form.hidden, "account": user})
    params = redirect_params(browser.follow(response))
    assert params["state"] == "sa"
    # Choosing another account switches the session to it.
    page = browser.authorize(CLIENT, prompt="select_account")
    other = next(_fresh)
    consent = browser.follow(browser.login(page, other))
    assert "consent-form" in forms(consent.text)
    assert other.title() in consent.text


def test_select_account_without_a_session_is_the_login_page(server: Server) -> None:
    page = LoginBrowser(server).authorize(CLIENT, prompt="select_account")
    found = forms(page.text)
    assert "login-form" in found and "session-account" not in found


def test_the_session_account_button_cannot_log_in_to_another_account(
    server: Server, user: str
) -> None:
    browser = LoginBrowser(server)
    logged_in(browser, user)
    form = forms(browser.authorize(CLIENT, prompt="select_account").text)["session-account"]
    response = browser.client.post(form.action, data={**form.hidden, "account": "ryan"})
    assert response.status_code == 400
    # Nor without a session at all.
    fresh = LoginBrowser(server)
    login_form = forms(fresh.authorize(CLIENT).text)["login-form"]
    response = fresh.client.post(login_form.action, data={
        **login_form.hidden, "account": "ryan", "session_account": "1"})
    assert response.status_code == 400


# --- login_hint ---------------------------------------------------------------------------------


def test_login_hint_pre_fills_the_account(server: Server) -> None:
    browser = LoginBrowser(server)
    page = browser.authorize(CLIENT, login_hint="ryan@example.com")
    assert 'id="account" name="account" autocomplete="username" value="ryan@example.com"' in (
        page.text
    )
    response = browser.login(page, "ryan@example.com", RYAN_PASSWORD)
    assert response.status_code == 302
    # A chooser account named by its key comes first, marked.
    page = LoginBrowser(server).authorize(CLIENT, login_hint="muzi")
    buttons = forms(page.text)["account-chooser"].buttons
    assert buttons[0] == ("account", "muzi")
    assert 'data-account="muzi" class="hinted"' in page.text
    # The sign-up page takes it as the account ID.
    page = LoginBrowser(server).authorize(CLIENT, login_hint="brand-new", prompt="create")
    assert 'id="key" name="key" autocomplete="username" value="brand-new"' in page.text


def test_login_hint_is_escaped(server: Server) -> None:
    page = LoginBrowser(server).authorize(CLIENT, login_hint=XSS)
    assert page.status_code == 200
    assert XSS not in page.text and html.escape(XSS, quote=True) in page.text


def test_concurrent_sign_ups_of_one_id_make_one_account(server: Server) -> None:
    from concurrent.futures import ThreadPoolExecutor

    browsers = [LoginBrowser(server) for _ in range(4)]
    posts = []
    for browser in browsers:
        form = forms(browser.authorize(CLIENT, prompt="create").text)["signup-form"]
        posts.append((browser, {**form.hidden, "key": "racer", "nickname": "Racer",
                                "password": "long enough"}))
    with ThreadPoolExecutor(len(posts)) as pool:
        statuses = sorted(pool.map(
            lambda p: p[0].client.post("/oauth/signup", data=p[1]).status_code, posts))
    assert statuses == [302, 400, 400, 400]
    assert server.get("/_talksocial/accounts/racer").status_code == 200
