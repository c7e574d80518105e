"""talksocial's own outbound requests, against real local HTTP servers on loopback: a slow one, a
huge one, redirecting ones, one that does not answer (docs/server/security.md)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest

from talksocial.web.outbound import MAX_BODY_BYTES, fetch, origin_of
from tests.support.local_http import serving_handler


class _Handler(BaseHTTPRequestHandler):
    other_origin = ""

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def _answer(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        path = self.path.split("?")[0]
        if path == "/page":
            self._answer(200, b"<title>hi</title>", {"Content-Type": "text/html"})
        elif path == "/slow":
            time.sleep(5)
            self._answer(200, b"late")
        elif path == "/drip":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            for _ in range(50):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.2)
        elif path == "/huge":
            body = b"y" * (5 * MAX_BODY_BYTES)
            self._answer(200, body)
        elif path == "/to-page":
            self._answer(302, headers={"Location": "/page"})
        elif path == "/to-elsewhere":
            self._answer(302, headers={"Location": self.other_origin + "/page"})
        elif path == "/loop":
            self._answer(302, headers={"Location": "/loop"})
        else:
            self._answer(404)

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        self._answer(200, b"got " + body)


@pytest.fixture(scope="module")
def origins() -> Iterator[tuple[str, str]]:
    with serving_handler(_Handler) as first_url, serving_handler(_Handler) as second_url:
        _Handler.other_origin = second_url
        yield first_url, second_url


def test_origin_of() -> None:
    assert origin_of("HTTP://Example.COM:80/x?y") == "http://example.com"
    assert origin_of("https://a.test:8443/") == "https://a.test:8443"
    assert origin_of("http://[::1]:9/") == "http://[::1]:9"
    assert origin_of("ftp://a.test/") is None
    assert origin_of("/relative") is None
    assert origin_of("http://a.test:99999/") is None


def test_a_page_of_an_allowed_origin(origins: tuple[str, str]) -> None:
    base, _ = origins
    result = asyncio.run(fetch(base + "/page", allowed_origins=[base]))
    assert result.ok and result.body == b"<title>hi</title>"
    assert result.content_type == "text/html"


def test_an_origin_not_allowed_is_not_asked(origins: tuple[str, str]) -> None:
    base, other = origins
    result = asyncio.run(fetch(other + "/page", allowed_origins=[base]))
    assert not result.ok and result.status is None
    assert "not an allowed origin" in (result.error or "")


def test_a_slow_answer_is_given_up_after_3_seconds(origins: tuple[str, str]) -> None:
    base, _ = origins
    started = time.monotonic()
    result = asyncio.run(fetch(base + "/slow", allowed_origins=[base]))
    assert 2.5 < time.monotonic() - started < 4.5
    assert not result.ok and "timed out" in (result.error or "")


def test_a_dripping_body_is_given_up_after_3_seconds_in_all(origins: tuple[str, str]) -> None:
    base, _ = origins
    started = time.monotonic()
    result = asyncio.run(fetch(base + "/drip", allowed_origins=[base]))
    assert time.monotonic() - started < 4.5
    assert not result.ok and "timed out" in (result.error or "")


def test_at_most_1_mb_of_a_body_is_read(origins: tuple[str, str]) -> None:
    base, _ = origins
    result = asyncio.run(fetch(base + "/huge", allowed_origins=[base]))
    assert result.status == 200 and result.truncated
    assert len(result.body) == MAX_BODY_BYTES


def test_redirects(origins: tuple[str, str]) -> None:
    base, other = origins
    not_followed = asyncio.run(fetch(base + "/to-page", allowed_origins=[base]))
    assert not not_followed.ok and not_followed.status == 302
    assert not_followed.error == "redirect not followed"
    followed = asyncio.run(fetch(base + "/to-page", allowed_origins=[base], max_redirects=3))
    assert followed.ok and followed.body == b"<title>hi</title>"
    assert followed.url == base + "/page"
    # To an origin the app did not register: never asked, even when it would answer.
    elsewhere = asyncio.run(fetch(base + "/to-elsewhere", allowed_origins=[base],
                                  max_redirects=3))
    assert not elsewhere.ok and "not an allowed origin" in (elsewhere.error or "")
    both = asyncio.run(fetch(base + "/to-elsewhere", allowed_origins=[base, other],
                             max_redirects=3))
    assert both.ok
    loop = asyncio.run(fetch(base + "/loop", allowed_origins=[base], max_redirects=3))
    assert not loop.ok and loop.error == "redirect not followed"


def test_a_server_that_is_not_there(origins: tuple[str, str]) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening: connections are refused
        url = f"http://127.0.0.1:{port}"
        result = asyncio.run(fetch(url + "/x", allowed_origins=[url]))
    assert not result.ok and result.status is None and result.error


def test_a_form_post(origins: tuple[str, str]) -> None:
    base, _ = origins
    result = asyncio.run(fetch(base + "/hook", allowed_origins=[base], method="POST",
                               form={"app_id": "1001", "user_id": "7"}))
    assert result.ok and result.body == b"got app_id=1001&user_id=7"
