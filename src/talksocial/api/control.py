"""The control plane (`/_talksocial/*`), for tests and operators; not a Kakao API.

`GET|POST /_talksocial/clock`: the server clock is wall time plus an offset kept in the
database, so every worker agrees. GET reads it; POST with a JSON body sets it:
`{"offset_seconds": N}`, `{"now": "2030-01-01T00:00:00Z"}`, or `{"advance_seconds": N}`."""

from __future__ import annotations

import json
import math
import time
from datetime import UTC, datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from talksocial.api import wire
from talksocial.api.context import ServerContext
from talksocial.domain import errors
from talksocial.storage import clock
from talksocial.storage.db import run_with_retry, transaction

#: About 300 years: enough for any test, far from float and datetime limits.
MAX_OFFSET = 10**10


def _clock_body(offset: float) -> dict[str, Any]:
    now = time.time() + offset
    return {
        "now": datetime.fromtimestamp(now, UTC).isoformat().replace("+00:00", "Z"),
        "now_epoch": now,
        "offset_seconds": offset,
    }


def _number(body: dict[str, Any], name: str) -> float:
    value = body[name]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise errors.InvalidArgument(f"{name} must be a number")
    if abs(value) > MAX_OFFSET:
        raise errors.InvalidArgument(f"{name} is out of range")
    return float(value)


def _parse_instant(raw: Any) -> float:
    if not isinstance(raw, str):
        raise errors.InvalidArgument("now must be an ISO 8601 instant")
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise errors.InvalidArgument("now must be an ISO 8601 instant") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


async def clock_endpoint(request: Request) -> Response:
    ctx = ServerContext.of(request)
    if request.method == "GET":

        def read() -> float:
            with ctx.sessions() as s:
                return clock.offset(s)

        return wire.json_response(_clock_body(await run_in_threadpool(read)))

    raw = await request.body()
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        raise errors.InvalidArgument("the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise errors.InvalidArgument("the body must be a JSON object")
    given = [k for k in ("offset_seconds", "now", "advance_seconds") if k in body]
    if len(given) != 1:
        raise errors.InvalidArgument("give exactly one of offset_seconds, now, advance_seconds")
    key = given[0]
    value = _number(body, key) if key != "now" else _parse_instant(body[key])

    def write() -> float:
        with transaction(ctx.sessions) as s:
            if key == "offset_seconds":
                offset = value
            elif key == "advance_seconds":
                offset = clock.offset(s) + value
            else:
                offset = value - time.time()
            if abs(offset) > MAX_OFFSET:
                raise errors.InvalidArgument(f"{key} is out of range")
            clock.set_offset(s, offset)
            return offset

    return wire.json_response(_clock_body(await run_in_threadpool(run_with_retry, write)))
