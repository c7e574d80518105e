"""CORS in a real browser (docs/reference/compatibility.md#cors): a page served from an app's
registered web domain calls the Talk API with `fetch` and reads the answer; the same page from
another origin cannot."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from tests.support.local_http import serving_handler
from tests.support.server import LiveServer
from tests.support.worlds import account, app, link, token, world

pytestmark = pytest.mark.browser

PAGE = b"<!doctype html><title>app page</title><p>an app's web page</p>"


@pytest.fixture
def pages() -> Iterator[Callable[[], str]]:
    """Starts small page servers on loopback; each call gives a new origin."""
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(PAGE)))
            self.end_headers()
            self.wfile.write(PAGE)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    with ExitStack() as servers:
        yield lambda: servers.enter_context(serving_handler(Handler))


FETCH = """async ([url, token]) => {
  try {
    const response = await fetch(url, {headers: {Authorization: 'Bearer ' + token}});
    return {status: response.status, body: await response.json()};
  } catch (error) {
    return {error: String(error)};
  }
}"""


def test_a_registered_page_reads_the_talk_api_and_another_cannot(
    make_live_server: Callable[..., LiveServer], pages: Callable[[], str], browser_context: Any
) -> None:
    registered, other = pages(), pages()
    server = make_live_server(seed=world(
        [app(1, web_domains=[registered])], [account("ryan", "Ryan")],
        [link(1, "ryan", 11)], [token(1, "ryan", "tok-ryan")],
    ))
    page = browser_context.new_page()
    url = server.base_url + "/v1/api/talk/profile"

    page.goto(registered + "/")
    answer = page.evaluate(FETCH, [url, "tok-ryan"])
    assert answer == {"status": 200, "body": {"id": 11, "nickName": "Ryan",
                                              "profileImageURL": answer["body"]["profileImageURL"],
                                              "thumbnailURL": answer["body"]["thumbnailURL"]}}

    page.goto(other + "/")
    refused = page.evaluate(FETCH, [url, "tok-ryan"])
    assert "error" in refused and "Failed to fetch" in refused["error"], refused
