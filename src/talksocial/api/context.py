"""What a worker holds for the requests it serves: the database engine for writes, its own
read connection, and the configuration."""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request

from talksocial.storage.db import make_engine, make_sessionmaker, resolve_database_url
from talksocial.storage.reads import ReadStore

ENV_PUBLIC_URL = "TALKSOCIAL_PUBLIC_URL"
#: `serve --allowed-hosts`: host names a Host header may name (comma list; `*.example.com`
#: matches its subdomains).
ENV_ALLOWED_HOSTS = "TALKSOCIAL_ALLOWED_HOSTS"
#: `serve --host/--port`, for the fallback base URL.
ENV_BIND = "TALKSOCIAL_BIND"


def split_list(raw: str | None) -> tuple[str, ...]:
    return tuple(item.strip() for item in (raw or "").split(",") if item.strip())


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


@dataclass(frozen=True)
class ServerConfig:
    database_url: str
    public_url: str | None = None
    allowed_hosts: tuple[str, ...] = ()
    bind_host: str = "127.0.0.1"
    bind_port: int = 8000

    @classmethod
    def from_env(cls) -> ServerConfig:
        host, _, port = os.environ.get(ENV_BIND, "").rpartition(":")
        return cls(
            database_url=resolve_database_url(None),
            public_url=os.environ.get(ENV_PUBLIC_URL) or None,
            allowed_hosts=split_list(os.environ.get(ENV_ALLOWED_HOSTS)),
            bind_host=host.strip("[]") or "127.0.0.1",
            bind_port=int(port) if port.isdigit() else 8000,
        )

    def host_allowed(self, host: str) -> bool:
        """May a request's Host (already without its port) name this server? Loopback names,
        the address the server is bound to, and the `--allowed-hosts`."""
        if not host:
            return False
        if is_loopback_name(host) or host == self.bind_host.lower():
            return True
        for allowed in self.allowed_hosts:
            allowed = allowed.lower()
            if allowed == "*" or allowed == host:
                return True
            if allowed.startswith("*.") and host.endswith(allowed[1:]):
                return True
        return False

    def fallback_base_url(self) -> str:
        """The bind address itself (a wildcard bind answers on loopback too)."""
        host = self.bind_host
        if host in ("0.0.0.0", "::", ""):
            host = "127.0.0.1"
        return f"http://{_shown(host)}:{self.bind_port}"


@dataclass
class ServerContext:
    config: ServerConfig
    engine: Engine
    sessions: sessionmaker[Session]
    reads: ReadStore = field(repr=False)

    @classmethod
    def create(cls, config: ServerConfig) -> ServerContext:
        engine = make_engine(config.database_url)
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
        URL, else the request's own scheme, host and port (SPEC §1) -- but only when its Host
        names this server: a loopback name, the bind address, or one of `--allowed-hosts`.
        Any other Host (a spoofed header pointing URLs at another site) falls back to the bind
        address. Behind a trusted proxy (`--forwarded-allow-ips`) the scheme and host are the
        X-Forwarded-Proto/Host it sent, under the same rule."""
        if self.config.public_url:
            return self.config.public_url.rstrip("/")
        url = request.url
        if self.config.host_allowed(host_name(url.netloc)):
            return f"{url.scheme}://{url.netloc}"
        return self.config.fallback_base_url()

    def close(self) -> None:
        self.reads.close()
        self.engine.dispose()
