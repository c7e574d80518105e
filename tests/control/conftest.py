"""One demo-world server per test module, put back to its start-up state by the control plane's
own `reset` after every test (tests/control/test_reset.py shows that reset is exact)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from talksocial.demo import DEMO_ACCESS_TOKEN
from tests.support.inprocess import serving
from tests.support.server import Server

C = "/_talksocial"


@dataclass
class Control:
    server: Server

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.server.request(method, C + path, **kwargs)

    def ok(self, method: str, path: str, expect: int = 200, **kwargs: Any) -> Any:
        response = self.call(method, path, **kwargs)
        assert response.status_code == expect, (method, path, response.status_code, response.text)
        return response.json() if response.content else None

    def token(self, app: int, account: str, **fields: Any) -> str:
        body = self.ok("POST", "/tokens", 201, json={"app": app, "account": account, **fields})
        token: str = body["access_token"]
        return token

    def api(self, path: str, token: str = DEMO_ACCESS_TOKEN, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        return self.server.get(path, headers=headers, **kwargs)

    def friend_names(self, token: str = DEMO_ACCESS_TOKEN) -> list[str]:
        response = self.api("/v1/api/talk/friends?limit=100", token)
        assert response.status_code == 200, response.text
        return [e["profile_nickname"] for e in response.json()["elements"]]


@pytest.fixture(scope="module")
def control_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(tmp_path_factory.mktemp("control"), demo=True) as server:
        yield server


@pytest.fixture
def ctl(control_server: Server) -> Iterator[Control]:
    yield Control(control_server)
    reset = control_server.post(C + "/reset")
    assert reset.status_code == 200, reset.text
