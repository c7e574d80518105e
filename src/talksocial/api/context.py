"""What a worker holds for the requests it serves: the database engine for writes, its own
read connection, and the configuration."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request

from talksocial.storage.db import make_engine, make_sessionmaker, resolve_database_url
from talksocial.storage.reads import ReadStore

ENV_PUBLIC_URL = "TALKSOCIAL_PUBLIC_URL"


@dataclass(frozen=True)
class ServerConfig:
    database_url: str
    public_url: str | None = None

    @classmethod
    def from_env(cls) -> ServerConfig:
        return cls(
            database_url=resolve_database_url(None),
            public_url=os.environ.get(ENV_PUBLIC_URL) or None,
        )


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
        """Where the API returns a URL: the configured public URL, else the request's own
        scheme, host and port (SPEC §1)."""
        if self.config.public_url:
            return self.config.public_url.rstrip("/")
        url = request.url
        return f"{url.scheme}://{url.netloc}"

    def close(self) -> None:
        self.reads.close()
        self.engine.dispose()
