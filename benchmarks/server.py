"""A `talksocial serve` process on loopback, with the production settings (`--workers 2`) and
the benchmark's limit route mounted. (`serve` keeps no start-up snapshot for `reset` of a world
this large, so starting it costs no export of the world.)"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

WORKERS = 2
ENV_LIMIT_ROUTE = "TALKSOCIAL_BENCH_LIMIT_ROUTE"  # talksocial.api.bench_limit
ENV_LIMIT_BODY = "TALKSOCIAL_BENCH_LIMIT_BODY"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class BenchServer:
    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    limit_body: Path

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)  # granian's workers too
        except ProcessLookupError:
            return
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=15)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def serve_args(port: int, database_url: str, workers: int = WORKERS) -> list[str]:
    """The production settings (`--workers 2`), without the access log: a line per request
    on stdout measures the log, not the API (it costs the limit route as much)."""
    return [
        "--host", "127.0.0.1", "--port", str(port), "--database", database_url,
        "--workers", str(workers), "--no-access-log",
    ]


def start(database_url: str, workdir: Path, *, workers: int = WORKERS) -> BenchServer:
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    limit_body = workdir / "limit-body.json"
    limit_body.unlink(missing_ok=True)
    log_path = workdir / "server.log"
    env = {**os.environ, ENV_LIMIT_ROUTE: "1", ENV_LIMIT_BODY: str(limit_body)}
    command = [sys.executable, "-m", "talksocial.cli", "serve", *serve_args(port, database_url, workers)]
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            command, stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True, env=env,
        )
    server = BenchServer(f"http://127.0.0.1:{port}", process, log_path, limit_body)
    deadline = time.monotonic() + 90
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
