"""What a server behind a load balancer needs at its edge: `GET /healthz`, one access-log line
per request, and X-Forwarded-Proto/Host taken only from trusted proxies.

Pure ASGI middlewares (no per-request objects beyond what they log): they wrap the whole app,
so a request the app answers with an error, or one a fault rule delays, is logged too.
"""

from __future__ import annotations

import ipaddress
import logging
import sys
import time
from dataclasses import dataclass
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from talksocial.config import split_list
from talksocial.storage.db import ping
from talksocial.web import responses
from talksocial.web.context import ServerContext, host_name
from talksocial.web.masking import MASK, masked_pairs

access_log = logging.getLogger("talksocial.access")


# --- GET /healthz ------------------------------------------------------------------------------


HEALTHZ = "/healthz"


async def healthz(request: Request) -> Response:
    """200 `{"status":"ok"}` when the database answers (with this server's schema), else 503
    `{"status":"unavailable"}`: what a load balancer's health check polls."""
    ctx = ServerContext.of(request)
    ok = await run_in_threadpool(ping, ctx.engine)
    if ok:
        return responses.json_response({"status": "ok"})
    return responses.json_response({"status": "unavailable"}, status_code=503)


class HealthMiddleware:
    """Answers `GET /healthz` ahead of everything else (fault rules, quotas, the journal all
    need the database; the health check must not)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("path") == HEALTHZ:
            request = Request(scope, receive)
            if request.method in ("GET", "HEAD"):
                response = await healthz(request)
            else:
                response = responses.json_response(
                    {"msg": "Method Not Allowed", "code": -1}, status_code=405
                )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


# --- trusted proxies ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TrustedProxies:
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    everyone: bool = False

    @classmethod
    def parse(cls, raw: str | None) -> TrustedProxies:
        """`127.0.0.1,10.0.0.0/8,::1` or `*`. Raises ValueError on an entry that is neither."""
        items = split_list(raw)
        if "*" in items:
            return cls(everyone=True)
        return cls(networks=tuple(ipaddress.ip_network(item, strict=False) for item in items))

    def trusts(self, peer: str | None) -> bool:
        if self.everyone:
            return True
        if not peer or not self.networks:
            return False
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return False
        return any(address in network for network in self.networks)


def _last(value: bytes) -> str:
    """The entry the nearest proxy wrote (a client may have sent its own before it)."""
    return value.decode("latin-1").split(",")[-1].strip()


class ForwardedHeadersMiddleware:
    """Applies X-Forwarded-Proto (http|https) and X-Forwarded-Host to the request when the
    peer is a trusted proxy; from any other peer they are ignored. The host still has to pass
    the Host rule of `ServerContext.base_url`."""

    def __init__(self, app: ASGIApp, trusted: TrustedProxies) -> None:
        self.app = app
        self.trusted = trusted

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (self.trusted.everyone or self.trusted.networks):
            client = scope.get("client")
            if self.trusted.trusts(client[0] if client else None):
                scope = self._apply(scope)
        await self.app(scope, receive, send)

    @staticmethod
    def _apply(scope: Scope) -> Scope:
        headers: list[tuple[bytes, bytes]] = list(scope.get("headers", ()))
        proto: str | None = None
        host: str | None = None
        for name, value in headers:
            if name == b"x-forwarded-proto":
                proto = _last(value).lower()
            elif name == b"x-forwarded-host":
                host = _last(value)
        scope = dict(scope)
        if proto in ("http", "https"):
            scope["scheme"] = proto
        if host and host_name(host):
            headers = [(n, v) for n, v in headers if n != b"host"]
            headers.append((b"host", host.encode("latin-1")))
            scope["headers"] = headers
        return scope


# --- access log --------------------------------------------------------------------------------


def _logged_target(scope: Scope) -> str:
    path = quote(scope.get("path", ""), safe="/:@!$&'()*+,;=-._~%")
    raw = scope.get("query_string", b"")
    if not raw:
        return path
    shown = "&".join(
        f"{quote(k)}={v if v == MASK else quote(v)}" for k, v in masked_pairs(raw)
    )
    return f"{path}?{shown}"


def configure_access_log() -> None:
    """One line per request on stdout (the process's own stream, shared by granian's
    workers), without the logging module's prefixes."""
    if access_log.handlers:
        return
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(message)s"))
    access_log.addHandler(handler)
    access_log.setLevel(logging.INFO)
    access_log.propagate = False


class AccessLogMiddleware:
    """`<peer> "<METHOD> <path>?<query, secrets masked>" <status> <ms>ms`, written when the
    response is complete (or the client went away: status 499 if nothing was sent)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        configure_access_log()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except BaseException:
            status = status or 500
            raise
        finally:
            client = scope.get("client")
            peer = client[0] if client else "-"
            elapsed = (time.perf_counter() - started) * 1000
            access_log.info(
                '%s "%s %s" %d %.1fms',
                peer,
                scope.get("method", "-"),
                _logged_target(scope),
                status or 499,
                elapsed,
            )

