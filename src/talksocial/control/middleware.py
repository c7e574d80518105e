"""Faults, quotas and the journal in the request path, without a database write per request.

`ControlMiddleware` is a pure-ASGI middleware around every request:
- `/_talksocial/*` must pass the operator rule (`web.operator`); `/console` applies it itself;
- the API endpoints that authenticate (the Talk and user APIs) report their caller through
  `web.caller` once the token or admin key is known (`RequestControl.caller_known`). The token query of `storage.reads` also
  reads the control version, so the cached fault rules and quota limits are checked for
  staleness at no extra query; they are reloaded only when an operator changed them;
- the other endpoints (`/oauth/*`, `/.well-known/*`) are checked by the middleware itself, with
  one small version query (they are not the hot path);
- every answered request goes into the journal (method, path with secrets masked, app, account,
  status, code, time taken).

Per worker, in memory: quota counts and journal entries, flushed to the database in batches by
a background task (every FLUSH_SECONDS while there is something to flush). A quota check adds
the worker's unflushed count to the last flushed total, so one worker is exact; with several,
each may not yet see up to FLUSH_SECONDS of the others' calls. Near the limit (fewer than
NEAR_LIMIT calls left) a worker flushes on every call, which bounds the overshoot to a few
calls racing at the same instant. "Next N" fault rules take their uses with an atomic UPDATE,
only on requests that match them.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any
from urllib.parse import parse_qsl, urlencode

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from talksocial.control import guard
from talksocial.domain import errors
from talksocial.domain.secrets import sha256_hex
from talksocial.storage import faults, quotas, versions
from talksocial.storage import journal as journal_store
from talksocial.storage.db import run_with_retry, transaction
from talksocial.storage.models import FaultRule, QuotaLimit, QuotaUsage, ServerState
from talksocial.web import caller, operator, pages
from talksocial.web.masking import SHOWN_PARAMS, masked_pairs

log = logging.getLogger("talksocial")

FLUSH_SECONDS = 0.5
#: The journal is flushed less often: it keeps only the newest entries anyway, and the journal
#: endpoint flushes the worker that answers it first.
JOURNAL_FLUSH_SECONDS = 2.0
NEAR_LIMIT = 50
#: The journal shows what the access log shows (`web.masking`), but not the app's REST API key.
JOURNAL_SHOWN_PARAMS = SHOWN_PARAMS - {"client_id"}
#: Operator pages: not journaled, never faulted. The middleware guards `/_talksocial`; the
#: console (`/console`) applies the same rule itself, with a login form for browsers.
_CONTROL_PREFIXES = ("/_talksocial", "/console")
_PUBLIC_PREFIX = "/_talksocial/avatars/"
_ERROR_CLASSES: dict[int, type[errors.KakaoError]] = {
    cls.code: cls
    for cls in (errors.InternalError, errors.InvalidArgument, errors.AppConsentNotEnabled,
                errors.QuotaExceeded, errors.NotRegisteredUser, errors.InvalidCredential,
                errors.InsufficientScopes, errors.NotTalkUser)
}


@dataclass(frozen=True, slots=True)
class Rule:
    id: int
    endpoint: str
    method: str | None
    code: int | None
    koe_code: str | None
    oauth_error: str | None
    http_status: int | None
    msg: str | None
    latency_ms: int
    probability: float
    counted: bool  # a "next N" rule
    app_id: int | None
    account_id: int | None

    def matches(self, method: str, path: str, app_id: int | None, account_id: int | None) -> bool:
        if self.method is not None and self.method != method:
            return False
        if self.app_id is not None and self.app_id != app_id:
            return False
        if self.account_id is not None and self.account_id != account_id:
            return False
        if "*" in self.endpoint or "?" in self.endpoint:
            return fnmatchcase(path, self.endpoint)
        return path == self.endpoint


@dataclass
class RequestControl:
    """What one request learned on its way: who called, the fault that hit it, the delay."""

    state: ControlState
    app_id: int | None = None
    account_id: int | None = None
    fault_id: int | None = None
    delay: float = 0.0
    checked: bool = False

    def caller_known(
        self, request: Request, app_id: int, account_id: int | None, version: str | None,
        now: float,
    ) -> None:
        """The caller's app (and account) is known (`web.caller`): applies the fault rules
        (raising the injected error) and the quota of the endpoint's API."""
        self.app_id, self.account_id = app_id, account_id
        if self.checked:
            return
        self.checked = True
        state = self.state
        state.ensure(version)
        path = request.scope["path"]
        if state.rules:
            for rule in state.pick_fault(request.scope["method"], path, app_id, account_id):
                self.fault_id = rule.id
                self.delay += rule.latency_ms / 1000
                if rule.code is not None:
                    raise injected_error(rule)
        api = quotas.API_BY_PATH.get(path)
        if api is not None:
            state.count_call(app_id, api, now)


def injected_error(rule: Rule) -> errors.KakaoError:
    cls = _ERROR_CLASSES[rule.code if rule.code is not None else -1]
    if rule.http_status is not None and rule.http_status != cls.http_status:
        cls = type(cls.__name__, (cls,), {"http_status": rule.http_status})
    return cls(rule.msg)


@dataclass
class ControlState:
    """One worker's cache of the control plane and its unflushed counters."""

    sessions: sessionmaker[Session]
    version: str | None = "unread"
    epoch: str | None = None
    rules: tuple[Rule, ...] = ()
    limits: dict[tuple[int, str], int] = field(default_factory=dict)
    flushed: dict[tuple[int, str, str], int] = field(default_factory=dict)
    pending: dict[tuple[int, str, str], int] = field(default_factory=dict)
    #: The newest entries only: under load a flush writes at most JOURNAL_KEEP of them.
    journal: deque[tuple[Any, ...]] = field(
        default_factory=lambda: deque(maxlen=journal_store.JOURNAL_KEEP)
    )
    lock: threading.Lock = field(default_factory=threading.Lock)
    flusher: asyncio.Task[None] | None = None

    # -- cache ---------------------------------------------------------------------------------

    def ensure(self, version: str | None) -> None:
        """Reloads rules and limits when the stored version moved (rare: an operator edit)."""
        if version == self.version:
            return
        with self.sessions() as s:
            stored = {
                row.key: row.value
                for row in s.scalars(
                    select(ServerState).where(
                        ServerState.key.in_([versions.VERSION_KEY, versions.EPOCH_KEY])
                    )
                )
            }
            rules = tuple(
                Rule(r.id, r.endpoint, r.method, r.code, r.koe_code, r.oauth_error,
                     r.http_status, r.msg, r.latency_ms, r.probability,
                     r.remaining is not None, r.app_id, r.account_id)
                for r in s.scalars(select(FaultRule).order_by(FaultRule.id))
            )
            limits = {(q.app_id, q.api): q.daily_limit for q in s.scalars(select(QuotaLimit))}
        with self.lock:
            epoch = stored.get(versions.EPOCH_KEY)
            if epoch != self.epoch:
                # The world was reset: what this worker counted belongs to the old one.
                self.pending.clear()
                self.flushed.clear()
                self.journal.clear()
                self.epoch = epoch
            self.rules = rules
            self.limits = limits
            self.version = stored.get(versions.VERSION_KEY)

    # -- faults --------------------------------------------------------------------------------

    def pick_fault(
        self, method: str, path: str, app_id: int | None, account_id: int | None
    ) -> list[Rule]:
        """The rules that apply to this request: at most one error rule (the oldest that
        fires) and every latency it collects on the way."""
        hit: list[Rule] = []
        for rule in self.rules:
            if not rule.matches(method, path, app_id, account_id):
                continue
            if rule.probability < 1.0 and random.random() >= rule.probability:
                continue
            if rule.counted and not self._take(rule.id):
                continue
            hit.append(rule)
            if rule.code is not None or rule.koe_code is not None:
                break
        return hit

    def _take(self, rule_id: int) -> bool:
        def work() -> bool:
            with transaction(self.sessions) as s:
                return faults.consume_fault(s, rule_id)

        taken = run_with_retry(work)
        if not taken:
            self.rules = tuple(r for r in self.rules if r.id != rule_id)
        return taken

    # -- quotas --------------------------------------------------------------------------------

    def count_call(self, app_id: int, api: str, now: float) -> None:
        """Counts one call; raises QuotaExceeded when the app's daily limit is used up (a refused
        call is not counted)."""
        key = (app_id, api, quotas.kst_day(now))
        limit = self.limits.get((app_id, api))
        if limit is None:
            with self.lock:
                self.pending[key] = self.pending.get(key, 0) + 1
            return
        with self.lock:
            used = self.flushed.get(key, 0) + self.pending.get(key, 0)
        near = limit - used <= NEAR_LIMIT
        if near:
            # Exactness near the limit: publish ours and see the other workers' calls.
            self.flush_counts([key])
            with self.lock:
                used = self.flushed.get(key, 0) + self.pending.get(key, 0)
        if used >= limit:
            raise errors.QuotaExceeded()
        with self.lock:
            self.pending[key] = self.pending.get(key, 0) + 1
        if near:
            self.flush_counts([key])

    # -- flushing ------------------------------------------------------------------------------

    @staticmethod
    def _stale(s: Session, epoch: str | None, synced: bool) -> bool:
        """Whether the world was reset after this worker last looked (what it counted since
        belongs to the old world)."""
        if not synced:
            return False
        stored = s.get(ServerState, versions.EPOCH_KEY)
        return (stored.value if stored is not None else None) != epoch

    def dirty(self) -> bool:
        return bool(self.pending) or bool(self.journal)

    def flush_counts(self, keys: list[tuple[int, str, str]] | None = None) -> None:
        """Adds this worker's pending counts to the database and reads back the totals of
        those keys (and of `keys`)."""
        with self.lock:
            batch, self.pending = self.pending, {}
            epoch, synced = self.epoch, self.version != "unread"

        def work() -> dict[tuple[int, str, str], int]:
            with transaction(self.sessions) as s:
                if self._stale(s, epoch, synced):
                    return {}  # the world was reset since these were counted
                if batch:
                    quotas.add_usage(s, batch)
                totals: dict[tuple[int, str, str], int] = {}
                for app_id, api, day in {*batch, *(keys or ())}:
                    row = s.get(QuotaUsage, (app_id, api, day))
                    totals[(app_id, api, day)] = row.count if row is not None else 0
                return totals

        try:
            totals = run_with_retry(work)
        except Exception:
            with self.lock:
                for key, n in batch.items():
                    self.pending[key] = self.pending.get(key, 0) + n
            raise
        with self.lock:
            if epoch == self.epoch:
                self.flushed.update(totals)

    def flush(self, *, journal: bool = True) -> None:
        """Writes this worker's counts and (with `journal`) journal entries (one transaction
        each)."""
        if self.pending:
            self.flush_counts()
        if not journal:
            return
        with self.lock:
            raw_entries = list(self.journal)
            self.journal.clear()
            epoch, synced = self.epoch, self.version != "unread"
        if raw_entries:
            entries = [_journal_row(*raw) for raw in raw_entries]

            def work() -> None:
                with transaction(self.sessions) as s:
                    if not self._stale(s, epoch, synced):
                        journal_store.append_journal(s, entries)

            run_with_retry(work)

    def record(self, entry: tuple[Any, ...]) -> None:
        self.journal.append(entry)  # deque.append is atomic

    async def flush_loop(self) -> None:
        last_journal = time.monotonic()
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            if self.dirty():
                journal = time.monotonic() - last_journal >= JOURNAL_FLUSH_SECONDS
                if journal:
                    last_journal = time.monotonic()
                try:
                    await run_in_threadpool(self.flush, journal=journal)
                except DBAPIError as exc:  # the database cannot write now; retried next tick
                    log.error("flushing quota counts and journal failed: %s", exc.orig)
                except Exception:  # pragma: no cover - a bug
                    log.exception("flushing quota counts and journal failed")


def state_of(scope: Scope) -> ControlState:
    app = scope["app"]
    state: ControlState | None = getattr(app.state, "control", None)
    if state is None:
        state = ControlState(app.state.ctx.sessions)
        app.state.control = state
    return state


def _journal_row(
    at: float, method: str, path: str, query: bytes, app_id: int | None,
    account_id: int | None, status: int, code: str | None, duration_ms: float,
    fault_id: int | None,
) -> dict[str, Any]:
    return {
        "at": at, "method": method, "path": _masked_path(path, query)[:2000], "app_id": app_id,
        "account_id": account_id, "status": status, "code": code, "duration_ms": duration_ms,
        "fault_id": fault_id,
    }


def _masked_path(path: str, raw: bytes) -> str:
    if not raw:
        return path
    masked = masked_pairs(raw, JOURNAL_SHOWN_PARAMS)
    return f"{path}?{urlencode(masked, safe='*,[]')}"


def _code_of(body: bytes) -> str | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    code = data.get("code", data.get("error_code"))
    return None if code is None else str(code)


class ControlMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path.startswith(_CONTROL_PREFIXES):
            # The placeholder avatars are public images (API answers link to them).
            guarded = path.startswith("/_talksocial") and not path.startswith(_PUBLIC_PREFIX)
            refusal = operator.check(scope["app"].state.ctx.config, scope) if guarded else None
            if refusal is not None:
                await _send_json(send, refusal.status, {"msg": refusal.msg, "code": -401
                                                        if refusal.status == 401 else -403})
                return
            write = guard.write_refusal(scope) if guarded else None
            if write is not None:
                await _send_json(send, write.status, {"msg": write.msg, "code": -2
                                                      if write.status == 415 else -403})
                return
            await self.app(scope, receive, send)
            return

        state = state_of(scope)
        if state.flusher is None or state.flusher.done():
            state.flusher = asyncio.get_running_loop().create_task(state.flush_loop())
        control = RequestControl(state)
        scope[caller.SCOPE_KEY] = control
        started = time.perf_counter()
        method: str = scope["method"]

        if path not in quotas.API_BY_PATH:
            # Not an endpoint that authenticates: on /oauth/* the app is the one its client_id
            # names (rules may be scoped to it); elsewhere the rules that name no app.
            control.checked = True
            ctx = scope["app"].state.ctx
            state.ensure(ctx.reads.control_version())
            app_id: int | None = None
            if path.startswith("/oauth/") and any(r.app_id is not None for r in state.rules):
                client_id, receive = await _client_id(scope, receive)
                if client_id:
                    app_id = ctx.reads.app_id_by_rest_api_key(sha256_hex(client_id))
                control.app_id = app_id
            rules = state.pick_fault(method, path, app_id, None) if state.rules else []
            for rule in rules:
                control.fault_id = rule.id
                control.delay += rule.latency_ms / 1000
            error = next((r for r in rules if r.code is not None or r.koe_code is not None), None)
            if error is not None:
                if control.delay:
                    await asyncio.sleep(control.delay)
                if error.koe_code is not None and path == "/oauth/authorize":
                    # The authorize endpoint answers a browser: its errors are an HTML page
                    # naming the code, never JSON and never a redirect (docs/reference/kakao-login.md).
                    status = error.http_status or 400
                    page = pages.error_page(
                        error.koe_code, "Injected error", error.msg or "", status_code=status
                    )
                    await page(scope, receive, send)
                    self._journal(scope, control, started, status, error.koe_code)
                    return
                if error.koe_code is not None:
                    status = error.http_status or 400
                    body: dict[str, Any] = {
                        "error": error.oauth_error or "invalid_request",
                        "error_description": error.msg or "",
                        "error_code": error.koe_code,
                    }
                else:
                    exc = injected_error(error)
                    status, body = exc.http_status, exc.body()
                await _send_json(send, status, body)
                self._journal(scope, control, started, status, _code_of(json.dumps(body).encode()))
                return

        status = 500
        first_body = b""

        async def wrapped(message: Message) -> None:
            nonlocal status, first_body
            if message["type"] == "http.response.start":
                status = int(message["status"])
                if control.delay:
                    await asyncio.sleep(control.delay)
            elif message["type"] == "http.response.body":
                if status >= 400 and len(first_body) < 4096:
                    first_body += message.get("body", b"")
                if not message.get("more_body", False):
                    code = _code_of(first_body) if status >= 400 else None
                    self._journal(scope, control, started, status, code)
            await send(message)

        await self.app(scope, receive, wrapped)

    @staticmethod
    def _journal(
        scope: Scope, control: RequestControl, started: float, status: int, code: str | None
    ) -> None:
        # Raw values only: masking and the row are made when the batch is flushed.
        control.state.record((
            time.time(), scope["method"], scope["path"], scope.get("query_string", b""),
            control.app_id, control.account_id, status, code,
            (time.perf_counter() - started) * 1000, control.fault_id,
        ))


async def _client_id(scope: Scope, receive: Receive) -> tuple[str | None, Receive]:
    """The `client_id` of a login-server request: from the query string, or from a form body,
    which is read here and handed on unchanged to the endpoint (a new `receive`)."""
    query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
    if query.get("client_id"):
        return query["client_id"], receive
    headers = dict(scope.get("headers") or [])
    if b"application/x-www-form-urlencoded" not in headers.get(b"content-type", b""):
        return None, receive
    chunks: list[bytes] = []
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":  # the client went away
            return None, receive
        chunks.append(message.get("body", b""))
        more = bool(message.get("more_body", False))
    body = b"".join(chunks)
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    form = dict(parse_qsl(body.decode("utf-8", errors="replace")))
    return form.get("client_id"), replay


async def _send_json(send: Send, status: int, body: dict[str, Any]) -> None:
    raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", b"application/json;charset=UTF-8"),
            (b"content-length", str(len(raw)).encode()),
        ],
    })
    await send({"type": "http.response.body", "body": raw})
