"""The unlink callback's deliveries (docs/reference/kakao-login.md#unlink-callback): one row per
call of an app's callback, recorded in the transaction that ends the link ("pending"), then
finished with what the call gave ("delivered" or "failed", the HTTP status, the error).

Every function runs inside the caller's transaction; the call itself is made by the web layer
(`web.unlink_callbacks`) after the commit."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from talksocial.storage import clock
from talksocial.storage.errors import NotFound
from talksocial.storage.models import App, WebhookDelivery

UNLINK_FROM_APPS = "UNLINK_FROM_APPS"
UNLINK_FROM_ADMIN = "UNLINK_FROM_ADMIN"
ACCOUNT_DELETE = "ACCOUNT_DELETE"
#: Who ended a link, as the callback's `referrer_type` names them.
REFERRER_TYPES = (UNLINK_FROM_APPS, UNLINK_FROM_ADMIN, ACCOUNT_DELETE)
MAX_LISTED = 1000


@dataclass(frozen=True)
class Call:
    """What one delivery sends."""

    delivery_id: int
    url: str
    method: str
    admin_key: str
    fields: dict[str, str]


def record_unlink(session: Session, app: App, user_id: int, referrer_type: str) -> int | None:
    """A pending delivery when the app has an unlink callback; its id, else None."""
    if not app.unlink_callback_url:
        return None
    row = WebhookDelivery(
        app_id=app.id, user_id=user_id, referrer_type=referrer_type,
        url=app.unlink_callback_url, method=app.unlink_callback_method or "GET",
        status="pending", at=clock.now(session),
    )
    session.add(row)
    session.flush()
    return row.id


def get_delivery(session: Session, delivery_id: int) -> WebhookDelivery:
    row = session.get(WebhookDelivery, delivery_id)
    if row is None:
        raise NotFound(f"unknown delivery {delivery_id}")
    return row


def call_of(session: Session, delivery_id: int) -> Call | None:
    """The request of a pending delivery (None when it is gone or its app is)."""
    row = session.get(WebhookDelivery, delivery_id)
    app = session.get(App, row.app_id) if row is not None else None
    if row is None or app is None:
        return None
    return Call(
        delivery_id=row.id, url=row.url, method=row.method, admin_key=app.admin_key,
        fields={"app_id": str(row.app_id), "user_id": str(row.user_id),
                "referrer_type": row.referrer_type},
    )


def finish(session: Session, delivery_id: int, *, response_code: int | None,
           error: str | None) -> None:
    """Records how the call ended: delivered only on HTTP 200."""
    row = session.get(WebhookDelivery, delivery_id)
    if row is None:
        return
    row.response_code = response_code
    row.status = "delivered" if error is None and response_code == 200 else "failed"
    row.error = error if error is not None else (
        None if response_code == 200 else f"answered HTTP {response_code}"
    )
    session.flush()


def fail_pending(session: Session, error: str) -> None:
    """Deliveries cut off (a server stop) are recorded as failed."""
    for row in session.scalars(select(WebhookDelivery).where(WebhookDelivery.status == "pending")):
        row.status = "failed"
        row.error = error
    session.flush()


def resend(session: Session, delivery_id: int) -> int:
    """A new pending delivery with what the given one sent (the app's current admin key)."""
    old = get_delivery(session, delivery_id)
    row = WebhookDelivery(
        app_id=old.app_id, user_id=old.user_id, referrer_type=old.referrer_type, url=old.url,
        method=old.method, status="pending", at=clock.now(session),
    )
    session.add(row)
    session.flush()
    return row.id


def list_deliveries(session: Session, app_id: int | None = None) -> list[WebhookDelivery]:
    """Newest first."""
    stmt = select(WebhookDelivery).order_by(WebhookDelivery.id.desc()).limit(MAX_LISTED)
    if app_id is not None:
        stmt = stmt.where(WebhookDelivery.app_id == app_id)
    return list(session.scalars(stmt))
