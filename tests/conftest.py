from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from tests.support.inprocess import InProcessServer, serving, start_inprocess_server
from tests.support.server import LiveServer, start_server
from tests.support.server import serving as live_serving

settings.register_profile("ci", max_examples=50, deadline=None)
settings.register_profile("dev", max_examples=100, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

# Two kinds of servers, one interface (base_url, database_url, client(), get/post/request,
# log(), stop()):
# - in-process (`demo_server`, `make_server`, `server_on`): the app of `talksocial serve` in
#   this process, over a fresh database prepared as `serve` prepares it; milliseconds to start.
# - live (`live_demo_server`, `make_live_server`): a `talksocial serve` process on a loopback
#   port, for tests where the process is what is tested (workers, signals, sockets, its output).


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    """One in-process server with the demo world, shared by tests that only read it."""
    with serving(tmp_path_factory.mktemp("demo"), demo=True) as server:
        yield server


@pytest.fixture(scope="session")
def live_demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One `talksocial serve --demo` process, shared by tests that only read it (or add only
    what no other test looks at)."""
    with live_serving(tmp_path_factory.mktemp("live-demo"), demo=True) as server:
        yield server


def _servers_of_one_test(
    tmp_path: Path, start: Callable[..., Any]
) -> Iterator[Callable[..., Any]]:
    servers: list[Any] = []

    def factory(**kwargs: Any) -> Any:
        server = start(tmp_path / f"s{len(servers)}", **kwargs)
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
def make_server(tmp_path: Path) -> Iterator[Callable[..., InProcessServer]]:
    """Starts in-process servers for one test (start_server's keywords, one worker); all are
    stopped when it ends."""
    yield from _servers_of_one_test(tmp_path, start_inprocess_server)


@pytest.fixture
def make_live_server(tmp_path: Path) -> Iterator[Callable[..., LiveServer]]:
    """Starts `talksocial serve` processes for one test; all are stopped when it ends."""
    yield from _servers_of_one_test(tmp_path, start_server)


@pytest.fixture
def server_on(make_server: Callable[..., InProcessServer]) -> Callable[[Path], InProcessServer]:
    """Starts an in-process server over an existing SQLite file (stopped when the test ends)."""

    def start(db: Path) -> InProcessServer:
        return make_server(database_url=f"sqlite:///{db}")

    return start


@pytest.fixture
def live_server_on(make_live_server: Callable[..., LiveServer]) -> Callable[[Path], LiveServer]:
    """Starts a `talksocial serve` process over an existing SQLite file."""

    def start(db: Path) -> LiveServer:
        return make_live_server(database_url=f"sqlite:///{db}")

    return start
