"""GET /oauth/authorize, the login and consent pages (docs/reference/kakao-login.md), over real HTTP."""

from __future__ import annotations

import html
from collections.abc import Iterator

import httpx
import pytest

from tests.support.login_browser import (
    CALLBACK,
    HTML_CT,
    LoginBrowser,
    exchange,
    forms,
    redirect_params,
)
from tests.support.login_worlds import (
    CLIENT,
    QUERY_CALLBACK,
    QUERY_CLIENT,
    RYAN_PASSWORD,
    XSS,
    XSS_CLIENT,
    fresh_accounts,
    login_world,
)
from tests.support.server import Server
from tests.support.worlds import serve


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server for the module: every test that links an account takes a fresh one."""
    yield from serve(tmp_path_factory, login_world(), "authorize")


_fresh = fresh_accounts()


@pytest.fixture
def user() -> str:
    return next(_fresh)


def expect_error_page(response: httpx.Response, code: str) -> None:
    """An HTML page with HTTP 400 naming the KOE code, never a redirect."""
    assert response.status_code == 400, (response.status_code, response.text[:300])
    assert "location" not in response.headers
    assert response.headers["content-type"] == HTML_CT
    assert f'<code id="error-code">{code}</code>' in response.text


# --- request errors: a page, never a redirect ---------------------------------------------


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"client_id": "no-such-key"}, "KOE101"),
        ({"client_id": ""}, "KOE101"),
        ({"redirect_uri": "http://evil.example/callback"}, "KOE006"),
        ({"redirect_uri": CALLBACK + "/"}, "KOE006"),
        ({"redirect_uri": CALLBACK + "?x=1"}, "KOE006"),
        ({"redirect_uri": "http://localhost:3001/callback"}, "KOE006"),
        ({"redirect_uri": "HTTP://LOCALHOST:3000/callback"}, "KOE006"),
        ({"redirect_uri": ""}, "KOE006"),
        ({"response_type": "token"}, "KOE201"),
        ({"response_type": ""}, "KOE201"),
        ({"scope": "talk_message"}, "KOE205"),
        ({"scope": "friends,no_such_item"}, "KOE205"),
        ({"scope": "profile"}, "KOE205"),
    ],
)
def test_bad_requests_answer_an_error_page(
    server: Server, params: dict[str, str], code: str
) -> None:
    query = {"client_id": CLIENT, "redirect_uri": CALLBACK, "response_type": "code", **params}
    response = server.get("/oauth/authorize", params=query)
    expect_error_page(response, code)


def test_missing_parameters(server: Server) -> None:
    expect_error_page(server.get("/oauth/authorize"), "KOE101")
    expect_error_page(server.get("/oauth/authorize", params={"client_id": CLIENT}), "KOE006")
    expect_error_page(
        server.get("/oauth/authorize", params={"client_id": CLIENT, "redirect_uri": CALLBACK}),
        "KOE201",
    )


def test_client_id_checked_before_redirect_uri(server: Server) -> None:
    response = server.get(
        "/oauth/authorize",
        params={"client_id": "nope", "redirect_uri": "http://evil.example/", "response_type": "x"},
    )
    expect_error_page(response, "KOE101")


@pytest.mark.parametrize(
    "pkce",
    [
        {"code_challenge": "a" * 43, "code_challenge_method": "plain"},
        {"code_challenge": "a" * 43},
        {"code_challenge": "too-short", "code_challenge_method": "S256"},
        {"code_challenge_method": "S256"},
    ],
)
def test_pkce_takes_s256_only(server: Server, pkce: dict[str, str]) -> None:
    response = LoginBrowser(server).authorize(CLIENT, **pkce)
    assert response.status_code == 400
    assert "location" not in response.headers
    assert "KOE001" in response.text


# --- the login page -------------------------------------------------------------------------


def test_valid_request_answers_the_login_page(server: Server) -> None:
    response = LoginBrowser(server).authorize(CLIENT, state="abc")
    assert response.status_code == 200
    assert response.headers["content-type"] == HTML_CT
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("talksocial_login=")
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower() and "Path=/oauth" in cookie
    page = forms(response.text)
    assert page["login-form"].hidden["csrf_token"]
    assert "state=abc" in page["login-form"].hidden["q"]
    # The chooser offers accounts without a password, and not the one with a password.
    chooser = page["account-chooser"]
    offered = {value for name, value in chooser.buttons if name == "account"}
    assert {"apeach", "jordy", "muzi", "mallory", "user00"} <= offered
    assert "ryan" not in offered


def test_password_login(server: Server) -> None:
    browser = LoginBrowser(server)
    page = browser.authorize(CLIENT)
    wrong = browser.login(page, "ryan", "not the password")
    assert wrong.status_code == 400
    assert "not correct" in wrong.text
    assert "login-form" in forms(wrong.text)
    unknown = browser.login(page, "nobody", "whatever")
    assert unknown.status_code == 400
    # The password account cannot be picked without its password.
    no_password = browser.login(page, "ryan", "")
    assert no_password.status_code == 400
    # The email works as the account name too.
    ok = browser.login(page, "ryan@example.com", RYAN_PASSWORD)
    assert ok.status_code == 302
    assert ok.headers["location"].startswith("/oauth/authorize?")
    consent = browser.follow(ok)
    assert consent.status_code == 200
    assert "consent-form" in forms(consent.text)


def test_login_needs_the_pages_csrf_token_and_cookie(server: Server) -> None:
    browser = LoginBrowser(server)
    page = browser.authorize(CLIENT)
    form = forms(page.text)["account-chooser"]
    forged = browser.client.post(
        "/oauth/login", data={**form.hidden, "csrf_token": "forged", "account": "apeach"}
    )
    assert forged.status_code == 400
    assert "set-cookie" not in forged.headers
    # Another browser (no cookie) posting this page's token gets nowhere either.
    other = server.post("/oauth/login", data={**form.hidden, "account": "apeach"})
    assert other.status_code == 400
    assert "location" not in other.headers


def test_login_rotates_the_session_cookie(server: Server) -> None:
    browser = LoginBrowser(server)
    page = browser.authorize(CLIENT)
    before = browser.client.cookies["talksocial_login"]
    done = browser.login(page, "apeach")
    assert done.status_code == 302
    after = browser.client.cookies["talksocial_login"]
    assert after != before


# --- the consent page -------------------------------------------------------------------------


def test_consent_page_lists_the_apps_items(server: Server, user: str) -> None:
    browser = LoginBrowser(server)
    consent = browser.follow(browser.login(browser.authorize(CLIENT), user))
    form = forms(consent.text)["consent-form"]
    assert form.checkboxes == {
        "profile_nickname": (True, True),  # required: checked and locked
        "profile_image": (True, False),
        "friends": (True, False),
        "account_email": (True, False),
        "openid": (True, False),
    }
    assert form.hidden["csrf_token"]


def test_agree_redirects_with_code_and_state(server: Server, user: str) -> None:
    browser = LoginBrowser(server)
    consent = browser.follow(browser.login(browser.authorize(CLIENT, state="s t&ä"), user))
    params = redirect_params(browser.consent(consent, untick=("profile_image", "openid")))
    assert params["state"] == "s t&ä"
    assert len(params["code"]) >= 32
    body = exchange(server, CLIENT, params["code"]).json()
    assert body["scope"] == "profile_nickname friends account_email"


def test_a_required_item_cannot_be_refused_by_leaving_it_out(server: Server, user: str) -> None:
    browser = LoginBrowser(server)
    consent = browser.follow(browser.login(browser.authorize(CLIENT), user))
    form = forms(consent.text)["consent-form"]
    # Post only an optional item: the required one is agreed all the same.
    response = browser.client.post(
        form.action, data={**form.hidden, "scope": "friends", "action": "agree"}
    )
    code = redirect_params(response)["code"]
    assert exchange(server, CLIENT, code).json()["scope"] == "profile_nickname friends"


def test_refusal_redirects_with_access_denied(server: Server, user: str) -> None:
    browser = LoginBrowser(server)
    consent = browser.follow(browser.login(browser.authorize(CLIENT, state="st"), user))
    params = redirect_params(browser.consent(consent, action="cancel"))
    assert params["error"] == "access_denied"
    assert params["state"] == "st"
    assert "code" not in params
    # Nothing was agreed: the next request asks for every item again.
    again = browser.authorize(CLIENT)
    assert len(forms(again.text)["consent-form"].checkboxes) == 5


def test_consent_needs_the_csrf_token(server: Server, user: str) -> None:
    browser = LoginBrowser(server)
    consent = browser.follow(browser.login(browser.authorize(CLIENT), user))
    form = forms(consent.text)["consent-form"]
    response = browser.client.post(
        form.action, data={**form.hidden, "csrf_token": "x" * 43, "action": "agree"}
    )
    assert response.status_code == 400
    assert "location" not in response.headers


def test_logged_in_browser_with_nothing_new_gets_a_code_at_once(
    server: Server, user: str
) -> None:
    browser = LoginBrowser(server)
    first = browser.code(CLIENT, user, untick=("friends",), state="one")
    second = browser.authorize(CLIENT, state="two")
    params = redirect_params(second)
    assert params["state"] == "two"
    assert params["code"] != first["code"]
    # An optional item refused earlier is not asked again without `scope`.
    assert "friends" not in exchange(server, CLIENT, params["code"]).json()["scope"].split()


def test_additional_consent_asks_only_for_new_items(server: Server, user: str) -> None:
    browser = LoginBrowser(server)
    browser.code(CLIENT, user, untick=("friends", "openid"))
    page = browser.authorize(CLIENT, scope="friends profile_nickname")
    form = forms(page.text)["consent-form"]
    assert form.checkboxes == {"friends": (True, False)}
    code = redirect_params(browser.consent(page))["code"]
    scopes = exchange(server, CLIENT, code).json()["scope"].split()
    assert "friends" in scopes and "openid" not in scopes
    # Everything asked for is agreed now: straight back with a code.
    redirect_params(browser.authorize(CLIENT, scope="friends"))


def test_prompt_login_forces_the_login_page(server: Server, user: str) -> None:
    browser = LoginBrowser(server)
    browser.code(CLIENT, user)
    page = browser.authorize(CLIENT, prompt="login", state="p")
    assert page.status_code == 200
    assert "login-form" in forms(page.text)
    # Logging in (as someone else) continues the same request once, without looping.
    after = browser.follow(browser.login(page, next(_fresh)))
    assert "consent-form" in forms(after.text)
    params = redirect_params(browser.consent(after))
    assert params["state"] == "p"


def test_prompt_none(server: Server) -> None:
    browser = LoginBrowser(server)
    params = redirect_params(browser.authorize(CLIENT, prompt="none", state="n"))
    assert params == {
        "error": "login_required",
        "error_description": "user authentication required.",
        "state": "n",
    }


def test_redirect_uri_with_its_own_query(server: Server, user: str) -> None:
    browser = LoginBrowser(server)
    response = browser.authorize(QUERY_CLIENT, redirect_uri=QUERY_CALLBACK, state="q")
    response = browser.follow(browser.login(response, user))
    response = browser.consent(response)
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(QUERY_CALLBACK + "&code=")
    assert location.endswith("&state=q")


def test_a_tampered_form_is_held_to_the_same_rules(server: Server, user: str) -> None:
    browser = LoginBrowser(server)
    consent = browser.follow(browser.login(browser.authorize(CLIENT), user))
    form = forms(consent.text)["consent-form"]
    tampered = form.hidden["q"].replace("localhost%3A3000%2Fcallback", "evil.example%2Fsteal")
    response = browser.client.post(
        form.action, data={**form.hidden, "q": tampered, "action": "agree"}
    )
    expect_error_page(response, "KOE006")


# --- escaping -------------------------------------------------------------------------------


def _no_raw_markup(text: str) -> None:
    assert XSS not in text
    assert "<script" not in text.lower()


def test_nickname_with_markup_renders_as_text(server: Server) -> None:
    browser = LoginBrowser(server)
    page = browser.authorize(CLIENT)
    _no_raw_markup(page.text)
    assert html.escape(XSS, quote=True) in page.text or "&lt;script&gt;" in page.text
    consent = browser.follow(browser.login(page, "mallory"))
    _no_raw_markup(consent.text)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in consent.text


def test_request_values_are_escaped(server: Server, user: str) -> None:
    evil_state = '"><script>alert(2)</script>'
    browser = LoginBrowser(server)
    page = browser.authorize(CLIENT, state=evil_state)
    assert "<script>alert(2)" not in page.text
    assert (
        forms(page.text)["login-form"]
        .hidden["q"]
        .endswith("state=%22%3E%3Cscript%3Ealert%282%29%3C%2Fscript%3E")
    )
    # The state still comes back intact to the app.
    consent = browser.follow(browser.login(page, user))
    assert "<script>alert(2)" not in consent.text
    assert redirect_params(browser.consent(consent))["state"] == evil_state


def test_app_name_is_escaped(server: Server) -> None:
    page = LoginBrowser(server).authorize(XSS_CLIENT)
    assert page.status_code == 200
    _no_raw_markup(page.text)
    assert "Evil &lt;script&gt;alert(1)&lt;/script&gt; app" in page.text


def test_error_page_does_not_echo_markup(server: Server) -> None:
    response = server.get(
        "/oauth/authorize",
        params={
            "client_id": CLIENT,
            "redirect_uri": CALLBACK,
            "response_type": "code",
            "scope": "<script>alert(3)</script>",
        },
    )
    expect_error_page(response, "KOE205")
    assert "<script>alert(3)" not in response.text
