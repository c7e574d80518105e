"""Where the URLs the API returns point (web/context.py: the base of before_url/after_url and
the OpenID issuer), without a server."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.requests import Request

from talksocial.config import Config as ServerConfig
from talksocial.domain.friends import PageQuery, page_urls
from talksocial.web.context import ServerContext, host_name


def base_url(config: ServerConfig, host: str, scheme: str = "http") -> str:
    scope: dict[str, Any] = {"type": "http", "method": "GET", "path": "/v1/api/talk/friends",
                             "scheme": scheme, "query_string": b"", "server": ("127.0.0.1", 8000),
                             "headers": [(b"host", host.encode())]}
    # base_url reads the configuration only (no engine or reads needed).
    ctx = ServerContext(config=config, engine=None, sessions=None, reads=None)  # type: ignore[arg-type]
    return ctx.base_url(Request(scope))


LOOPBACK = ServerConfig(database_url="sqlite://", bind_host="127.0.0.1", bind_port=8000)


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("localhost:9999", "http://localhost:9999"),
        ("[::1]:8000", "http://[::1]:8000"),
        ("evil.example", "http://127.0.0.1:8000"),
        ("evil.example@127.0.0.1", "http://127.0.0.1:8000"),
        ("127.0.0.1.evil.example", "http://127.0.0.1:8000"),
    ],
)
def test_the_request_host_is_taken_only_when_it_names_this_server(
    host: str, expected: str
) -> None:
    assert base_url(LOOPBACK, host) == expected


def test_allowed_hosts_and_the_public_url() -> None:
    config = ServerConfig(database_url="sqlite://", allowed_hosts=("api.example.test",
                                                                   "*.corp.test"))
    assert base_url(config, "api.example.test:8443", "https") == "https://api.example.test:8443"
    assert base_url(config, "x.corp.test") == "http://x.corp.test"
    assert base_url(config, "corp.test") == "http://127.0.0.1:8000"
    public = ServerConfig(database_url="sqlite://", public_url="https://talk.example.test/")
    assert base_url(public, "127.0.0.1:8000") == "https://talk.example.test"


def test_a_wildcard_bind_falls_back_to_loopback() -> None:
    config = ServerConfig(database_url="sqlite://", bind_host="0.0.0.0", bind_port=8080)
    assert base_url(config, "evil.example") == "http://127.0.0.1:8080"
    v6 = ServerConfig(database_url="sqlite://", bind_host="::1", bind_port=8080)
    assert base_url(v6, "evil.example") == "http://[::1]:8080"


def test_host_name() -> None:
    assert host_name("Example.COM:8000") == "example.com"
    assert host_name("[::1]:8000") == "::1"
    assert host_name("user@host") == ""
    assert host_name("host/path") == ""


def test_after_url_is_built_on_that_base() -> None:
    query = PageQuery(offset=0, limit=3, order="asc", friend_order="favorite",
                      friend_order_sent=False)
    base = base_url(LOOPBACK, "localhost:9999")
    assert page_urls(base, query, 11) == (
        None, "http://localhost:9999/v1/api/talk/friends?offset=3&limit=3&order=asc"
    )
