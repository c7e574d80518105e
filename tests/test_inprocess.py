"""The in-process server of the tests (tests/support/inprocess.py) behaves as `serve` on
loopback where the app can tell: a loopback client, a Host with the port, its own log, and
requests refused once stopped."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import Response

from talksocial.api import talk
from talksocial.demo import DEMO_ACCESS_TOKEN
from tests.support.inprocess import InProcessServer, start_inprocess_server

DEMO = {"Authorization": f"Bearer {DEMO_ACCESS_TOKEN}"}


def test_requests_come_from_loopback_to_a_host_with_a_port(demo_server: InProcessServer) -> None:
    assert demo_server.base_url.startswith("http://127.0.0.1:")
    page = demo_server.get("/v1/api/talk/friends?limit=3", headers=DEMO).json()
    assert page["after_url"].startswith(demo_server.base_url + "/v1/api/talk/friends?")
    # The control plane is open to a loopback bind, as for `serve` on 127.0.0.1.
    assert demo_server.get("/_talksocial/apps").status_code == 200
    assert '127.0.0.1 "GET /_talksocial/apps" 200 ' in demo_server.log()


def test_a_bug_lands_in_the_log_with_its_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(request: Request) -> Response:
        raise RuntimeError("a bug")

    monkeypatch.setattr(talk, "talk_profile", broken)
    server = start_inprocess_server(tmp_path, demo=True)
    try:
        response = server.get("/v1/api/talk/profile", headers=DEMO)
        assert (response.status_code, response.json()) == (
            400, {"msg": "internal error", "code": -1})
    finally:
        server.stop()
    assert "Traceback" in server.log() and "RuntimeError: a bug" in server.log()


def test_a_stopped_server_answers_nothing(make_server: Callable[..., InProcessServer]) -> None:
    server = make_server(demo=True)
    client = server.client()
    server.stop()
    with pytest.raises(httpx.ConnectError):
        server.get("/healthz")
    assert client.is_closed


def test_workers_are_for_live_servers(make_server: Callable[..., InProcessServer]) -> None:
    with pytest.raises(ValueError, match="live server"):
        make_server(demo=True, workers=2)
