"""The benchmark's limit (issue 6): a route that answers the bytes of a real friends page,
precomputed, with no token check and no query, through the same Starlette app, middleware and
response class as the real routes. What it serves is what the stack itself costs.

It exists only in the benchmark build: mounted when `TALKSOCIAL_BENCH_LIMIT_ROUTE=1` is set at
serve time, with `TALKSOCIAL_BENCH_LIMIT_BODY` naming the file of the bytes the benchmark
captured from this same server's friends page (read once per worker, on its first request to
the route, which the benchmark's warm-up makes). A server started without the variable has no
such route.
"""

from __future__ import annotations

import os
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from talksocial.api import responses

ENV_LIMIT_ROUTE = "TALKSOCIAL_BENCH_LIMIT_ROUTE"
ENV_LIMIT_BODY = "TALKSOCIAL_BENCH_LIMIT_BODY"
LIMIT_PATH = "/_bench/limit"


def limit_routes() -> list[Route]:
    if os.environ.get(ENV_LIMIT_ROUTE) != "1":
        return []
    path = Path(os.environ[ENV_LIMIT_BODY])
    body: list[bytes] = []

    async def limit(request: Request) -> Response:
        if not body:  # the benchmark writes the file once the server is up, then warms up
            body.append(path.read_bytes())
        return responses.json_response(body[0])

    return [Route(LIMIT_PATH, limit, methods=["GET"])]
