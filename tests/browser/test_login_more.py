"""More of Kakao Login in a real browser (headless Debian chromium): signing up with
`prompt=create`, the account chooser of `prompt=select_account` with a session, and logging out
with a redirect back to the app (docs/reference/kakao-login.md#prompt, #oauth-logout)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from tests.support.local_http import serving_handler
from tests.support.login_browser import exchange
from tests.support.login_worlds import CLIENT, login_world
from tests.support.server import LiveServer
from tests.support.worlds import bearer, expect

pytestmark = pytest.mark.browser


@dataclass
class AppPages:
    """The app's pages on loopback: `/callback` and `/logged-out`; records (path, query)."""

    base: str
    received: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    @property
    def callback(self) -> str:
        return self.base + "/callback"

    @property
    def logged_out(self) -> str:
        return self.base + "/logged-out"


@pytest.fixture
def app_pages() -> Iterator[AppPages]:
    received: list[tuple[str, dict[str, str]]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            url = urlsplit(self.path)
            if url.path not in ("/callback", "/logged-out"):
                self.send_error(404)
                return
            received.append((url.path, {k: v[0] for k, v in parse_qs(url.query).items()}))
            marker = "done" if url.path == "/callback" else "bye"
            body = f"<!doctype html><title>{marker}</title><p id={marker}>{marker}</p>".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    with serving_handler(Handler) as base_url:
        yield AppPages(base_url, received)


def test_sign_up_select_account_and_logout_in_chromium(
    make_live_server: Callable[..., LiveServer], app_pages: AppPages, browser_context: Any
) -> None:
    seed = login_world(redirect_uri=app_pages.callback)
    seed["apps"][0]["logout_redirect_uris"] = [app_pages.logged_out]
    server = make_live_server(seed=seed)
    page = browser_context.new_page()

    def authorize_url(**extra: str) -> str:
        query = {"client_id": CLIENT, "redirect_uri": app_pages.callback,
                 "response_type": "code", **extra}
        return f"{server.base_url}/oauth/authorize?{urlencode(query)}"

    # 1. prompt=create: the sign-up page; a too short password is refused, what was typed kept.
    page.goto(authorize_url(prompt="create", state="s1", login_hint="neo"))
    page.wait_for_selector("#signup-form")
    assert page.input_value("#key") == "neo"
    page.fill("#nickname", "Neo <One>")
    page.fill("#password", "short")
    page.click("#signup-submit")
    page.wait_for_selector("#signup-error")
    assert "at least 8" in page.inner_text("#signup-error")
    assert page.input_value("#nickname") == "Neo <One>"
    page.fill("#password", "a long password")
    page.click("#signup-submit")

    # 2. The new account goes on to consent, then back to the app with a code.
    page.wait_for_selector("#consent-form")
    assert "Neo <One>" in page.inner_text("body")
    page.click("#agree")
    page.wait_for_selector("#done")
    path, first = app_pages.received[-1]
    assert path == "/callback" and first["state"] == "s1"
    tokens = expect(exchange(server, CLIENT, first["code"], app_pages.callback), 200)
    me = expect(server.get("/v2/user/me", headers=bearer(tokens["access_token"])), 200)
    assert me["kakao_account"]["profile"]["nickname"] == "Neo <One>"

    # 3. prompt=select_account with the session: "Continue as" the new account, no password.
    page.goto(authorize_url(prompt="select_account", state="s2"))
    page.wait_for_selector("#session-account")
    assert "neo" in page.inner_text("#session-account")
    page.click("#session-account button[data-account=neo]")
    page.wait_for_selector("#done")
    assert app_pages.received[-1][1]["state"] == "s2"

    # 4. Or another account from the chooser (Muzi has no password): the session switches.
    page.goto(authorize_url(prompt="select_account", state="s3"))
    page.wait_for_selector("#account-chooser")
    page.click("#account-chooser button[data-account=muzi]")
    page.wait_for_selector("#consent-form")
    assert "Muzi" in page.inner_text("body")
    page.click("#agree")
    page.wait_for_selector("#done")
    assert app_pages.received[-1][1]["state"] == "s3"

    # 5. Logout: back on the app's logout page with the state; the next login asks again.
    logout = urlencode({"client_id": CLIENT, "logout_redirect_uri": app_pages.logged_out,
                        "state": "bye-1"})
    page.goto(f"{server.base_url}/oauth/logout?{logout}")
    page.wait_for_selector("#bye")
    assert app_pages.received[-1] == ("/logged-out", {"state": "bye-1"})
    page.goto(authorize_url(state="s4"))
    page.wait_for_selector("#login-form")

    # 6. An unregistered logout URI: the KOE007 page, no redirect.
    bad = urlencode({"client_id": CLIENT, "logout_redirect_uri": app_pages.callback})
    page.goto(f"{server.base_url}/oauth/logout?{bad}")
    assert page.inner_text("#error-code") == "KOE007"
    assert page.url.startswith(server.base_url)
