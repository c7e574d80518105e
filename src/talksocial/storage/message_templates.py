"""An app's custom message templates (the Message API's `template_id`): a template object with
`${name}` placeholders, checked like any template object when it is registered.

Every function runs inside the caller's transaction; a refused edit raises a `StorageError`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from talksocial.domain.errors import InvalidArgument
from talksocial.domain.messages import validate_template
from talksocial.storage import fields as f
from talksocial.storage.errors import Conflict, InvalidInput, NotFound
from talksocial.storage.models import MessageTemplate

TEMPLATE_FIELDS = ("id", "template_object")
MAX_TEMPLATE_ID = 2**53


def template_view(row: MessageTemplate) -> dict[str, Any]:
    return {"id": row.template_id, "template_object": json.loads(row.template_object)}


def checked_template(value: Any, path: str = "template_object") -> dict[str, Any]:
    """A template object as a template may hold it; InvalidInput naming the faulty field."""
    try:
        return validate_template(value, path)
    except InvalidArgument as exc:
        raise InvalidInput(exc.msg) from None


def list_templates(session: Session, app_id: int) -> list[MessageTemplate]:
    return list(
        session.scalars(
            select(MessageTemplate)
            .where(MessageTemplate.app_id == app_id)
            .order_by(MessageTemplate.template_id)
        )
    )


def find_template(session: Session, app_id: int, template_id: int) -> dict[str, Any] | None:
    row = session.get(MessageTemplate, (app_id, template_id))
    return json.loads(row.template_object) if row is not None else None


def create_template(session: Session, app_id: int, fields: Mapping[str, Any]) -> MessageTemplate:
    f.only_keys(fields, TEMPLATE_FIELDS, "message_template")
    if fields.get("id") is None:
        raise InvalidInput("id is required")
    template_id = f.integer(fields["id"], "id", maximum=MAX_TEMPLATE_ID)
    if session.get(MessageTemplate, (app_id, template_id)) is not None:
        raise Conflict(f"app {app_id} already has message template {template_id}")
    body = checked_template(fields.get("template_object"))
    row = MessageTemplate(app_id=app_id, template_id=template_id,
                          template_object=json.dumps(body))
    session.add(row)
    session.flush()
    return row


def replace_template(session: Session, app_id: int, template_id: int,
                     fields: Mapping[str, Any]) -> MessageTemplate:
    f.only_keys(fields, TEMPLATE_FIELDS, "message_template")
    row = session.get(MessageTemplate, (app_id, template_id))
    if row is None:
        raise NotFound(f"app {app_id} has no message template {template_id}")
    if fields.get("id") is not None and fields["id"] != template_id:
        raise InvalidInput("id: a template keeps its id")
    row.template_object = json.dumps(checked_template(fields.get("template_object")))
    session.flush()
    return row


def delete_template(session: Session, app_id: int, template_id: int) -> None:
    row = session.get(MessageTemplate, (app_id, template_id))
    if row is None:
        raise NotFound(f"app {app_id} has no message template {template_id}")
    session.delete(row)
    session.flush()


def replace_all(session: Session, app_id: int, templates: Any) -> None:
    """The app's templates, exactly these (a PATCH of the app's `message_templates`)."""
    if not isinstance(templates, list):
        raise InvalidInput("message_templates must be a list")
    session.execute(delete(MessageTemplate).where(MessageTemplate.app_id == app_id))
    session.flush()
    for i, raw in enumerate(templates):
        if not isinstance(raw, dict):
            raise InvalidInput(f"message_templates[{i}] must be an object")
        try:
            create_template(session, app_id, raw)
        except InvalidInput as exc:
            raise InvalidInput(f"message_templates[{i}]: {exc}") from None
        except Conflict:
            raise InvalidInput(f"message_templates[{i}].id: duplicate id") from None
