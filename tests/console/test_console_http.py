"""The console over HTTP against real servers: the operator rule (open on loopback, a login
with the operator token, closed beyond loopback), its cookie, the CSRF token on every form,
escaping, and the public avatars."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import unquote

import httpx
import pytest

from tests.support.inprocess import start_inprocess_server
from tests.support.server import LiveServer, Server
from tests.support.worlds import bearer, expect

OPERATOR_TOKEN = "op-" + "7" * 40
HOSTILE = "<script>alert(\"x\")</script>&'"
HOSTILE_ESCAPED = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&amp;&#39;"


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None, html[:500]
    return found.group(1)


def set_cookie_header(response: httpx.Response) -> str:
    headers = [v for k, v in response.headers.multi_items() if k.lower() == "set-cookie"]
    assert len(headers) == 1, headers
    return headers[0]


@pytest.fixture(scope="module")
def open_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A demo server on loopback without an operator token: the console is open. Tests here
    write to it only under keys of their own."""
    server = start_inprocess_server(tmp_path_factory.mktemp("console-open"), demo=True)
    try:
        yield server
    finally:
        server.stop()
        assert "Traceback" not in server.log(), server.log()


def test_open_console_cookie_and_headers(open_server: Server) -> None:
    client = open_server.client(follow_redirects=False)
    r = client.get("/console")
    assert r.status_code == 200
    cookie = set_cookie_header(r).lower()
    assert cookie.startswith("talksocial_console=")
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/console" in cookie
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["cache-control"] == "no-store"
    # The same browser keeps its session: no new cookie on the next page.
    r = client.get("/console/apps")
    assert r.status_code == 200 and "set-cookie" not in r.headers
    assert "demo-admin-key" in r.text


def test_every_form_carries_the_csrf_token(open_server: Server) -> None:
    client = open_server.client(follow_redirects=False)
    for path in ("/console/accounts", "/console/accounts/muzi", "/console/links?app=1001&account=neo",
                 "/console/faults", "/console/clock", "/console/journal",
                 "/console/rest-api-test"):
        html = client.get(path).text
        forms = re.findall(r"<form\b[^>]*>.*?</form>", html, flags=re.S)
        posts = [f for f in forms if 'method="post"' in f]
        assert posts, path
        token = csrf_of(html)
        for form in posts:
            assert f'name="csrf_token" value="{token}"' in form, (path, form[:200])


def test_a_post_without_the_sessions_csrf_token_is_refused(open_server: Server) -> None:
    client = open_server.client(follow_redirects=False)
    token = csrf_of(client.get("/console/accounts").text)
    other = open_server.client(follow_redirects=False)
    other_token = csrf_of(other.get("/console/accounts").text)
    assert other_token != token

    for data in (
        {"key": "csrf-victim"},
        {"key": "csrf-victim", "csrf_token": ""},
        {"key": "csrf-victim", "csrf_token": token[:-1] + ("0" if token[-1] != "0" else "1")},
        {"key": "csrf-victim", "csrf_token": other_token},
    ):
        r = client.post("/console/accounts", data=data)
        assert r.status_code == 403, data
        assert "Form expired" in r.text
    # A browser without a session cookie, with a token it saw elsewhere.
    r = open_server.post("/console/accounts",
                   data={"key": "csrf-victim", "csrf_token": token})
    assert r.status_code == 403
    # A JSON body is no form.
    r = client.post("/console/accounts", json={"key": "csrf-victim", "csrf_token": token})
    assert r.status_code == 403
    assert client.get("/console/accounts/csrf-victim").status_code == 404

    r = client.post("/console/accounts", data={"key": "csrf-ok", "csrf_token": token})
    assert r.status_code == 303
    assert r.headers["location"] == "/console/accounts/csrf-ok?ok=account-created"
    assert client.get("/console/accounts/csrf-ok").status_code == 200


def test_what_users_typed_is_escaped(open_server: Server) -> None:
    client = open_server.client(follow_redirects=False)
    token = csrf_of(client.get("/console/accounts").text)
    key = "esc<b>'\""
    r = client.post("/console/accounts", data={
        "key": key, "nickname": HOSTILE, "thumbnail_url": 'javascript:alert(1)" onerror="x',
        "csrf_token": token,
    })
    assert r.status_code == 303
    page_url = r.headers["location"].split("?")[0]
    assert unquote(page_url.rsplit("/", 1)[1]) == key
    for path in (page_url, "/console/accounts", "/console/accounts?q=script"):
        html = client.get(path).text
        assert HOSTILE not in html, path
        assert "<script>" not in html, path
        assert HOSTILE_ESCAPED in html, path
        assert 'onerror="x' not in html, path
        # A non-loopback image URL never becomes an <img>: the server's avatar shows instead
        # (the form field still shows what was typed, escaped).
        assert 'src="javascript:' not in html, path
        assert 'value="javascript:alert(1)&#34; onerror=&#34;x"' in html or path != page_url
    # An error message quoting the input is escaped too (a duplicate key).
    r = client.post("/console/accounts", data={"key": key, "csrf_token": token})
    assert r.status_code == 409
    assert "esc&lt;b&gt;" in r.text and "esc<b>" not in r.text


def test_the_rest_api_test_page_shows_the_answer(live_demo_server: LiveServer) -> None:
    # Live: the page sends its request over HTTP to the socket the server listens on.
    client = live_demo_server.client(follow_redirects=False)
    token = csrf_of(client.get("/console/rest-api-test?api=talk-friends").text)
    r = client.post("/console/rest-api-test", data={
        "csrf_token": token, "api": "talk-friends", "app": "1001", "credential": "account",
        "account": "muzi", "p_limit": "2", "p_order": "desc", "ka_lang": "en",
    })
    assert r.status_code == 200
    assert '<span class="status s2" id="response-status">200 OK</span>' in r.text
    assert "&#34;total_count&#34;: 11" in r.text
    assert "?limit=2&amp;order=desc" in r.text  # in the curl line
    assert "KA: sdk/console os/web lang/en" in r.text
    # An account that is not linked gets no token behind the operator's back.
    r = client.post("/console/rest-api-test", data={
        "csrf_token": token, "api": "talk-profile", "app": "1002", "credential": "account",
        "account": "muzi",
    })
    assert r.status_code == 404 and "not linked to app 1002" in r.text
    # The admin key on an API that takes a user's token is refused before sending.
    r = client.post("/console/rest-api-test", data={
        "csrf_token": token, "api": "talk-friends", "app": "1001", "credential": "admin",
    })
    assert r.status_code == 400 and "response-status" not in r.text


@pytest.fixture
def token_server(make_server: Callable[..., Server]) -> Server:
    return make_server(demo=True, extra_args=["--operator-token", OPERATOR_TOKEN])


def test_with_an_operator_token_the_console_asks_for_it(token_server: Server) -> None:
    client = token_server.client(follow_redirects=False)
    r = client.get("/console/accounts?q=a")
    assert r.status_code == 303
    assert r.headers["location"] == "/console/login?next=%2Fconsole%2Faccounts%3Fq%3Da"
    r = client.get(r.headers["location"])
    assert r.status_code == 200 and 'id="login-form"' in r.text
    anonymous = client.cookies["talksocial_console"]
    login_csrf = csrf_of(r.text)

    # An anonymous session may not write.
    r = client.post("/console/accounts", data={"key": "x", "csrf_token": login_csrf})
    assert r.status_code == 403
    # No CSRF token, then a wrong operator token.
    r = client.post("/console/login", data={"operator_token": OPERATOR_TOKEN})
    assert r.status_code == 403 and "set-cookie" in r.headers
    login_csrf = csrf_of(r.text)
    anonymous = client.cookies["talksocial_console"]
    r = client.post("/console/login", data={"operator_token": OPERATOR_TOKEN[:-1],
                                            "csrf_token": login_csrf})
    assert r.status_code == 401 and "That is not the operator token." in r.text
    # A promoted anonymous cookie is refused.
    forged = re.sub(r"\.a\.", ".o.", anonymous, count=1)
    r = token_server.get("/console", cookies={"talksocial_console": forged})
    assert r.status_code == 303

    # The right token, with a `next` that leaves the console: it stays in the console.
    r = client.post("/console/login", data={
        "operator_token": OPERATOR_TOKEN, "csrf_token": login_csrf, "next": "//evil.example/x",
    })
    assert r.status_code == 303 and r.headers["location"] == "/console"
    cookie = set_cookie_header(r)
    assert OPERATOR_TOKEN not in cookie
    assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
    session = client.cookies["talksocial_console"]
    assert session != anonymous  # a new session id on login
    r = client.get("/console/accounts")
    assert r.status_code == 200 and 'id="logout"' in r.text
    token = csrf_of(r.text)

    # The operator token alone does not open the console (it is a form, not a header) ...
    r = token_server.get("/console",
                  headers={"Authorization": f"Bearer {OPERATOR_TOKEN}"})
    assert r.status_code == 303
    # ... and the session cookie does not open the control API.
    r = token_server.get("/_talksocial/clock",
                  cookies={"talksocial_console": session})
    assert r.status_code == 401

    r = client.post("/console/logout", data={"csrf_token": token})
    assert r.status_code == 303 and r.headers["location"] == "/console/login"
    assert "talksocial_console" not in client.cookies
    assert client.get("/console/accounts").status_code == 303

    # The avatars stay public: API answers link to them.
    r = token_server.get("/_talksocial/avatars/Neo.svg")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")


def test_beyond_loopback_without_a_token_the_console_is_closed(
    make_server: Callable[..., Server],
) -> None:
    server = make_server(extra_args=["--host", "0.0.0.0"])
    for path in ("/console", "/console/login", "/console/accounts"):
        r = server.get(path, follow_redirects=False)
        assert r.status_code == 403, path
        assert "The console is closed" in r.text
        assert "set-cookie" not in r.headers
    r = server.post("/console/accounts", data={"key": "x"})
    assert r.status_code == 403


def test_demo_profiles_use_avatars_that_load(demo_server: Server) -> None:
    body = expect(demo_server.get("/v1/api/talk/friends", params={"limit": 100},
                                  headers=bearer("demo-token-neo")), 200)
    prefix = demo_server.base_url + "/_talksocial/avatars/"
    thumbs = [e["profile_thumbnail_image"] for e in body["elements"]]
    assert thumbs and all(t.startswith(prefix) for t in thumbs)
    r = demo_server.get(thumbs[0].removeprefix(demo_server.base_url))
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/svg+xml; charset=utf-8"
    assert r.headers["x-content-type-options"] == "nosniff"
    root = ET.fromstring(r.text)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    # The seed's own samples keep their literal URLs.
    body = expect(demo_server.get("/v1/api/talk/friends", params={"limit": 3},
                                  headers=bearer("demo-access-token")), 200)
    assert all(e["profile_thumbnail_image"].startswith("https://xxx.kakao.co.kr/")
               for e in body["elements"])


def test_static_files(demo_server: Server, tmp_path: Path) -> None:
    r = demo_server.get("/console/static/console.css")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/css")
    r = demo_server.get("/console/static/console.js")
    assert r.status_code == 200 and "data-fallback" in r.text
    for path in ("/console/static/..%2Fviews.py", "/console/static/nope.css",
                 "/console/static/templates"):
        assert demo_server.get(path).status_code == 404, path


def test_the_clock_page_moves_the_server_clock(make_server: Callable[..., Server]) -> None:
    server = make_server(demo=True)
    issued = expect(server.post("/_talksocial/tokens",
                                json={"app": 1001, "account": "neo", "lifetime": 60}), 201)
    token = bearer(issued["access_token"])
    expect(server.get("/v1/api/talk/friends", headers=token), 200)

    client = server.client(follow_redirects=False)
    csrf = csrf_of(client.get("/console/clock").text)
    r = client.post("/console/clock", data={"csrf_token": csrf, "action": "advance",
                                            "amount": "2", "unit": "minutes"})
    assert r.status_code == 303 and r.headers["location"] == "/console/clock?ok=clock-set"
    assert 'id="offset">120 s<' in client.get("/console/clock").text
    body = expect(server.get("/v1/api/talk/friends", headers=token), 401)
    assert body["reason"] == "ACCESS_TOKEN_EXPIRED"
    assert 119 < expect(server.get("/_talksocial/clock"), 200)["offset_seconds"] < 121

    r = client.post("/console/clock", data={"csrf_token": csrf, "action": "advance",
                                            "amount": "soon", "unit": "minutes"})
    assert r.status_code == 400 and "the amount must be a number" in r.text
    r = client.post("/console/clock", data={"csrf_token": csrf, "action": "set",
                                            "now": "2030-01-01T00:00:00Z"})
    assert r.status_code == 303
    assert expect(server.get("/_talksocial/clock"), 200)["now"].startswith("2030-01-01T00:00:0")
    client.post("/console/clock", data={"csrf_token": csrf, "action": "reset"})
    assert expect(server.get("/_talksocial/clock"), 200)["offset_seconds"] == 0
