from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from tests.support.server import LiveServer, serving, start_server

settings.register_profile("ci", max_examples=50, deadline=None)
settings.register_profile("dev", max_examples=100, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server with the demo world, shared by tests that only read it."""
    with serving(tmp_path_factory.mktemp("demo"), demo=True) as server:
        yield server


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[Callable[..., LiveServer]]:
    """Starts servers for one test; all are stopped when it ends."""
    servers: list[LiveServer] = []

    def factory(**kwargs: Any) -> LiveServer:
        server = start_server(tmp_path / f"s{len(servers)}", **kwargs)
        servers.append(server)
        return server

    try:
        yield factory
    finally:
        for server in servers:
            server.stop()
        for server in servers:
            assert "Traceback" not in server.log(), server.log()


@pytest.fixture
def server_on(make_server: Callable[..., LiveServer]) -> Callable[[Path], LiveServer]:
    """Starts a server over an existing SQLite file (stopped when the test ends)."""

    def start(db: Path) -> LiveServer:
        return make_server(database_url=f"sqlite:///{db}")

    return start
