"""A `talksocial serve` process on loopback, with the production settings (`--workers 2`) and
the benchmark's limit route mounted (benchmarks/limit_app.py). (`serve` keeps no start-up snapshot for `reset` of a world
this large, so starting it costs no export of the world.)"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from benchmarks.limit_app import ENV_LIMIT_BODY
from talksocial.serving import ServerProcess, free_port

WORKERS = 2

#: The benchmark's build of the app: talksocial's plus the limit route (benchmarks/limit_app.py).
APP_FACTORY = "benchmarks.limit_app:worker_app"
REPO = Path(__file__).resolve().parent.parent


@dataclass
class BenchServer:
    server: ServerProcess
    limit_body: Path

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def process(self) -> subprocess.Popen[bytes]:
        return self.server.process

    def stop(self) -> None:
        self.server.stop()

    def log(self) -> str:
        return self.server.log()


def serve_args(database_url: str, workers: int = WORKERS) -> list[str]:
    """The production settings (`--workers 2`), without the access log: a line per request
    on stdout measures the log, not the API (it costs the limit route as much). The host and
    port come first, from `talksocial.serving`."""
    return ["--database", database_url, "--workers", str(workers), "--no-access-log",
            "--app-factory", APP_FACTORY]


def start(database_url: str, workdir: Path, *, workers: int = WORKERS) -> BenchServer:
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    limit_body = workdir / "limit-body.json"
    limit_body.unlink(missing_ok=True)
    server = ServerProcess.spawn(
        serve_args(database_url, workers),
        log_path=workdir / "server.log",
        port=port,
        # The workers import benchmarks.limit_app from the repository.
        env={ENV_LIMIT_BODY: str(limit_body), "PYTHONPATH": str(REPO)},
    )
    return BenchServer(server, limit_body)
