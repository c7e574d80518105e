"""What a worker holds for the requests it serves: the database engine for writes, its own
read connection, and the configuration."""

from __future__ import annotations

import asyncio
import ipaddress
import re
from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request
from starlette.types import Scope

from talksocial.config import Config
from talksocial.storage.db import make_engine, make_sessionmaker
from talksocial.storage.reads import ReadStore

#: Kakao's login and API hosts: always allowed Hosts; under either, the URLs the server returns
#: name Kakao's own hosts over https (docs/reference/compatibility.md#kakao-hosts).
KAKAO_AUTH_HOST = "kauth.kakao.com"
KAKAO_API_HOST = "kapi.kakao.com"
KAKAO_HOSTS = (KAKAO_AUTH_HOST, KAKAO_API_HOST)

_NETLOC = re.compile(r"(?:\[([0-9a-f:.]+)\]|([a-z0-9][a-z0-9.\-]*))(?::[0-9]{1,5})?")


def host_name(netloc: str) -> str:
    """`example.com:8000` -> `example.com`, `[::1]:8000` -> `::1`, lowercased; "" for anything
    that is not a plain host and port (user info, paths, odd characters)."""
    match = _NETLOC.fullmatch(netloc.strip().lower())
    if match is None:
        return ""
    return match.group(1) or match.group(2)


def is_loopback_name(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _shown(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def host_allowed(config: Config, host: str) -> bool:
    """May a request's Host (already without its port) name this server? Loopback names, the
    address the server is bound to, and the `--allowed-hosts`."""
    if not host:
        return False
    if is_loopback_name(host) or host == (config.bind_host or "").lower() or host in KAKAO_HOSTS:
        return True
    for allowed in config.allowed_hosts:
        allowed = allowed.lower()
        if allowed == "*" or allowed == host:
            return True
        if allowed.startswith("*.") and host.endswith(allowed[1:]):
            return True
    return False


def fallback_base_url(config: Config) -> str:
    """The bind address itself (a wildcard bind answers on loopback too)."""
    host = config.bind_host or "127.0.0.1"
    if host in ("0.0.0.0", "::"):
        host = "127.0.0.1"
    scheme = "https" if config.tls else "http"
    return f"{scheme}://{_shown(host)}:{config.bind_port}"


class _Origin(NamedTuple):
    base_url: str
    kakao_host: bool


_ORIGINS_KEPT = 256


def host_header(scope: Scope) -> bytes | None:
    """The request's first Host header, as sent."""
    for name, value in scope.get("headers", ()):
        if name == b"host":
            return bytes(value)
    return None


@dataclass
class ServerContext:
    config: Config
    engine: Engine
    sessions: sessionmaker[Session]
    reads: ReadStore = field(repr=False)
    #: Background work of this server (unlink callback calls), awaited or cut off at shutdown.
    background: set[asyncio.Task[None]] = field(default_factory=set, repr=False)
    _origins: dict[tuple[str, object], _Origin] = field(default_factory=dict, repr=False)

    @classmethod
    def create(cls, config: Config) -> ServerContext:
        engine = make_engine(config.database_url, pool_size=config.db_pool_size)
        return cls(
            config=config,
            engine=engine,
            sessions=make_sessionmaker(engine),
            reads=ReadStore(engine),
        )

    @staticmethod
    def of(request: Request) -> ServerContext:
        ctx: ServerContext = request.app.state.ctx
        return ctx

    def base_url(self, request: Request) -> str:
        """Where the API returns a URL (after_url, the OpenID issuer): the configured public
        URL, else the request's own scheme, host and port (docs/reference/wire.md) -- but only when its Host
        names this server: a loopback name, the bind address, or one of `--allowed-hosts`.
        Any other Host (a spoofed header pointing URLs at another site) falls back to the bind
        address. Behind a trusted proxy (`--forwarded-allow-ips`) the scheme and host are the
        X-Forwarded-Proto/Host it sent, under the same rule."""
        return self._origin(request).base_url

    def auth_base_url(self, request: Request) -> str:
        """The login server's base (the OpenID issuer, authorize, token, JWKS): under a Kakao
        Host `https://kauth.kakao.com`, else `base_url`."""
        origin = self._origin(request)
        return f"https://{KAKAO_AUTH_HOST}" if origin.kakao_host else origin.base_url

    def api_base_url(self, request: Request) -> str:
        """The API server's base (userinfo, paging URLs): under a Kakao Host
        `https://kapi.kakao.com`, else `base_url`."""
        origin = self._origin(request)
        return f"https://{KAKAO_API_HOST}" if origin.kakao_host else origin.base_url

    def _origin(self, request: Request) -> _Origin:
        """What the request's scheme and Host make of the URLs it is answered with; worked out
        once per distinct scheme and Host (a friends page asks on every request, and building
        the request's URL costs more than the page's own query)."""
        scope = request.scope
        key = (scope.get("scheme", "http"), host_header(scope) or scope.get("server"))
        found = self._origins.get(key)
        if found is None:
            netloc = request.url.netloc
            host = host_name(netloc)
            if self.config.public_url:
                base = self.config.public_url.rstrip("/")
            elif host_allowed(self.config, host):
                base = f"{request.url.scheme}://{netloc}"
            else:
                base = fallback_base_url(self.config)
            found = _Origin(base, host in KAKAO_HOSTS)
            if len(self._origins) >= _ORIGINS_KEPT:  # many Hosts (a scan): start over
                self._origins.clear()
            self._origins[key] = found
        return found

    def close(self) -> None:
        self.reads.close()
        self.engine.dispose()
