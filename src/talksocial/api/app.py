"""The ASGI application: routes, error handling, lifecycle."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from talksocial.api import bench_limit, control, responses, talk, user
from talksocial.api.context import ServerConfig, ServerContext
from talksocial.api.edge import (
    ENV_FORWARDED_ALLOW_IPS,
    AccessLogMiddleware,
    ForwardedHeadersMiddleware,
    HealthMiddleware,
    TrustedProxies,
    access_log_enabled,
)
from talksocial.api.faults import ControlMiddleware
from talksocial.api.openapi import openapi_json
from talksocial.console.routes import console_routes
from talksocial.domain import errors
from talksocial.oauth import views as oauth_views

log = logging.getLogger("talksocial")


async def _kakao_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, errors.KakaoError)
    return responses.error_response(exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return responses.json_response({"msg": exc.detail, "code": -1}, status_code=exc.status_code)


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    # SPEC §2: -1 is Kakao's internal error, HTTP 400. Bad input never lands here; a bug does,
    # and is logged with its traceback for the operator (never sent to the client).
    log.exception("internal error on %s %s", request.method, request.url.path)
    return responses.error_response(errors.InternalError())


def routes() -> list[Route]:
    return [
        Route("/v1/api/talk/profile", talk.talk_profile, methods=["GET"]),
        Route("/v1/api/talk/friends", talk.talk_friends, methods=["GET"]),
        Route("/v2/api/talk/profiles", talk.talk_profiles, methods=["GET", "POST"]),
        Route("/openapi.json", openapi_json, methods=["GET"]),
        *login_routes(),
        *bench_limit.limit_routes(),
        *console_routes(),
    ]


def login_routes() -> list[Route]:
    """Kakao Login (SPEC §7): the login server, the user APIs, OpenID Connect, the clock."""
    return [
        Route("/oauth/authorize", oauth_views.authorize, methods=["GET"]),
        Route("/oauth/login", oauth_views.login, methods=["POST"]),
        Route("/oauth/consent", oauth_views.consent, methods=["POST"]),
        Route("/oauth/token", oauth_views.token, methods=["POST"]),
        Route("/.well-known/openid-configuration", oauth_views.openid_configuration, methods=["GET"]),
        Route("/.well-known/jwks.json", oauth_views.jwks, methods=["GET"]),
        Route("/v1/user/access_token_info", user.access_token_info, methods=["GET"]),
        Route("/v1/user/logout", user.logout, methods=["POST"]),
        Route("/v1/user/unlink", user.unlink, methods=["POST"]),
        Route("/v2/user/scopes", user.scopes, methods=["GET"]),
        Route("/v2/user/revoke/scopes", user.revoke_scopes, methods=["POST"]),
        Route("/v2/user/me", user.me, methods=["GET", "POST"]),
        *control.routes(),
    ]


def create_app(config: ServerConfig | None = None) -> Starlette:
    config = config or ServerConfig.from_env()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        control_state = getattr(app.state, "control", None)
        if control_state is not None:
            control_state.flush()  # this worker's last quota counts and journal entries
        app.state.ctx.close()

    app = Starlette(
        routes=routes(),
        exception_handlers={
            errors.KakaoError: _kakao_error,
            HTTPException: _http_error,
            Exception: _unexpected_error,
        },
        lifespan=lifespan,
        middleware=[
            # Outermost first: every request is logged, proxies' headers apply before the rest.
            *([Middleware(AccessLogMiddleware)] if access_log_enabled() else []),
            Middleware(HealthMiddleware),
            Middleware(
                ForwardedHeadersMiddleware,
                trusted=TrustedProxies.parse(os.environ.get(ENV_FORWARDED_ALLOW_IPS)),
            ),
            Middleware(ControlMiddleware),
        ],
    )
    app.state.ctx = ServerContext.create(config)
    return app
