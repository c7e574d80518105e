"""Real talksocial servers on loopback for the tests: each one a `talksocial serve` process on a
free port over its own fresh database, stopped when the test ends, also when it fails."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

import httpx

from talksocial.serving import ServerProcess, free_port, talksocial_command

__all__ = [
    "ENV_TEST_POSTGRES",
    "LiveServer",
    "Server",
    "free_port",
    "fresh_database_url",
    "serving",
    "start_server",
    "talksocial_command",
]

#: Set by `make test` for the PostgreSQL pass: a server URL whose databases the tests may create.
ENV_TEST_POSTGRES = "TALKSOCIAL_TEST_POSTGRES_URL"


def fresh_database_url(tmp_dir: Path) -> str:
    """An empty database: an SQLite file, or a new PostgreSQL database in the PG pass."""
    pg = os.environ.get(ENV_TEST_POSTGRES)
    if not pg:
        return f"sqlite:///{tmp_dir / ('ts-' + secrets.token_hex(4) + '.db')}"
    import psycopg

    name = "ts_" + secrets.token_hex(6)
    admin = pg.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = pg.rpartition("/")
    return f"{base}/{name}"


class LiveServer(ServerProcess):
    """A `talksocial serve` process (talksocial.serving) with its database and HTTP helpers."""

    def __init__(self, server: ServerProcess, database_url: str) -> None:
        super().__init__(server.base_url, server.process, server.log_path)
        self.database_url = database_url
        self.clients: list[httpx.Client] = []

    def client(self, **kwargs: Any) -> httpx.Client:
        client = httpx.Client(base_url=self.base_url, timeout=30.0, **kwargs)
        self.clients.append(client)
        return client

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.get(self.base_url + path, timeout=30.0, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.post(self.base_url + path, timeout=30.0, **kwargs)

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.request(method, self.base_url + path, timeout=30.0, **kwargs)

    def stop(self) -> None:
        for client in self.clients:
            client.close()
        super().stop()


def start_server(
    tmp_dir: Path,
    *,
    seed: dict[str, Any] | None = None,
    demo: bool = False,
    workers: int = 1,
    database_url: str | None = None,
    extra_args: list[str] | None = None,
    env: dict[str, str] | None = None,
) -> LiveServer:
    tmp_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    database_url = database_url or fresh_database_url(tmp_dir)
    args = ["--database", database_url, "--workers", str(workers)]
    if demo:
        args.append("--demo")
    if seed is not None:
        seed_path = tmp_dir / f"seed-{port}.json"
        seed_path.write_text(json.dumps(seed), encoding="utf-8")
        args += ["--seed", str(seed_path)]
    args += extra_args or []
    server = ServerProcess.spawn(
        args, log_path=tmp_dir / f"server-{port}.log", port=port, env=env, startup_seconds=60
    )
    return LiveServer(server, database_url)


@contextmanager
def serving(
    tmp_dir: Path, *, start: Callable[..., Any] = start_server, **kwargs: Any
) -> Iterator[Any]:
    """A server for the length of a block (a module- or session-scoped fixture's body):
    `start_server` (a process), or `start=start_inprocess_server`; stopped afterwards, and its
    log must hold no traceback (no request ended in a bug)."""
    server = start(tmp_dir, **kwargs)
    try:
        yield server
    finally:
        server.stop()
        assert "Traceback" not in server.log(), server.log()


class Server(Protocol):
    """What a test uses of a server, live (`LiveServer`) or in-process
    (tests/support/inprocess.py `InProcessServer`)."""

    base_url: str
    database_url: str

    def client(self, **kwargs: Any) -> httpx.Client: ...

    def get(self, path: str, **kwargs: Any) -> httpx.Response: ...

    def post(self, path: str, **kwargs: Any) -> httpx.Response: ...

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response: ...

    def log(self) -> str: ...

    def stop(self) -> None: ...
