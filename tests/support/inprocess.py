"""A talksocial server inside the test process: the database prepared exactly as `talksocial
serve` prepares it (migrations, the demo world or seed documents, the start-up snapshot), then
the ASGI app itself, answered over an httpx transport instead of a socket. It has the interface
of `Server` (tests/support/server.py), so a test does not care which one it gets; it costs
milliseconds instead of the 2-3 s of a `talksocial serve` process.

Requests carry a loopback Host with a port (`http://127.0.0.1:<port>`, a free port number that
nothing listens on) and come from a loopback client, as they do on a loopback bind; the app runs
on one event loop of its own (a blocking portal), as one granian worker would, with its lifespan
entered at start and left at `stop()`.

Where the app is built is `build_app` below, through the CLI's own `prepare_serving` and the
composition root's `create_app(config)`.
"""

from __future__ import annotations

import contextlib
import contextvars
import io
import json
import logging
import os
import traceback
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import anyio.from_thread
import anyio.to_thread
import httpx
from starlette.applications import Starlette
from starlette.types import Receive, Scope, Send

from tests.support.server import free_port, fresh_database_url
from tests.support.server import serving as live_serving

__all__ = ["InProcessServer", "build_app", "serving", "start_inprocess_server"]

#: The in-process server a request (or a log record made while serving it) belongs to.
_serving: contextvars.ContextVar[InProcessServer | None] = contextvars.ContextVar(
    "talksocial_inprocess_server", default=None
)


def build_app(serve_argv: list[str], env: Mapping[str, str]) -> tuple[Starlette, str]:
    """`talksocial serve SERVE_ARGV` up to the point where granian would start: the CLI's own
    `prepare_serving` (configuration from the flags and `env` on top of this process's
    environment, migrations, worlds, the start-up snapshot, the printed notes), then the app a
    worker builds from that configuration. Returns the app and what `serve` printed."""
    from talksocial import cli
    from talksocial.app import create_app

    args = cli.build_parser().parse_args(["serve", *serve_argv])
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        try:
            settings = cli.prepare_serving(args, {**os.environ, **env})
        except cli.ServeError as exc:
            raise ValueError(str(exc)) from None
    return create_app(settings), printed.getvalue()


class _LogCapture(logging.Handler):
    """The `talksocial` loggers' records made while serving one server's requests, formatted as
    a process would print them (tracebacks included)."""

    def __init__(self, server: InProcessServer) -> None:
        super().__init__(logging.DEBUG)
        self.server = server
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        if _serving.get() is not self.server or getattr(record, "_inprocess_seen", False):
            return
        record._inprocess_seen = True  # seen on talksocial.access, then on its parent
        if record.name == "talksocial.access":
            self.lines.append(record.getMessage())
        else:
            self.lines.append(self.format(record))


_LOGGERS = ("talksocial", "talksocial.access")


class InProcessServer:
    """The app of one `talksocial serve` in this process (the interface of `Server`)."""

    def __init__(self, app: Starlette, *, port: int, database_url: str, printed: str) -> None:
        self.app = app
        self.base_url = f"http://127.0.0.1:{port}"
        self.database_url = database_url
        self.clients: list[httpx.Client] = []
        self._printed = printed
        self._capture = _LogCapture(self)
        self._asgi = httpx.ASGITransport(
            app=self._serve, raise_app_exceptions=False, client=("127.0.0.1", 50000)
        )
        self._exit = ExitStack()
        self._stopped = False
        for name in _LOGGERS:
            logging.getLogger(name).addHandler(self._capture)
        # As configure_access_log() sets it (which, seeing a handler, leaves stdout alone).
        logging.getLogger("talksocial.access").setLevel(logging.INFO)
        self._exit.callback(self._detach_log)
        self.portal = self._exit.enter_context(anyio.from_thread.start_blocking_portal())
        self._exit.enter_context(self.portal.wrap_async_context_manager(self._lifespan()))

    @contextlib.asynccontextmanager
    async def _lifespan(self) -> AsyncIterator[None]:
        _serving.set(self)  # its start and end log as this server too
        async with self.app.router.lifespan_context(self.app):
            yield

    def _detach_log(self) -> None:
        for name in _LOGGERS:
            logging.getLogger(name).removeHandler(self._capture)

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        _serving.set(self)
        try:
            await self.app(scope, receive, send)
        except Exception:
            # What the ASGI server would print for an exception that escaped the app.
            self._capture.lines.append("Traceback (escaped the app):\n" + traceback.format_exc())
            raise

    # --- the interface of Server ----------------------------------------------------------

    def transport(self) -> httpx.BaseTransport:
        """A sync transport to this server (for `KakaoClient(transport=...)` and the like)."""
        return _PortalTransport(self)

    def async_transport(self) -> httpx.AsyncBaseTransport:
        """An async transport to this server, usable from any event loop."""
        return _AsyncPortalTransport(self)

    def client(self, **kwargs: Any) -> httpx.Client:
        kwargs.setdefault("timeout", 30.0)
        client = httpx.Client(base_url=self.base_url, transport=self.transport(), **kwargs)
        self.clients.append(client)
        return client

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        # A fresh client per call, as httpx.request() makes: no cookies carried between calls.
        cookies = kwargs.pop("cookies", None)
        with httpx.Client(transport=self.transport(), cookies=cookies, timeout=30.0) as client:
            return client.request(method, self.base_url + path, **kwargs)

    def log(self) -> str:
        """What `serve` printed at start, then what the app logged."""
        return self._printed + "".join(line + "\n" for line in self._capture.lines)

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        for client in self.clients:
            client.close()
        self._exit.close()


class _PortalTransport(httpx.BaseTransport):
    def __init__(self, server: InProcessServer) -> None:
        self.server = server

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.server._stopped:
            raise httpx.ConnectError("the in-process server is stopped", request=request)
        body = request.read()
        return self.server.portal.call(_answer, self.server._asgi, request, body)


class _AsyncPortalTransport(httpx.AsyncBaseTransport):
    def __init__(self, server: InProcessServer) -> None:
        self.server = server

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.server._stopped:
            raise httpx.ConnectError("the in-process server is stopped", request=request)
        body = await request.aread()
        return await anyio.to_thread.run_sync(
            self.server.portal.call, _answer, self.server._asgi, request, body
        )


async def _answer(
    asgi: httpx.ASGITransport, request: httpx.Request, body: bytes
) -> httpx.Response:
    """Runs on the server's own event loop: the whole answer, read, as a plain response."""
    sent = httpx.Request(
        request.method, request.url, headers=request.headers, content=body,
        extensions=request.extensions,
    )
    response = await asgi.handle_async_request(sent)
    content = await response.aread()
    return httpx.Response(
        response.status_code, headers=response.headers, content=content, request=request
    )


def start_inprocess_server(
    tmp_dir: Path,
    *,
    seed: dict[str, Any] | None = None,
    demo: bool = False,
    workers: int = 1,
    database_url: str | None = None,
    extra_args: list[str] | None = None,
    env: dict[str, str] | None = None,
) -> InProcessServer:
    """`start_server`'s arguments; one worker only (workers are what live servers test)."""
    if workers != 1:
        raise ValueError("an in-process server is one worker: use a live server for workers")
    tmp_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    database_url = database_url or fresh_database_url(tmp_dir)
    argv = ["--host", "127.0.0.1", "--port", str(port), "--database", database_url]
    if demo:
        argv.append("--demo")
    if seed is not None:
        seed_path = tmp_dir / f"seed-{port}.json"
        seed_path.write_text(json.dumps(seed), encoding="utf-8")
        argv += ["--seed", str(seed_path)]
    argv += extra_args or []
    app, printed = build_app(argv, env or {})
    return InProcessServer(app, port=port, database_url=database_url, printed=printed)


@contextlib.contextmanager
def serving(tmp_dir: Path, **kwargs: Any) -> Iterator[InProcessServer]:
    """`start_inprocess_server` for the length of a block (a module- or session-scoped
    fixture's body): stopped afterwards, and its log must hold no traceback."""
    with live_serving(tmp_dir, start=start_inprocess_server, **kwargs) as server:
        yield server
