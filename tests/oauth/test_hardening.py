"""Login brute force against a real server (docs/server/security.md#login): wrong passwords are
throttled per account and per client address, and the lock always ends."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from tests.support.login_browser import LoginBrowser, advance_clock, forms
from tests.support.login_worlds import CLIENT, RYAN_PASSWORD, login_world
from tests.support.server import Server

MakeServer = Callable[..., Server]


def _login_form(browser: LoginBrowser) -> tuple[str, dict[str, str]]:
    page = browser.authorize(CLIENT)
    assert page.status_code == 200, page.text[:300]
    assert "login-throttle" in page.text  # the page says how it throttles
    form = forms(page.text)["login-form"]
    return form.action, form.hidden


def _try(browser: LoginBrowser, account: str, password: str) -> httpx.Response:
    action, hidden = _login_form(browser)
    return browser.client.post(action, data={**hidden, "account": account,
                                             "password": password})


def test_thirty_wrong_passwords_lock_the_account_for_a_while(make_server: MakeServer) -> None:
    server = make_server(seed=login_world())
    browser = LoginBrowser(server)
    started = time.monotonic()
    answers = [_try(browser, "ryan", f"guess {i}").status_code for i in range(30)]
    assert time.monotonic() - started < 30
    assert answers[:5] == [400] * 5  # wrong, and counted
    assert set(answers[5:]) == {429}  # locked: not even checked
    # The right password, right after: refused too, and the page says why and for how long.
    locked = _try(browser, "ryan", RYAN_PASSWORD)
    assert locked.status_code == 429
    assert locked.headers["content-type"].startswith("text/html")
    assert "Too many wrong passwords" in locked.text and "5 minutes" in locked.text
    assert "set-cookie" not in locked.headers or "ts_login" not in locked.headers["set-cookie"]
    # The lock ends: five minutes later the right password works.
    advance_clock(server, 301)
    ok = _try(browser, "ryan", RYAN_PASSWORD)
    assert ok.status_code == 302, ok.text[:300]  # logged in: on to consent
    # A success clears the account's count: one more typo is just a typo.
    other = LoginBrowser(server)
    assert _try(other, "ryan", "typo").status_code == 400


def test_an_address_guessing_across_accounts_is_locked(make_server: MakeServer) -> None:
    server = make_server(seed=login_world())
    browser = LoginBrowser(server)
    # 20 wrong passwords spread over accounts that do not exist: no account reaches 5.
    answers = [_try(browser, f"nobody-{i}", "x").status_code for i in range(20)]
    assert answers == [400] * 20
    # The address is now locked, even for the right password of a real account.
    assert _try(browser, "ryan", RYAN_PASSWORD).status_code == 429
    advance_clock(server, 301)
    assert _try(browser, "ryan", RYAN_PASSWORD).status_code == 302
