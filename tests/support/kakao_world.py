"""`KakaoWorld` (the pytest plugin's world, talksocial.testing) over an in-process server: the
SDK's clients get the server's transport instead of a socket. For the client's own tests; the
plugin's tests (tests/client/test_plugin.py) keep the real process."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from tests.support.inprocess import InProcessServer, start_inprocess_server

if TYPE_CHECKING:
    from talksocial.client import AsyncKakaoClient, KakaoClient

__all__ = ["InProcessKakaoWorld"]


class InProcessKakaoWorld:
    """A running in-process talksocial server with `KakaoWorld`'s client helpers."""

    def __init__(self, server: InProcessServer) -> None:
        self.server = server
        self.base_url = server.base_url
        self.database_url = server.database_url
        self._clients: list[KakaoClient] = []

    @classmethod
    def start(
        cls, seed: Mapping[str, Any] | str | os.PathLike[str], directory: Path,
        *, public_url: str | None = None,
    ) -> InProcessKakaoWorld:
        """`KakaoWorld.start`'s arguments: a seed dict, a seed file, or "demo"."""
        extra = ["--public-url", public_url] if public_url is not None else []
        if isinstance(seed, str) and seed == "demo":
            server = start_inprocess_server(directory, demo=True, extra_args=extra)
        elif isinstance(seed, Mapping):
            server = start_inprocess_server(directory, seed=dict(seed), extra_args=extra)
        else:
            server = start_inprocess_server(directory, extra_args=["--seed", os.fspath(seed), *extra])
        return cls(server)

    def transport(self) -> httpx.BaseTransport:
        return self.server.transport()

    def async_transport(self) -> httpx.AsyncBaseTransport:
        return self.server.async_transport()

    def client(self, **kwargs: Any) -> KakaoClient:
        """A `KakaoClient` bound to this world; `transport=` (e.g. a recording one wrapping
        `transport()`) replaces the server's own."""
        from talksocial.client import KakaoClient

        kwargs.setdefault("transport", self.transport())
        client = KakaoClient(api_base_url=self.base_url, auth_base_url=self.base_url, **kwargs)
        self._clients.append(client)
        return client

    def async_client(self, **kwargs: Any) -> AsyncKakaoClient:
        """An `AsyncKakaoClient` bound to this world; use it as `async with`."""
        from talksocial.client import AsyncKakaoClient

        kwargs.setdefault("transport", self.async_transport())
        return AsyncKakaoClient(api_base_url=self.base_url, auth_base_url=self.base_url, **kwargs)

    def advance_clock(self, seconds: float) -> None:
        response = self.server.post("/_talksocial/clock", json={"advance_seconds": seconds})
        response.raise_for_status()

    def log(self) -> str:
        return self.server.log()

    def stop(self) -> None:
        for client in self._clients:
            client.close()
        self._clients.clear()
        self.server.stop()
