"""The Talk Message API against a real `talksocial serve`: scrap fetching a local page (Open
Graph tags, a `<title>` only, a redirect, a page that never answers), and limits that hold
exactly while 8 clients send at once across 2 workers."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from http.server import BaseHTTPRequestHandler
from typing import Any

import httpx
import pytest

from talksocial.demo import DEMO_ACCESS_TOKEN
from tests.support.local_http import serving_handler
from tests.support.server import LiveServer

MEMO_SCRAP = "/v2/api/talk/memo/scrap/send"
FRIENDS_SCRAP = "/v1/api/talk/friends/message/scrap/send"
MEMO_DEFAULT = "/v2/api/talk/memo/default/send"
FRIENDS_DEFAULT = "/v1/api/talk/friends/message/default/send"
APEACH, RYAN = "abcdefg0001", "abcdefg0002"
TEXT = json.dumps({"object_type": "text", "text": "hi", "link": {"web_url": "https://e.com"}})
AUTH = {"Authorization": f"Bearer {DEMO_ACCESS_TOKEN}"}

PAGES = {
    "/og": (200, "<html><head><title>Plain title</title>"
                 '<meta property="og:title" content="Ryan &amp; friends">'
                 '<meta property="og:description" content="A page with Open Graph tags">'
                 '<meta property="og:image" content="/img/ryan.png"></head></html>'),
    "/title": (200, "<html><head><title> Only a  title </title></head><body>x</body></html>"),
    "/missing": (404, "<html><head><title>Not found</title></head></html>"),
}


class _Pages(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
        if self.path == "/hop":
            self.send_response(302)
            self.send_header("Location", "/og")
            self.end_headers()
            return
        status, body = PAGES.get(self.path, (404, ""))
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


def page_server() -> AbstractContextManager[str]:
    return serving_handler(_Pages)


@contextmanager
def silent_server() -> Iterator[str]:
    """Accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        listener.close()


def _control(server: LiveServer, method: str, path: str, **kwargs: Any) -> Any:
    response = server.request(method, "/_talksocial" + path, **kwargs)
    assert response.status_code in (200, 201, 204), response.text
    return response.json() if response.content else None


def _inbox(server: LiveServer) -> list[dict[str, Any]]:
    body = _control(server, "GET", "/messages?limit=1000")
    messages: list[dict[str, Any]] = body["messages"]
    return messages


def test_scrap_builds_the_preview_from_the_page(
    make_live_server: Callable[..., LiveServer],
) -> None:
    server = make_live_server(demo=True)
    with page_server() as origin, silent_server() as silent:
        _control(server, "PATCH", "/apps/1001", json={"web_domains": [origin, silent]})
        response = server.post(MEMO_SCRAP, headers=AUTH, data={"request_url": f"{origin}/og"})
        assert response.json() == {"result_code": 0}
        assert _inbox(server)[0]["template_object"] == {
            "object_type": "feed",
            "content": {
                "title": "Ryan & friends",
                "image_url": f"{origin}/img/ryan.png",
                "description": "A page with Open Graph tags",
                "link": {"web_url": f"{origin}/og", "mobile_web_url": f"{origin}/og"},
            },
        }
        # <title> when there are no Open Graph tags; a redirect within the registered origin.
        server.post(MEMO_SCRAP, headers=AUTH, data={"request_url": f"{origin}/title"})
        assert _inbox(server)[0]["template_object"]["content"]["title"] == "Only a title"
        server.post(MEMO_SCRAP, headers=AUTH, data={"request_url": f"{origin}/hop"})
        assert _inbox(server)[0]["template_object"]["content"]["title"] == "Ryan & friends"
        # A page that does not answer (3 s) or answers 404 still sends, titled by its URL.
        started = time.monotonic()
        response = server.post(FRIENDS_SCRAP, headers=AUTH,
                               data={"request_url": f"{silent}/never",
                                     "receiver_uuids": json.dumps([APEACH])})
        assert response.json() == {"successful_receiver_uuids": [APEACH]}
        assert 2.5 < time.monotonic() - started < 10
        sent = _inbox(server)[0]
        assert (sent["receiver"], sent["endpoint"]) == ("apeach", FRIENDS_SCRAP)
        assert sent["template_object"]["content"] == {
            "title": f"{silent}/never",
            "link": {"web_url": f"{silent}/never", "mobile_web_url": f"{silent}/never"}}
        server.post(MEMO_SCRAP, headers=AUTH, data={"request_url": f"{origin}/missing"})
        assert _inbox(server)[0]["template_object"]["content"]["title"] == f"{origin}/missing"
        # A custom template: its arguments first, then the page fills what it leaves empty.
        _control(server, "POST", "/apps/1001/message_templates", json={"id": 7, "template_object": {
            "object_type": "feed",
            "content": {"title": "${who} shared", "description": "", "link": {}},
        }})
        server.post(MEMO_SCRAP, headers=AUTH, data={
            "request_url": f"{origin}/og", "template_id": "7",
            "template_args": json.dumps({"who": "Muzi"})})
        assert _inbox(server)[0]["template_object"]["content"] == {
            "title": "Muzi shared", "description": "A page with Open Graph tags",
            "image_url": f"{origin}/img/ryan.png", "link": {"web_url": f"{origin}/og"}}
        # Only the app's own origins, exactly.
        for url in ("http://localhost:1/og", origin.replace("127.0.0.1", "localhost") + "/og",
                    "ftp://127.0.0.1/x", "not a url"):
            refused = server.post(MEMO_SCRAP, headers=AUTH, data={"request_url": url})
            assert refused.status_code == 400 and refused.json()["code"] == -2, url
        assert server.post(MEMO_SCRAP, headers=AUTH, data={}).json() == {
            "msg": "request_url is required", "code": -2}
    assert len(_inbox(server)) == 6


def _hammer(server: LiveServer, path: str, form: dict[str, str], calls: int) -> list[int]:
    def one_client(_: int) -> list[int]:
        with httpx.Client(base_url=server.base_url, timeout=60) as client:
            return [client.post(path, headers=AUTH, data=form).status_code for _ in range(calls)]

    with ThreadPoolExecutor(8) as pool:
        return [code for codes in pool.map(one_client, range(8)) for code in codes]


@pytest.mark.parametrize("limit", ["per_pair", "per_app"])
def test_eight_clients_two_workers_never_pass_a_limit(
    make_live_server: Callable[..., LiveServer], limit: str
) -> None:
    server = make_live_server(demo=True, workers=2)
    _control(server, "PATCH", "/apps/1001", json={"message_limits": {limit: 13}})
    if limit == "per_pair":
        codes = _hammer(server, FRIENDS_DEFAULT,
                        {"receiver_uuids": json.dumps([APEACH]), "template_object": TEXT}, 4)
    else:
        codes = _hammer(server, MEMO_DEFAULT, {"template_object": TEXT}, 4)
    assert codes.count(200) == 13, codes
    assert set(codes) == {200, 400}
    assert len(_inbox(server)) == 13
