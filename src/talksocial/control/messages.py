"""The control plane's part of the Talk Message API (docs/server/control-plane.md#messages):
the inbox of delivered messages, read and cleared; an app's custom message templates.

Each function is the work of one endpoint (`control.routes._endpoint` runs it in a transaction
or a read-only session); an app's limits and a link's `accepts_messages` are fields of the app
and link endpoints."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request

from talksocial.storage import message_templates, messages
from talksocial.storage.apps import get_app
from talksocial.storage.errors import InvalidInput, NotFound

MAX_TEMPLATE_ID = message_templates.MAX_TEMPLATE_ID


def _int_param(request: Request, name: str, default: int, maximum: int) -> int:
    raw = request.query_params.get(name, "").strip()
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > 12 or int(raw) > maximum:
        raise InvalidInput(f"{name} must be an integer from 0 to {maximum}")
    return int(raw)


def _since(request: Request) -> float | None:
    """`since`: an ISO 8601 instant (UTC when it names no zone) or seconds since the epoch."""
    raw = request.query_params.get("since", "").strip()
    if not raw:
        return None
    try:
        return float(raw) if raw.replace(".", "", 1).isdigit() else _instant(raw)
    except (ValueError, OverflowError):
        raise InvalidInput("since must be an ISO 8601 instant or epoch seconds") from None


def _instant(raw: str) -> float:
    parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def list_inbox(s: Session, request: Request, body: Any) -> Any:
    app_raw = request.query_params.get("app", "").strip()
    app_id = None
    if app_raw:
        if not app_raw.isascii() or not app_raw.isdigit() or len(app_raw) > 19:
            raise InvalidInput("app must be an app id")
        app_id = int(app_raw)
    account = request.query_params.get("account") or None
    rows, total = messages.list_messages(
        s,
        app_id=app_id,
        account_key=account,
        since=_since(request),
        limit=_int_param(request, "limit", 100, messages.MAX_PAGE),
        offset=_int_param(request, "offset", 0, 10**9),
    )
    return {"messages": rows, "total_count": total}


def clear_inbox(s: Session, request: Request, body: Any) -> Any:
    return {"deleted": messages.clear_messages(s)}


def _template_id(request: Request) -> int:
    raw: str = request.path_params["template_id"]
    if not raw.isascii() or not raw.isdigit() or len(raw) > 16 or int(raw) > MAX_TEMPLATE_ID:
        raise InvalidInput("template_id must be a positive integer")
    return int(raw)


def _app(s: Session, request: Request) -> int:
    app_id: int = request.path_params["app_id"]
    return get_app(s, app_id).id


def list_templates(s: Session, request: Request, body: Any) -> Any:
    app_id = _app(s, request)
    return {"message_templates": [message_templates.template_view(t)
                                  for t in message_templates.list_templates(s, app_id)]}


def create_template(s: Session, request: Request, body: Any) -> Any:
    app_id = _app(s, request)
    if not isinstance(body, dict):
        raise InvalidInput("the body must be a JSON object")
    return message_templates.template_view(message_templates.create_template(s, app_id, body))


def get_template(s: Session, request: Request, body: Any) -> Any:
    app_id = _app(s, request)
    template_id = _template_id(request)
    found = message_templates.find_template(s, app_id, template_id)
    if found is None:
        raise NotFound(f"app {app_id} has no message template {template_id}")
    return {"id": template_id, "template_object": found}


def replace_template(s: Session, request: Request, body: Any) -> Any:
    app_id = _app(s, request)
    if not isinstance(body, dict):
        raise InvalidInput("the body must be a JSON object")
    return message_templates.template_view(
        message_templates.replace_template(s, app_id, _template_id(request), body)
    )


def delete_template(s: Session, request: Request, body: Any) -> Any:
    message_templates.delete_template(s, _app(s, request), _template_id(request))
