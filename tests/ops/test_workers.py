"""Nothing a request needs lives in one process's memory: two servers over one database (two
machines behind a balancer) and one server with `--workers 2` answer every step of a flow
wherever it lands -- login sessions, codes, tokens, refresh, logout, the clock."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.ops.worlds import CLIENT, TOKEN, small_world
from tests.support.login_browser import CALLBACK, forms
from tests.support.server import LiveServer
from tests.support.worlds import TOKEN_EXPIRED, TOKEN_NOT_FOUND, bearer, expect


def code_across(browser: httpx.Client, first: LiveServer, second: LiveServer, key: str) -> str:
    """Authorize and log in at `first`, consent at `second`, with one cookie jar: the login
    session made by one server is the other's too."""
    query = {"client_id": CLIENT, "redirect_uri": CALLBACK, "response_type": "code"}
    page = browser.get(first.base_url + "/oauth/authorize", params=query)
    assert page.status_code == 200 and "login-form" in forms(page.text), page.text[:300]
    chooser = forms(page.text)["account-chooser"]
    done = browser.post(first.base_url + chooser.action, data={**chooser.hidden, "account": key})
    assert done.status_code == 302, done.text[:300]
    page = browser.get(second.base_url + done.headers["location"])
    assert page.status_code == 200 and "consent-form" in forms(page.text), page.text[:300]
    consent = forms(page.text)["consent-form"]
    ticked = [v for v, (checked, disabled) in consent.checkboxes.items() if checked and not disabled]
    answer = browser.post(second.base_url + consent.action,
                          data={**consent.hidden, "scope": ticked, "action": "agree"})
    assert answer.status_code == 302, answer.text[:300]
    location = answer.headers["location"]
    assert location.startswith(CALLBACK + "?"), location
    return parse_qs(urlsplit(location).query)["code"][0]


def token_request(server: LiveServer, **data: str) -> httpx.Response:
    return server.post("/oauth/token", data={"client_id": CLIENT, **data})


def test_two_servers_over_one_database_are_one_server(
    make_live_server: Callable[..., LiveServer],
) -> None:
    a = make_live_server(seed=small_world())
    b = make_live_server(database_url=a.database_url)  # another machine: same database, no seed

    with httpx.Client(timeout=30.0, follow_redirects=False) as browser:
        code = code_across(browser, a, b, "login1")
    # A code made by one is redeemed at the other, once.
    issued = token_request(a, grant_type="authorization_code", code=code, redirect_uri=CALLBACK)
    assert issued.status_code == 200, issued.text
    tokens = issued.json()
    again = token_request(b, grant_type="authorization_code", code=code, redirect_uri=CALLBACK)
    assert again.status_code == 400 and again.json()["error_code"] == "KOE320", again.text
    # The reuse revoked what the code issued: on both.
    for server in (a, b):
        expect(server.get("/v1/user/access_token_info",
                          headers=bearer(tokens["access_token"])), 401, TOKEN_NOT_FOUND)

    with httpx.Client(timeout=30.0, follow_redirects=False) as browser:
        code = code_across(browser, b, a, "login2")
    tokens = token_request(b, grant_type="authorization_code", code=code,
                           redirect_uri=CALLBACK).json()
    info = expect(a.get("/v1/user/access_token_info", headers=bearer(tokens["access_token"])), 200)
    refreshed = token_request(a, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text
    new_access = refreshed.json()["access_token"]
    assert expect(b.get("/v1/user/access_token_info", headers=bearer(new_access)), 200)["id"] \
        == info["id"]
    # Logout at one: the token is gone at the other.
    expect(b.post("/v1/user/logout", headers=bearer(new_access)), 200)
    expect(a.get("/v1/user/access_token_info", headers=bearer(new_access)), 401, TOKEN_NOT_FOUND)

    # The clock is one clock: advanced at one, read and obeyed at the other.
    assert b.get("/_talksocial/clock").json()["offset_seconds"] == 0
    expect(b.get("/v1/api/talk/profile", headers=bearer(TOKEN)), 200)
    moved = a.post("/_talksocial/clock", json={"advance_seconds": 2 * 86400})
    assert moved.status_code == 200, moved.text
    assert b.get("/_talksocial/clock").json()["offset_seconds"] == 2 * 86400
    expect(b.get("/v1/api/talk/profile", headers=bearer(TOKEN)), 401, TOKEN_EXPIRED)
    expect(a.get("/v1/api/talk/profile", headers=bearer(TOKEN)), 401, TOKEN_EXPIRED)


def test_two_workers_answer_a_flow_on_fresh_connections(
    make_live_server: Callable[..., LiveServer],
) -> None:
    server = make_live_server(seed=small_world(), workers=2)
    # Every request on a new connection: the kernel spreads them over both workers.
    offset = 0
    for step in range(12):
        moved = server.post("/_talksocial/clock", json={"advance_seconds": 60})
        assert moved.status_code == 200, moved.text
        offset += 60
        assert server.get("/_talksocial/clock").json()["offset_seconds"] == offset, step
    for key in ("login0", "login3"):
        with httpx.Client(timeout=30.0, follow_redirects=False,
                          limits=httpx.Limits(max_keepalive_connections=0)) as browser:
            code = code_across(browser, server, server, key)
        issued = token_request(server, grant_type="authorization_code", code=code,
                               redirect_uri=CALLBACK)
        assert issued.status_code == 200, issued.text
        access = issued.json()["access_token"]
        for _ in range(6):
            expect(server.get("/v1/user/access_token_info", headers=bearer(access)), 200)


def test_sigterm_lets_requests_in_flight_finish(make_live_server: Callable[..., LiveServer]) -> None:
    server = make_live_server(seed=small_world(), workers=2)
    slow = server.post("/_talksocial/faults",
                       json={"endpoint": "/v1/api/talk/profile", "latency_ms": 2500})
    assert slow.status_code == 201, slow.text
    results: list[httpx.Response | BaseException] = []

    def call() -> None:
        try:
            results.append(server.get("/v1/api/talk/profile", headers=bearer(TOKEN)))
        except BaseException as exc:  # reported below
            results.append(exc)

    threads = [threading.Thread(target=call) for _ in range(3)]
    for t in threads:
        t.start()
    time.sleep(1.0)  # the requests are in flight, each waiting out its 2.5 s
    started = time.monotonic()
    os.killpg(server.process.pid, signal.SIGTERM)  # what a process manager sends
    for t in threads:
        t.join(timeout=30)
    assert len(results) == 3
    for result in results:
        assert isinstance(result, httpx.Response), result
        body = expect(result, 200)
        assert body["id"] == 100
    assert server.process.wait(timeout=30) == 0
    assert time.monotonic() - started >= 1.0  # it waited for them
    # Gone now: new connections are refused.
    try:
        httpx.get(server.base_url + "/healthz", timeout=2)
        raise AssertionError("the server still answers after SIGTERM")
    except httpx.TransportError:
        pass
