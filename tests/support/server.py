"""Real talksocial servers on loopback for the tests: each one a `talksocial serve` process on a
free port over its own fresh database, stopped when the test ends, also when it fails."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

#: Set by `make test` for the PostgreSQL pass: a server URL whose databases the tests may create.
ENV_TEST_POSTGRES = "TALKSOCIAL_TEST_POSTGRES_URL"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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


def talksocial_command() -> list[str]:
    return [sys.executable, "-m", "talksocial.cli"]


@dataclass
class LiveServer:
    base_url: str
    database_url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    clients: list[httpx.Client] = field(default_factory=list)

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

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        for client in self.clients:
            client.close()
        if self.process.poll() is None:
            # The whole process group: granian's workers too.
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=15)


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
    args = talksocial_command() + [
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--database",
        database_url,
        "--workers",
        str(workers),
    ]
    if demo:
        args.append("--demo")
    if seed is not None:
        seed_path = tmp_dir / f"seed-{port}.json"
        seed_path.write_text(json.dumps(seed), encoding="utf-8")
        args += ["--seed", str(seed_path)]
    args += extra_args or []
    log_path = tmp_dir / f"server-{port}.log"
    log_file = log_path.open("wb")
    process = subprocess.Popen(
        args,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        env={**os.environ, **(env or {})},
    )
    server = LiveServer(f"http://127.0.0.1:{port}", database_url, process, log_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"talksocial serve exited {process.returncode}:\n{server.log()}")
        try:
            httpx.get(server.base_url + "/openapi.json", timeout=1.0)
            return server
        except httpx.TransportError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"talksocial serve did not start:\n{server.log()}")
