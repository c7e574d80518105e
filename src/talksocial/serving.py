"""`talksocial serve` as a child process on loopback: started on a free port, waited for, and
stopped with its whole process group (granian's workers too), also when the caller fails.

One implementation for the pytest plugin (`talksocial.testing`), the project's own tests and the
benchmarks. Importing it costs nothing: httpx is imported only while waiting for the server.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

STARTUP_SECONDS = 90.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def talksocial_command() -> list[str]:
    """The `talksocial` command of this interpreter (works without the console script)."""
    return [sys.executable, "-m", "talksocial.cli"]


class ServerProcess:
    """A running `talksocial serve`; `base_url` serves both Kakao hosts (kapi and kauth)."""

    def __init__(self, base_url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
        self.base_url = base_url
        self.process = process
        self.log_path = log_path

    @classmethod
    def spawn(
        cls,
        serve_args: Sequence[str],
        *,
        log_path: Path,
        port: int | None = None,
        env: Mapping[str, str] | None = None,
        startup_seconds: float = STARTUP_SECONDS,
    ) -> ServerProcess:
        """`talksocial serve --host 127.0.0.1 --port PORT SERVE_ARGS...`, ready to answer."""
        port = port if port is not None else free_port()
        args = talksocial_command() + ["serve", "--host", "127.0.0.1", "--port", str(port)]
        args += list(serve_args)
        with log_path.open("wb") as log_file:
            process = subprocess.Popen(
                args,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: stop() ends the workers too
                env={**os.environ, **(env or {})},
            )
        server = cls(f"http://127.0.0.1:{port}", process, log_path)
        try:
            server._wait_until_ready(startup_seconds)
        except BaseException:
            server.stop()
            raise
        return server

    def _wait_until_ready(self, startup_seconds: float) -> None:
        import httpx

        deadline = time.monotonic() + startup_seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"talksocial serve exited with {self.process.returncode}:\n{self.log()}"
                )
            try:
                httpx.get(self.base_url + "/openapi.json", timeout=1.0)
                return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError(f"talksocial serve did not start in {startup_seconds}s:\n{self.log()}")

    def log(self) -> str:
        """What the server printed so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=15)
