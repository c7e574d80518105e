"""The one composition root: `create_app(config)` assembles the ASGI application from the
feature packages' routes and the shared web kernel's middleware. The CLI builds the
configuration once (`talksocial.config`); `worker_app` is what `serve`'s worker processes
import."""

from __future__ import annotations

import gc
import logging
import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from sqlalchemy.exc import DBAPIError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from talksocial.api.routes import routes as api_routes
from talksocial.config import Config
from talksocial.console.routes import routes as console_routes
from talksocial.control.middleware import ControlMiddleware
from talksocial.control.routes import routes as control_routes
from talksocial.oauth.routes import routes as oauth_routes
from talksocial.web import unlink_callbacks
from talksocial.web.context import ServerContext
from talksocial.web.cors import CorsMiddleware
from talksocial.web.edge import (
    AccessLogMiddleware,
    ForwardedHeadersMiddleware,
    HealthMiddleware,
    TrustedProxies,
)
from talksocial.web.errors import exception_handlers
from talksocial.web.limits import BodyLimitMiddleware, NulQueryMiddleware

__all__ = ["create_app", "prepare_worker_process", "worker_app"]

log = logging.getLogger("talksocial")


def create_app(config: Config, *, extra_routes: Sequence[BaseRoute] = ()) -> Starlette:
    """The whole server over `config`. `extra_routes` are mounted ahead of talksocial's own
    (the benchmark adds its limit route this way; the product has none)."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await unlink_callbacks.stop(app.state.ctx)
        control_state = getattr(app.state, "control", None)
        if control_state is not None:
            try:
                control_state.flush()  # this worker's last quota counts and journal entries
            except DBAPIError as exc:  # a database that cannot write: they are lost, said so
                log.error("the last quota counts and journal entries were not kept: %s",
                          exc.orig)
        app.state.ctx.close()

    app = Starlette(
        routes=[*extra_routes, *api_routes(), *oauth_routes(), *control_routes(),
                *console_routes()],
        exception_handlers=exception_handlers(),
        lifespan=lifespan,
        middleware=[
            # Outermost first: every request is logged, proxies' headers apply before the rest.
            *([Middleware(AccessLogMiddleware)] if config.access_log else []),
            Middleware(
                BodyLimitMiddleware,
                max_body_bytes=config.max_body_bytes,
                max_import_bytes=config.max_import_bytes,
                body_timeout=config.body_timeout,
            ),
            Middleware(NulQueryMiddleware),
            Middleware(HealthMiddleware),
            Middleware(
                ForwardedHeadersMiddleware,
                trusted=TrustedProxies.parse(config.forwarded_allow_ips),
            ),
            # CORS answers preflights itself and sees the caller the credential check reports.
            Middleware(CorsMiddleware),
            Middleware(ControlMiddleware),
        ],
    )
    app.state.ctx = ServerContext.create(config)
    return app


#: The collector's thresholds in a worker (Python's defaults: 700, 10, 10).
WORKER_GC_THRESHOLDS = (20_000, 20, 20)


def prepare_worker_process() -> None:
    """Once a worker's app is built: everything made so far (modules, the app, its routes and
    tables) is moved out of the collector's sight (`gc.freeze`), and collections run less
    often. A full collection otherwise walks every object of the process, and at thousands of
    requests per second that pause was the slowest percent of answers: p99 of profiles by
    user list 122 ms, 51 ms frozen, 30 ms with these thresholds (docs/benchmarks.md). Only
    for `serve`'s own worker processes, not for an app embedded elsewhere."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*WORKER_GC_THRESHOLDS)


def worker_app() -> Starlette:
    """The app of one `serve` worker process, over the configuration the CLI handed to it."""
    app = create_app(Config.from_worker_env(os.environ))
    prepare_worker_process()
    return app
