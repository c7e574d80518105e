"""Kakao Login end to end in a real browser: headless Debian chromium driven by Playwright
logs in, unticks optional items, agrees, and lands on the app's callback (a small HTTP server
on loopback); the test then exchanges the code like an app's backend would, and asks for
`friends` later by additional consent."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from tests.support.local_http import serving_handler
from tests.support.login_browser import exchange
from tests.support.login_worlds import CLIENT, RYAN_PASSWORD, login_world
from tests.support.server import LiveServer
from tests.support.worlds import bearer, expect

pytestmark = pytest.mark.browser



@dataclass
class Callback:
    """The app's redirect target: records every query it receives."""

    url: str
    received: list[dict[str, str]] = field(default_factory=list)


@pytest.fixture
def callback() -> Iterator[Callback]:
    received: list[dict[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            url = urlsplit(self.path)
            if url.path != "/callback":  # e.g. the browser's /favicon.ico
                self.send_error(404)
                return
            received.append({k: v[0] for k, v in parse_qs(url.query).items()})
            body = b"<!doctype html><title>callback</title><p id=done>signed in</p>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    with serving_handler(Handler) as base_url:
        yield Callback(f"{base_url}/callback", received)


def test_login_consent_and_additional_consent_in_chromium(
    make_live_server: Callable[..., LiveServer], callback: Callback, browser_context: Any
) -> None:
    server = make_live_server(seed=login_world(redirect_uri=callback.url))
    page = browser_context.new_page()

    def authorize_url(**extra: str) -> str:
        query = {
            "client_id": CLIENT,
            "redirect_uri": callback.url,
            "response_type": "code",
            **extra,
        }
        return f"{server.base_url}/oauth/authorize?{urlencode(query)}"

    # 1. The login page: Ryan has a password.
    page.goto(authorize_url(state="state-1"))
    page.fill("#account", "ryan")
    page.fill("#password", RYAN_PASSWORD)
    page.click("#login-submit")

    # 2. The consent page: the required item is locked, optional ones are ticked.
    page.wait_for_selector("#consent-form")
    assert page.is_checked("#scope-profile_nickname") and page.is_disabled(
        "#scope-profile_nickname"
    )
    assert page.is_checked("#scope-profile_image") and page.is_enabled("#scope-profile_image")
    page.uncheck("#scope-profile_image")
    page.uncheck("#scope-friends")
    page.click("#agree")

    # 3. The app's callback gets the code and the state.
    page.wait_for_selector("#done")
    assert page.url.startswith(callback.url + "?")
    assert len(callback.received) == 1
    first = callback.received[0]
    assert first["state"] == "state-1" and first["code"]

    # 4. The app's backend exchanges the code and sees only what was granted.
    tokens = exchange(server, CLIENT, first["code"], callback.url)
    body = expect(tokens, 200)
    assert body["scope"].split() == ["profile_nickname", "account_email", "openid"]
    auth = bearer(body["access_token"])
    profile = expect(server.get("/v1/api/talk/profile", headers=auth), 200)
    assert profile["nickName"] == "Ryan"
    assert set(profile) == {"id", "nickName"}  # no images: profile_image was unticked
    friends = server.get("/v1/api/talk/friends", headers=auth)
    assert friends.status_code == 403 and friends.json()["code"] == -402

    # 5. Additional consent for `friends`: the browser is logged in, only `friends` is asked.
    page.goto(authorize_url(scope="friends", state="state-2"))
    page.wait_for_selector("#consent-form")
    boxes = page.eval_on_selector_all(
        "#consent-form input[type=checkbox]", "els => els.map(e => e.value)"
    )
    assert boxes == ["friends"]
    page.click("#agree")
    page.wait_for_selector("#done")
    second = callback.received[-1]
    assert second["state"] == "state-2"

    tokens = expect(exchange(server, CLIENT, second["code"], callback.url), 200)
    assert "friends" in tokens["scope"].split()
    listed = expect(server.get("/v1/api/talk/friends", headers=bearer(tokens["access_token"])), 200)
    # Jordy and Apeach are linked with `friends`; Apeach is Ryan's favorite.
    assert [e["profile_nickname"] for e in listed["elements"]] == ["Apeach", "Jordy"]
    assert listed["total_count"] == 2 and listed["favorite_count"] == 1
    assert {e["id"] for e in listed["elements"]} == {501, 502}

    # 6. Logged in with nothing new to agree to: straight back to the app with a code.
    page.goto(authorize_url(state="state-3"))
    page.wait_for_selector("#done")
    assert callback.received[-1]["state"] == "state-3" and callback.received[-1]["code"]


def test_refusal_in_chromium(
    make_live_server: Callable[..., LiveServer], callback: Callback, browser_context: Any
) -> None:
    server = make_live_server(seed=login_world(redirect_uri=callback.url))
    page = browser_context.new_page()
    query = {
        "client_id": CLIENT,
        "redirect_uri": callback.url,
        "response_type": "code",
        "state": "no",
    }
    page.goto(f"{server.base_url}/oauth/authorize?{urlencode(query)}")
    # The account chooser: Muzi has no password.
    page.click("#account-chooser button[data-account=muzi]")
    page.wait_for_selector("#consent-form")
    page.click("#cancel")
    page.wait_for_selector("#done")
    assert callback.received == [
        {"error": "access_denied", "error_description": "User denied access", "state": "no"}
    ]
