"""A real local HTTP receiver for the unlink callback's tests: records every request (method,
path, headers, the query's or the form's fields) and answers as the test sets it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.support.local_http import serving_handler


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    fields: dict[str, str]


@dataclass
class Receiver:
    base_url: str
    received: list[Received] = field(default_factory=list)
    status: dict[str, int] = field(default_factory=dict)  # path -> status to answer

    def wait_for(self, count: int, seconds: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + seconds
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return list(self.received)


@contextmanager
def receiving() -> Iterator[Receiver]:
    """A receiver on a free loopback port for the length of a block: `/slow` answers after
    4.5 s, `/redirect` redirects to `/ok`, any other path answers `status[path]` (200)."""
    state = Receiver(base_url="")

    class Handler(BaseHTTPRequestHandler):
        def _record(self, body: bytes) -> None:
            parts = urlsplit(self.path)
            raw = parts.query if self.command == "GET" else body.decode()
            fields = {k: v[0] for k, v in parse_qs(raw).items()}
            state.received.append(Received(self.command, parts.path,
                                           {k.lower(): v for k, v in self.headers.items()},
                                           fields))
            if parts.path == "/slow":
                time.sleep(4.5)
            if parts.path == "/redirect":
                self.send_response(302)
                self.send_header("Location", f"{state.base_url}/ok")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(state.status.get(parts.path, 200))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self) -> None:
            self._record(b"")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self._record(self.rfile.read(length))

        def log_message(self, *args: Any) -> None:
            pass

    with serving_handler(Handler) as base_url:
        state.base_url = base_url
        yield state
