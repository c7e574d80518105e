"""The control plane (`/_talksocial/*`), for tests and operators; not a Kakao API.

Guarded by the operator rule (`web.operator`, applied by `control.middleware.ControlMiddleware`). JSON in
and out; a refused edit answers `{"msg": "...", "code": -2}` with HTTP 400 (bad input), 404
(unknown app, account, ...) or 409 (a rule of the world, such as a taken user_id). The writes
themselves live in the storage service layer (`storage.apps`, `storage.links`, ...), shared
with the console.

`GET|POST /_talksocial/clock`: the server clock is wall time plus an offset kept in the
database, so every worker agrees. GET reads it; POST with a JSON body sets it:
`{"offset_seconds": N}`, `{"now": "2030-01-01T00:00:00Z"}`, or `{"advance_seconds": N}`.
The other endpoints are listed by `routes()` and described in /openapi.json."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from talksocial.control import messages as inbox
from talksocial.control import middleware as faults
from talksocial.domain import errors
from talksocial.storage import (
    accounts,
    apps,
    clock,
    friends,
    journal,
    links,
    profiles,
    quotas,
    tokens,
    webhooks,
    world,
)
from talksocial.storage import (
    faults as fault_rules,
)
from talksocial.storage.db import run_with_retry, transaction
from talksocial.storage.errors import InvalidInput, StorageError
from talksocial.storage.tokens import ACCESS_TOKEN_LIFETIME
from talksocial.web import operator_views as control_views
from talksocial.web import responses, unlink_callbacks
from talksocial.web.context import ServerContext

# web.convertors also registers the `id64` path convertor the routes below use.
from talksocial.web.convertors import MAX_ID
from talksocial.web.limits import MSG_NUL, has_nul
from talksocial.web.storage_errors import http_status

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

        return responses.json_response(_clock_body(await run_in_threadpool(read)))

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

    return responses.json_response(_clock_body(await run_in_threadpool(run_with_retry, write)))


# --- the world, faults, quotas, journal --------------------------------------------------------

Work = Callable[[Session, Request, Any], Any]


def _admin_error(exc: StorageError) -> Response:
    return responses.json_response({"msg": str(exc), "code": -2}, status_code=http_status(exc))


async def _json_body(request: Request) -> Any:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: deeply nested arrays
        raise errors.InvalidArgument("the body must be JSON") from None
    problem = _unstorable(body)
    if problem:
        raise errors.InvalidArgument(problem)
    return body


def _unstorable(value: Any) -> str | None:
    """What in a JSON body no database column can hold, checked once for every field: every
    stored number is a signed 64-bit integer (a larger one would overflow in the driver), and
    no stored text may hold a NUL character (PostgreSQL refuses one)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, bool):
            continue
        if isinstance(item, int) and abs(item) > MAX_ID:
            return "integers in the body must fit in 64 bits"
        if isinstance(item, float) and not math.isfinite(item):
            return "numbers in the body must be finite"
        if isinstance(item, str) and has_nul(item):
            return MSG_NUL
        if isinstance(item, dict):
            if any(has_nul(key) for key in item):
                return MSG_NUL
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise InvalidInput("the body must be a JSON object")
    return body


def _endpoint(work: Work, *, write: bool, status: int = 200) -> Callable[[Request], Any]:
    """An endpoint running `work(session, request, body)` in one transaction (a write) or a
    read-only session, off the event loop; `work` returns the JSON body (None: 204)."""

    async def endpoint(request: Request) -> Response:
        ctx = ServerContext.of(request)
        body = await _json_body(request) if request.method in ("POST", "PUT", "PATCH") else None

        def run() -> Any:
            if write:
                with transaction(ctx.sessions) as s:
                    return work(s, request, body)
            with ctx.sessions() as s:
                return work(s, request, body)

        try:
            result = await run_in_threadpool(run_with_retry, run)
        except StorageError as exc:
            return _admin_error(exc)
        # unlink callbacks recorded by the work, called now that it has committed
        unlink_callbacks.dispatch(ctx, getattr(request.state, "unlink_deliveries", ()))
        if result is None:
            return Response(status_code=204)
        return responses.json_response(result, status_code=status)

    return endpoint


def _app_id(request: Request) -> int:
    value: int = request.path_params["app_id"]
    return value


def _key(request: Request, name: str = "key") -> str:
    value: str = request.path_params[name]
    return value


def _query_int(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    text = raw.strip()
    if not text.lstrip("-").isdigit():
        raise InvalidInput(f"{name} must be an integer")
    if len(text) > 20 or abs(int(text)) > MAX_ID:
        raise InvalidInput(f"{name} must be an integer of at most 64 bits")
    return int(text)


def _local_state(request: Request) -> faults.ControlState:
    return faults.state_of(request.scope)


# apps


def _list_apps(s: Session, request: Request, body: Any) -> Any:
    return {"apps": [control_views.app_view(a) for a in apps.list_apps(s)]}


def _create_app(s: Session, request: Request, body: Any) -> Any:
    return control_views.app_view(apps.create_app(s, _object(body)))


def _get_app(s: Session, request: Request, body: Any) -> Any:
    return control_views.app_view(apps.get_app(s, _app_id(request)))


def _update_app(s: Session, request: Request, body: Any) -> Any:
    return control_views.app_view(apps.update_app(s, _app_id(request), _object(body)))


def _delete_app(s: Session, request: Request, body: Any) -> Any:
    apps.delete_app(s, _app_id(request))


# accounts and profiles


def _list_accounts(s: Session, request: Request, body: Any) -> Any:
    return {"accounts": [control_views.account_view(s, a, full=False) for a in accounts.list_accounts(s)]}


def _create_account(s: Session, request: Request, body: Any) -> Any:
    return control_views.account_view(s, accounts.create_account(s, _object(body)))


def _get_account(s: Session, request: Request, body: Any) -> Any:
    return control_views.account_view(s, accounts.get_account(s, _key(request)))


def _update_account(s: Session, request: Request, body: Any) -> Any:
    return control_views.account_view(s, accounts.update_account(s, _key(request), _object(body)))


def _delete_account(s: Session, request: Request, body: Any) -> Any:
    request.state.unlink_deliveries = accounts.delete_account(s, _key(request))


def _get_profile(s: Session, request: Request, body: Any) -> Any:
    view = control_views.account_view(s, accounts.get_account(s, _key(request)), full=False)
    return {"profile": view["profile"], "account_profile": view["account_profile"]}


def _set_profile(s: Session, request: Request, body: Any) -> Any:
    profiles.set_profile(s, _key(request), _object(body))
    return _get_profile(s, request, body)


def _set_account_profile(s: Session, request: Request, body: Any) -> Any:
    profiles.set_account_profile(s, _key(request), _object(body))
    return _get_profile(s, request, body)


def _delete_account_profile(s: Session, request: Request, body: Any) -> Any:
    profiles.set_account_profile(s, _key(request), None)


# multi-profiles


def _list_multi(s: Session, request: Request, body: Any) -> Any:
    return {
        "multi_profiles": [
            control_views.multi_profile_view(s, mp) for mp in profiles.list_multi_profiles(s, _key(request))
        ]
    }


def _create_multi(s: Session, request: Request, body: Any) -> Any:
    return control_views.multi_profile_view(s, profiles.create_multi_profile(s, _key(request), _object(body)))


def _update_multi(s: Session, request: Request, body: Any) -> Any:
    mp = profiles.update_multi_profile(s, _key(request), _key(request, "mp"), _object(body))
    return control_views.multi_profile_view(s, mp)


def _delete_multi(s: Session, request: Request, body: Any) -> Any:
    profiles.delete_multi_profile(s, _key(request), _key(request, "mp"))


# friends


def _list_friends(s: Session, request: Request, body: Any) -> Any:
    return {"friends": [control_views.friend_view(s, f) for f in friends.list_friends(s, _key(request))]}


def _set_friend(s: Session, request: Request, body: Any) -> Any:
    entry = friends.set_friend(s, _key(request), _key(request, "friend"), _object(body))
    return control_views.friend_view(s, entry)


def _remove_friend(s: Session, request: Request, body: Any) -> Any:
    friends.remove_friend(s, _key(request), _key(request, "friend"))


# links and consents


def _list_links(s: Session, request: Request, body: Any) -> Any:
    found = links.list_links(
        s, app_id=_query_int(request, "app"), account_key=request.query_params.get("account")
    )
    return {"links": [control_views.link_view(s, lk) for lk in found]}


def _create_link(s: Session, request: Request, body: Any) -> Any:
    fields = dict(_object(body))
    app_id, account = fields.pop("app", None), fields.pop("account", None)
    if app_id is None or account is None:
        raise InvalidInput("app and account are required")
    if isinstance(app_id, bool) or not isinstance(app_id, int):
        raise InvalidInput("app must be an integer")
    return control_views.link_view(s, links.create_link(s, app_id, account, fields))


def _get_link(s: Session, request: Request, body: Any) -> Any:
    return control_views.link_view(s, links.get_link(s, _app_id(request), _key(request)))


def _update_link(s: Session, request: Request, body: Any) -> Any:
    found = links.update_link(s, _app_id(request), _key(request), _object(body))
    return control_views.link_view(s, found)


def _set_consents(s: Session, request: Request, body: Any) -> Any:
    found = links.set_consents(s, _app_id(request), _key(request), _object(body).get("scopes"))
    return control_views.link_view(s, found)


def _unlink(s: Session, request: Request, body: Any) -> Any:
    """Ends the link as the user (UNLINK_FROM_APPS) or the operator (UNLINK_FROM_ADMIN, the
    default) would: the app's unlink callback is called after the commit."""
    referrer = request.query_params.get("referrer_type") or webhooks.UNLINK_FROM_ADMIN
    delivery = links.unlink(s, _app_id(request), _key(request), referrer)
    request.state.unlink_deliveries = [delivery]


# the unlink callback's deliveries


def _list_webhooks(s: Session, request: Request, body: Any) -> Any:
    app_id = _query_int(request, "app")
    return {"deliveries": [control_views.delivery_view(row)
                           for row in webhooks.list_deliveries(s, app_id)]}


async def _resend_webhook(request: Request) -> Response:
    """A new call with what the delivery sent, awaited: its record is the answer."""
    ctx = ServerContext.of(request)
    delivery_id: int = request.path_params["delivery_id"]

    def record() -> int:
        with transaction(ctx.sessions) as s:
            return webhooks.resend(s, delivery_id)

    try:
        new_id = await run_in_threadpool(run_with_retry, record)
    except StorageError as exc:
        return _admin_error(exc)
    await unlink_callbacks.deliver(ctx, new_id)

    def read() -> dict[str, Any]:
        with ctx.sessions() as s:
            return control_views.delivery_view(webhooks.get_delivery(s, new_id))

    return responses.json_response(await run_in_threadpool(read), status_code=201)


# tokens


def _issue_token(s: Session, request: Request, body: Any) -> Any:
    fields = _object(body)
    for name in fields:
        if name not in ("app", "account", "scopes", "lifetime"):
            raise InvalidInput(f"token.{name}: unknown field")
    app_id, account = fields.get("app"), fields.get("account")
    if isinstance(app_id, bool) or not isinstance(app_id, int):
        raise InvalidInput("app must be an integer")
    if not isinstance(account, str):
        raise InvalidInput("account must be a string")
    value, token = tokens.issue_token(
        s, app_id, account, scopes=fields.get("scopes"),
        lifetime=fields.get("lifetime", ACCESS_TOKEN_LIFETIME),
    )
    return {
        "access_token": value,
        "token_type": "bearer",
        "expires_in": int(token.expires_at - token.issued_at),
        "app": token.app_id,
        "account": account,
    }


# the world


def _export(s: Session, request: Request, body: Any) -> Any:
    return world.export(s)


def _import(s: Session, request: Request, body: Any) -> Any:
    return {"generated_tokens": world.import_world(s, _object(body))}


def _reset(s: Session, request: Request, body: Any) -> Any:
    world.reset_world(s)
    return {"reset": True}


# faults


def _list_faults(s: Session, request: Request, body: Any) -> Any:
    return {"faults": [control_views.fault_view(s, r) for r in fault_rules.list_faults(s)]}


def _add_fault(s: Session, request: Request, body: Any) -> Any:
    return control_views.fault_view(s, fault_rules.add_fault(s, _object(body)))


def _get_fault(s: Session, request: Request, body: Any) -> Any:
    return control_views.fault_view(s, fault_rules.get_fault(s, request.path_params["fault_id"]))


def _delete_fault(s: Session, request: Request, body: Any) -> Any:
    fault_rules.delete_fault(s, request.path_params["fault_id"])


def _clear_faults(s: Session, request: Request, body: Any) -> Any:
    return {"deleted": fault_rules.clear_faults(s)}


# quotas


def _quota_body(s: Session, app_id: int | None) -> dict[str, Any]:
    from talksocial.storage import clock as server_clock

    day = quotas.kst_day(server_clock.now(s))
    chosen = [apps.get_app(s, app_id)] if app_id is not None else apps.list_apps(s)
    limits = {(q.app_id, q.api): q.daily_limit for q in quotas.list_quotas(s, app_id)}
    usage = []
    for app in chosen:
        used = quotas.quota_usage(s, app.id, day)
        for api in quotas.QUOTA_APIS:
            if (app.id, api) in limits or used.get(api):
                usage.append({
                    "app": app.id,
                    "api": api,
                    "daily_limit": limits.get((app.id, api)),
                    "used": used.get(api, 0),
                })
    return {"day": day, "apis": list(quotas.QUOTA_APIS), "kakao_defaults": quotas.KAKAO_DAILY_QUOTAS,
            "quotas": usage}


def _list_quotas(s: Session, request: Request, body: Any) -> Any:
    return _quota_body(s, _query_int(request, "app"))


def _set_quota(s: Session, request: Request, body: Any) -> Any:
    fields = _object(body)
    if "daily_limit" not in fields:
        raise InvalidInput("daily_limit is required (null removes the limit)")
    quotas.set_quota(s, _app_id(request), request.path_params["api"], fields["daily_limit"])
    return _quota_body(s, _app_id(request))


def _clear_quota(s: Session, request: Request, body: Any) -> Any:
    quotas.clear_quota(s, _app_id(request), request.path_params["api"])


def _kakao_quotas(s: Session, request: Request, body: Any) -> Any:
    quotas.set_kakao_quotas(s, _app_id(request))
    return _quota_body(s, _app_id(request))


# journal


def _journal(s: Session, request: Request, body: Any) -> Any:
    limit = _query_int(request, "limit") or 100
    return {"entries": [control_views.journal_view(s, e) for e in journal.list_journal(s, limit)]}


def _clear_journal(s: Session, request: Request, body: Any) -> Any:
    state = _local_state(request)
    with state.lock:
        state.journal.clear()
    journal.clear_journal(s)


def _flushing(endpoint: Callable[[Request], Any]) -> Callable[[Request], Any]:
    """Writes this worker's unflushed counts and journal first, so that what it answers
    includes the requests it served (other workers flush within FLUSH_SECONDS)."""

    async def wrapped(request: Request) -> Response:
        await run_in_threadpool(_local_state(request).flush)
        response: Response = await endpoint(request)
        return response

    return wrapped


def _resetting(endpoint: Callable[[Request], Any]) -> Callable[[Request], Any]:
    """Drops this worker's unflushed counts and journal: they belong to the world before."""

    async def wrapped(request: Request) -> Response:
        state = _local_state(request)
        with state.lock:
            state.pending.clear()
            state.journal.clear()
        response: Response = await endpoint(request)
        return response

    return wrapped


def routes() -> list[Route]:
    p = "/_talksocial"
    acct = f"{p}/accounts/{{key}}"
    link_path = f"{p}/links/{{app_id:id64}}/{{key}}"
    templates = f"{p}/apps/{{app_id:id64}}/message_templates"
    return [
        Route(f"{p}/clock", clock_endpoint, methods=["GET", "POST"]),
        Route(f"{p}/apps", _endpoint(_list_apps, write=False), methods=["GET"]),
        Route(f"{p}/apps", _endpoint(_create_app, write=True, status=201), methods=["POST"]),
        Route(f"{p}/apps/{{app_id:id64}}", _endpoint(_get_app, write=False), methods=["GET"]),
        Route(f"{p}/apps/{{app_id:id64}}", _endpoint(_update_app, write=True), methods=["PATCH"]),
        Route(f"{p}/apps/{{app_id:id64}}", _endpoint(_delete_app, write=True), methods=["DELETE"]),
        Route(f"{p}/accounts", _endpoint(_list_accounts, write=False), methods=["GET"]),
        Route(f"{p}/accounts", _endpoint(_create_account, write=True, status=201),
              methods=["POST"]),
        Route(acct, _endpoint(_get_account, write=False), methods=["GET"]),
        Route(acct, _endpoint(_update_account, write=True), methods=["PATCH"]),
        Route(acct, _endpoint(_delete_account, write=True), methods=["DELETE"]),
        Route(f"{acct}/profile", _endpoint(_get_profile, write=False), methods=["GET"]),
        Route(f"{acct}/profile", _endpoint(_set_profile, write=True), methods=["PUT", "PATCH"]),
        Route(f"{acct}/account_profile", _endpoint(_set_account_profile, write=True),
              methods=["PUT"]),
        Route(f"{acct}/account_profile", _endpoint(_delete_account_profile, write=True),
              methods=["DELETE"]),
        Route(f"{acct}/multi_profiles", _endpoint(_list_multi, write=False), methods=["GET"]),
        Route(f"{acct}/multi_profiles", _endpoint(_create_multi, write=True, status=201),
              methods=["POST"]),
        Route(f"{acct}/multi_profiles/{{mp}}", _endpoint(_update_multi, write=True),
              methods=["PATCH"]),
        Route(f"{acct}/multi_profiles/{{mp}}", _endpoint(_delete_multi, write=True),
              methods=["DELETE"]),
        Route(f"{acct}/friends", _endpoint(_list_friends, write=False), methods=["GET"]),
        Route(f"{acct}/friends/{{friend}}", _endpoint(_set_friend, write=True),
              methods=["PUT", "PATCH"]),
        Route(f"{acct}/friends/{{friend}}", _endpoint(_remove_friend, write=True),
              methods=["DELETE"]),
        Route(f"{p}/links", _endpoint(_list_links, write=False), methods=["GET"]),
        Route(f"{p}/links", _endpoint(_create_link, write=True, status=201), methods=["POST"]),
        Route(link_path, _endpoint(_get_link, write=False), methods=["GET"]),
        Route(link_path, _endpoint(_update_link, write=True), methods=["PATCH"]),
        Route(link_path, _endpoint(_unlink, write=True), methods=["DELETE"]),
        Route(f"{link_path}/scopes", _endpoint(_set_consents, write=True), methods=["PUT"]),
        Route(f"{p}/tokens", _endpoint(_issue_token, write=True, status=201), methods=["POST"]),
        Route(f"{p}/export", _endpoint(_export, write=False), methods=["GET"]),
        Route(f"{p}/import", _endpoint(_import, write=True), methods=["POST"]),
        Route(f"{p}/reset", _resetting(_endpoint(_reset, write=True)), methods=["POST"]),
        Route(f"{p}/faults", _endpoint(_list_faults, write=False), methods=["GET"]),
        Route(f"{p}/faults", _endpoint(_add_fault, write=True, status=201), methods=["POST"]),
        Route(f"{p}/faults", _endpoint(_clear_faults, write=True), methods=["DELETE"]),
        Route(f"{p}/faults/{{fault_id:id64}}", _endpoint(_get_fault, write=False),
              methods=["GET"]),
        Route(f"{p}/faults/{{fault_id:id64}}", _endpoint(_delete_fault, write=True),
              methods=["DELETE"]),
        Route(f"{p}/quotas", _flushing(_endpoint(_list_quotas, write=False)), methods=["GET"]),
        Route(f"{p}/quotas/{{app_id:id64}}/kakao", _endpoint(_kakao_quotas, write=True),
              methods=["POST"]),
        Route(f"{p}/quotas/{{app_id:id64}}/{{api}}", _endpoint(_set_quota, write=True),
              methods=["PUT"]),
        Route(f"{p}/quotas/{{app_id:id64}}/{{api}}", _endpoint(_clear_quota, write=True),
              methods=["DELETE"]),
        Route(f"{p}/journal", _flushing(_endpoint(_journal, write=False)), methods=["GET"]),
        Route(f"{p}/journal", _endpoint(_clear_journal, write=True), methods=["DELETE"]),
        Route(f"{p}/messages", _endpoint(inbox.list_inbox, write=False), methods=["GET"]),
        Route(f"{p}/webhooks", _endpoint(_list_webhooks, write=False), methods=["GET"]),
        Route(f"{p}/webhooks/{{delivery_id:id64}}/resend", _resend_webhook, methods=["POST"]),
        Route(f"{p}/messages", _endpoint(inbox.clear_inbox, write=True), methods=["DELETE"]),
        Route(templates, _endpoint(inbox.list_templates, write=False), methods=["GET"]),
        Route(templates, _endpoint(inbox.create_template, write=True, status=201),
              methods=["POST"]),
        Route(f"{templates}/{{template_id}}", _endpoint(inbox.get_template, write=False),
              methods=["GET"]),
        Route(f"{templates}/{{template_id}}", _endpoint(inbox.replace_template, write=True),
              methods=["PUT"]),
        Route(f"{templates}/{{template_id}}", _endpoint(inbox.delete_template, write=True),
              methods=["DELETE"]),
    ]
