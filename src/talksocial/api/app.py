"""The ASGI application: routes, error handling, lifecycle."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from talksocial.api import talk, wire
from talksocial.api.context import ServerConfig, ServerContext
from talksocial.api.openapi import openapi_json
from talksocial.domain import errors

log = logging.getLogger("talksocial")


async def _kakao_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, errors.KakaoError)
    return wire.error_response(exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return wire.json_response({"msg": exc.detail, "code": -1}, status_code=exc.status_code)


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    # SPEC §2: -1 is Kakao's internal error, HTTP 400. Bad input never lands here; a bug does,
    # and is logged with its traceback for the operator (never sent to the client).
    log.exception("internal error on %s %s", request.method, request.url.path)
    return wire.error_response(errors.InternalError())


def routes() -> list[Route]:
    return [
        Route("/v1/api/talk/profile", talk.talk_profile, methods=["GET"]),
        Route("/v1/api/talk/friends", talk.talk_friends, methods=["GET"]),
        Route("/v2/api/talk/profiles", talk.talk_profiles, methods=["GET", "POST"]),
        Route("/openapi.json", openapi_json, methods=["GET"]),
    ]


def create_app(config: ServerConfig | None = None) -> Starlette:
    config = config or ServerConfig.from_env()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        app.state.ctx.close()

    app = Starlette(
        routes=routes(),
        exception_handlers={
            errors.KakaoError: _kakao_error,
            HTTPException: _http_error,
            Exception: _unexpected_error,
        },
        lifespan=lifespan,
    )
    app.state.ctx = ServerContext.create(config)
    return app
