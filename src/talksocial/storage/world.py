"""The world as a whole: export it as a seed document, import one (an upsert), keep a
snapshot of it at start-up and reset to that snapshot, or clear it.

Every function runs inside the caller's transaction; a refused edit raises a `StorageError`."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from talksocial.storage import clock
from talksocial.storage.errors import Conflict, InvalidInput
from talksocial.storage.models import (
    Account,
    App,
    AuthCode,
    FaultRule,
    FriendCount,
    FriendRow,
    Friendship,
    JournalEntry,
    Link,
    LoginSession,
    LoginThrottle,
    Message,
    MessageTemplate,
    MultiProfile,
    QuotaLimit,
    QuotaUsage,
    RateCounter,
    ServerState,
    Token,
    TokenIssuance,
    WebhookDelivery,
)
from talksocial.storage.seed import SeedError, export_world, load_world
from talksocial.storage.versions import bump_version

#: server_state key of the start-up snapshot (a seed document + clock offset).
SNAPSHOT_KEY = "startup_snapshot"


def export(session: Session) -> dict[str, Any]:
    return export_world(session)


def import_world(session: Session, document: Any) -> list[dict[str, Any]]:
    """Loads a seed document (an upsert, docs/reference/seed-format.md); returns the tokens it generated. A bad
    document raises InvalidInput naming the path of the fault."""
    try:
        generated = load_world(session, document)
    except SeedError as exc:
        raise InvalidInput(str(exc)) from exc
    return [
        {"app": t.app_id, "account": t.account_key, "access_token": t.access_token}
        for t in generated
    ]


def snapshot_startup(session: Session) -> None:
    """Keeps the world as it is now (right after start-up and seeding) for `reset_world`, in the
    database so that every worker can reset."""
    links = {
        f"{row.app_id}:{row.account_id}": row.connected_at for row in session.scalars(select(Link))
    }
    key_of = {a.id: a.key for a in session.scalars(select(Account))}
    body = {
        "world": export(session),
        "clock_offset": clock.offset(session),
        "connected_at": {
            f"{k.split(':')[0]}:{key_of[int(k.split(':')[1])]}": v for k, v in links.items()
        },
    }
    state = session.get(ServerState, SNAPSHOT_KEY)
    text = json.dumps(body, ensure_ascii=False)
    if state is None:
        session.add(ServerState(key=SNAPSHOT_KEY, value=text))
    else:
        state.value = text
    session.flush()


def drop_startup_snapshot(session: Session) -> None:
    """No snapshot for this start (the world is too large to keep one): `reset` answers 409
    rather than restoring the snapshot of an earlier start."""
    state = session.get(ServerState, SNAPSHOT_KEY)
    if state is not None:
        session.delete(state)
        session.flush()


def clear_world(session: Session) -> None:
    """Deletes every app, account, link, token, code, login session, wrong-password count,
    fault, quota, journal entry, message template, delivered message, unlink callback delivery
    and rate counter (the signing keys and the start-up snapshot stay)."""
    for model in (WebhookDelivery, RateCounter, Message, MessageTemplate, FriendRow, FriendCount, TokenIssuance, LoginSession,
                  LoginThrottle, AuthCode, Token, FaultRule,
                  QuotaLimit, QuotaUsage, JournalEntry, Link, Friendship, MultiProfile, Account,
                  App):
        session.execute(delete(model))
    session.flush()


def reset_world(session: Session) -> None:
    """Back to the state right after start-up and seeding: the world, the clock; no faults,
    quotas or journal."""
    state = session.get(ServerState, SNAPSHOT_KEY)
    if state is None:
        raise Conflict(
            "no start-up snapshot: the server was not started by `talksocial serve`, or its "
            "world was too large to keep one"
        )
    body = json.loads(state.value)
    clear_world(session)
    import_world(session, body["world"])
    key_to_id = {a.key: a.id for a in session.scalars(select(Account))}
    for ref, connected_at in body.get("connected_at", {}).items():
        app_part, _, account_key = ref.partition(":")
        account_id = key_to_id.get(account_key)
        if account_id is not None:
            session.execute(
                update(Link)
                .where(Link.app_id == int(app_part), Link.account_id == account_id)
                .values(connected_at=connected_at)
            )
    clock.set_offset(session, float(body.get("clock_offset", 0.0)))
    bump_version(session, new_epoch=True)
