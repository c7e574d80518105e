"""The benchmark's limit (issue 6): a route that answers the bytes of a real friends page,
precomputed, with no token check and no query, through the same Starlette app, middleware and
response class as the real routes. What it serves is what the stack itself costs.

It exists only in the benchmark build: mounted when `TALKSOCIAL_BENCH_LIMIT_ROUTE=1` is set at
serve time, with `TALKSOCIAL_BENCH_LIMIT_BODY` naming the file of captured bytes (read once,
when the worker builds the app). A server started without the variable has no such route.
"""

from __future__ import annotations

import os
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from talksocial.api import wire

ENV_LIMIT_ROUTE = "TALKSOCIAL_BENCH_LIMIT_ROUTE"
ENV_LIMIT_BODY = "TALKSOCIAL_BENCH_LIMIT_BODY"
LIMIT_PATH = "/_bench/limit"


def limit_routes() -> list[Route]:
    if os.environ.get(ENV_LIMIT_ROUTE) != "1":
        return []
    body = Path(os.environ[ENV_LIMIT_BODY]).read_bytes()

    async def limit(request: Request) -> Response:
        return wire.json_response(body)

    return [Route(LIMIT_PATH, limit, methods=["GET"])]
