"""The console's operations pages: the journal of recent requests, fault rules, the clock."""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session
from starlette.responses import Response

from talksocial.console import queries
from talksocial.console.views import int_or_none, iso, ok_message, read, write
from talksocial.console.web import Console, page, redirect
from talksocial.storage import clock
from talksocial.storage import faults as faults_store
from talksocial.storage import journal as journal_store
from talksocial.storage.errors import InvalidInput, StorageError
from talksocial.web import operator_views as control_views
from talksocial.web.storage_errors import http_status

#: The endpoints a fault rule may target from the console's chooser (any path may be typed).
FAULT_ENDPOINTS = [
    "/v1/api/talk/profile",
    "/v1/api/talk/friends",
    "/v2/api/talk/profiles",
    "/v1/user/access_token_info",
    "/v1/user/logout",
    "/v1/user/unlink",
    "/v2/user/scopes",
    "/v2/user/revoke/scopes",
    "/v2/user/me",
    "/oauth/token",
    "/oauth/authorize",
    "/v1/api/talk/*",
]
#: The journal and the control API keep this many entries; the page shows the newest.
JOURNAL_PAGE = 200


# --- journal ------------------------------------------------------------------------------------


@page
async def journal(con: Console) -> Response:
    def load(s: Session) -> list[dict[str, Any]]:
        return [control_views.journal_view(s, e) for e in journal_store.list_journal(s, JOURNAL_PAGE)]

    return con.render("journal.html", entries=await read(con, load), ok=ok_message(con.request))


@page
async def clear_journal(con: Console) -> Response:
    await write(con, journal_store.clear_journal)
    return redirect("/console/journal?ok=journal-cleared")


# --- faults -------------------------------------------------------------------------------------


async def _faults_page(
    con: Console, error: str | None = None, status_code: int = 200,
    form: dict[str, str] | None = None,
) -> Response:
    def load(s: Session) -> Any:
        rules = [control_views.fault_view(s, r) for r in faults_store.list_faults(s)]
        return rules, queries.apps(s)

    rules, apps = await read(con, load)
    return con.render(
        "faults.html", status_code=status_code, rules=rules, apps=apps,
        endpoints=FAULT_ENDPOINTS, codes=sorted(faults_store.KAKAO_CODES.items(), reverse=True),
        ok=ok_message(con.request), error=error, values=form or {},
    )


@page
async def faults(con: Console) -> Response:
    return await _faults_page(con)


def fault_fields(form: dict[str, str]) -> dict[str, Any]:
    """The control API's fault fields from the console's form (blank fields left out)."""
    fields: dict[str, Any] = {"endpoint": (form.get("endpoint_custom") or "").strip()
                              or form.get("endpoint", "").strip()}
    if form.get("method"):
        fields["method"] = form["method"]
    kind = form.get("kind", "code")
    if kind == "code" and form.get("code"):
        fields["code"] = int_or_none(form["code"]) if int_or_none(form["code"]) is not None \
            else form["code"]
    elif kind == "koe" and form.get("koe_code"):
        fields["koe_code"] = form["koe_code"].strip()
        if form.get("error", "").strip():
            fields["error"] = form["error"].strip()
    if kind in ("code", "koe"):
        if form.get("msg", "").strip():
            fields["msg"] = form["msg"]
        if form.get("http_status", "").strip():
            fields["http_status"] = int_or_none(form["http_status"]) or form["http_status"]
    if form.get("latency_ms", "").strip():
        fields["latency_ms"] = int_or_none(form["latency_ms"])
        if fields["latency_ms"] is None:
            raise InvalidInput("latency_ms must be a whole number of milliseconds")
    share = form.get("share", "all")
    if share == "next":
        n = int_or_none(form.get("next"))
        if n is None:
            raise InvalidInput("next must be a whole number")
        fields["next"] = n
    elif share == "probability":
        try:
            p = float(form.get("probability", ""))
        except ValueError:
            raise InvalidInput("probability must be a number from 0 to 1") from None
        if not math.isfinite(p):
            raise InvalidInput("probability must be a number from 0 to 1")
        fields["probability"] = p
    if form.get("app", "").strip():
        app_id = int_or_none(form["app"])
        if app_id is None:
            raise InvalidInput("app must be an app id")
        fields["app"] = app_id
    if form.get("account", "").strip():
        fields["account"] = form["account"].strip()
    return fields


@page
async def add_fault(con: Console) -> Response:
    try:
        fields = fault_fields(con.form)
        await write(con, lambda s: faults_store.add_fault(s, fields))
    except StorageError as exc:
        return await _faults_page(con, error=str(exc), status_code=http_status(exc), form=con.form)
    return redirect("/console/faults?ok=fault-added")


@page
async def delete_fault(con: Console) -> Response:
    fault_id = int_or_none(str(con.request.path_params["fault_id"]))
    try:
        await write(con, lambda s: faults_store.delete_fault(s, fault_id if fault_id else -1))
    except StorageError as exc:
        return await _faults_page(con, error=str(exc), status_code=http_status(exc))
    return redirect("/console/faults?ok=fault-removed")


@page
async def clear_faults(con: Console) -> Response:
    await write(con, faults_store.clear_faults)
    return redirect("/console/faults?ok=faults-cleared")


# --- clock --------------------------------------------------------------------------------------

#: About 300 years, as the control API allows.
MAX_OFFSET = 10**10


async def _clock_page(con: Console, error: str | None = None, status_code: int = 200) -> Response:
    offset: float = await read(con, clock.offset)
    return con.render(
        "clock.html", status_code=status_code, now=iso(time.time() + offset),
        wall=iso(time.time()), offset=offset, ok=ok_message(con.request), error=error,
    )


@page
async def clock_page(con: Console) -> Response:
    return await _clock_page(con)


def _new_offset(form: dict[str, str], current: float) -> float:
    action = form.get("action", "")
    if action == "reset":
        return 0.0
    if action == "advance":
        try:
            amount = float(form.get("amount", ""))
        except ValueError:
            raise InvalidInput("the amount must be a number") from None
        unit = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}.get(
            form.get("unit", "seconds")
        )
        if unit is None or not math.isfinite(amount):
            raise InvalidInput("the amount must be a number of seconds, minutes, hours or days")
        return current + amount * unit
    if action == "set":
        raw = form.get("now", "").strip()
        try:
            parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            raise InvalidInput("the time must be ISO 8601, e.g. 2030-01-01T00:00:00Z") from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.timestamp() - time.time()
    raise InvalidInput("choose set, advance or reset")


@page
async def set_clock(con: Console) -> Response:
    def save(s: Session) -> None:
        offset = _new_offset(con.form, clock.offset(s))
        if abs(offset) > MAX_OFFSET:
            raise InvalidInput("that is out of range")
        clock.set_offset(s, offset)

    try:
        await write(con, save)
    except StorageError as exc:
        return await _clock_page(con, error=str(exc), status_code=http_status(exc))
    return redirect("/console/clock?ok=clock-set")
