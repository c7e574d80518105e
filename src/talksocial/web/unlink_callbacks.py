"""Calls of an app's unlink callback (docs/reference/kakao-login.md#unlink-callback), made
after the transaction that ended the link commits, in the background: the answer of the request
that ended it never waits. Through `web.outbound` (3 s, no redirects followed); anything but
HTTP 200 is a failure. A call cut off by a server stop is recorded as failed."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from starlette.concurrency import run_in_threadpool

from talksocial.storage import webhooks
from talksocial.storage.db import run_with_retry, transaction
from talksocial.web import outbound
from talksocial.web.context import ServerContext

log = logging.getLogger("talksocial.unlink_callbacks")

CUT_OFF = "cut off by a server stop"


def dispatch(ctx: ServerContext, delivery_ids: Iterable[int | None]) -> None:
    """Starts the calls of these recorded deliveries; returns at once."""
    loop = asyncio.get_running_loop()
    for delivery_id in delivery_ids:
        if delivery_id is None:
            continue
        task = loop.create_task(deliver(ctx, delivery_id))
        ctx.background.add(task)  # a task must be referenced until it ends
        task.add_done_callback(ctx.background.discard)


async def deliver(ctx: ServerContext, delivery_id: int) -> None:
    """One call and its record; never raises (a database error is logged)."""
    try:
        await _deliver(ctx, delivery_id)
    except asyncio.CancelledError:
        _finish(ctx, delivery_id, None, CUT_OFF)
        raise
    except Exception:  # the bound: a background call never takes the server down
        log.exception("unlink callback delivery %s was not recorded", delivery_id)


def _finish(ctx: ServerContext, delivery_id: int, code: int | None, error: str | None) -> None:
    def work() -> None:
        with transaction(ctx.sessions) as s:
            webhooks.finish(s, delivery_id, response_code=code, error=error)

    run_with_retry(work)


async def _deliver(ctx: ServerContext, delivery_id: int) -> None:
    def read() -> webhooks.Call | None:
        with ctx.sessions() as s:
            return webhooks.call_of(s, delivery_id)

    call = await run_in_threadpool(read)
    if call is None:
        return
    get = call.method == "GET"
    result = await outbound.fetch(
        call.url,
        allowed_origins=[call.url],
        method=call.method,
        headers={"Authorization": f"KakaoAK {call.admin_key}"},
        params=call.fields if get else None,
        form=None if get else call.fields,
        max_redirects=0,
    )
    await run_in_threadpool(_finish, ctx, delivery_id, result.status, result.error)


async def stop(ctx: ServerContext) -> None:
    """At shutdown: the calls still running are cut off (and recorded as failed)."""
    tasks = list(ctx.background)
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.gather(*tasks, return_exceptions=True)
