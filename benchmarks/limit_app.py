"""The benchmark's build of talksocial: the real app (`talksocial.app.create_app`) plus the
limit route, a route that answers the bytes of a real friends page, precomputed, with no token
check and no query, through the same Starlette app, middleware and response class as the real
routes. What it serves is what the stack itself costs.

`benchmarks.server` starts `talksocial serve --app-factory benchmarks.limit_app:worker_app`, with
`TALKSOCIAL_BENCH_LIMIT_BODY` naming the file of the bytes the benchmark captured from this same
server's friends page (read once per worker, on its first request to the route, which the
benchmark's warm-up makes). The product itself has no such route.
"""

from __future__ import annotations

import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from talksocial.app import create_app, prepare_worker_process
from talksocial.config import Config
from talksocial.web.responses import json_response

ENV_LIMIT_BODY = "TALKSOCIAL_BENCH_LIMIT_BODY"
LIMIT_PATH = "/_bench/limit"


def limit_route(body_path: Path) -> Route:
    body: list[bytes] = []

    async def limit(request: Request) -> Response:
        if not body:  # the benchmark writes the file once the server is up, then warms up
            body.append(body_path.read_bytes())
        return json_response(body[0])

    return Route(LIMIT_PATH, limit, methods=["GET"])


def worker_app() -> Starlette:
    config = Config.from_worker_env(os.environ)
    app = create_app(config, extra_routes=[limit_route(Path(os.environ[ENV_LIMIT_BODY]))])
    prepare_worker_process()  # as talksocial's own worker_app does
    return app
