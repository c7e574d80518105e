"""The Message API's deliveries and the inbox (docs/reference/messages.md).

`send_to_me` and `send_to_friends` decide and store in the caller's write transaction: the
daily limits are counted from the stored messages there, and write transactions take turns
(`storage.db.transaction`), so a limit is exact on every worker of every machine. Only
delivered messages are stored, and only they count."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from talksocial.domain import messages as rules
from talksocial.domain.consent import TALK_MESSAGE
from talksocial.storage import clock
from talksocial.storage.accounts import get_account
from talksocial.storage.apps import get_app
from talksocial.storage.models import Account, App, FriendRow, Link, Message
from talksocial.storage.quotas import kst_day

MAX_PAGE = 1000


def app_limits(app: App) -> rules.Limits:
    return rules.Limits.of(json.loads(app.message_limits or "{}"))


@dataclass
class FriendsOutcome:
    """What a send to friends did: nothing when `unknown_receivers` (-2) or `app_limit` (-10);
    else the uuids delivered, and the others by failure code (in the order first met)."""

    unknown_receivers: bool = False
    app_limit: bool = False
    delivered: list[str] = field(default_factory=list)
    failures: dict[int, list[str]] = field(default_factory=dict)


def _count(session: Session, *conditions: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(Message).where(*conditions)) or 0)


def _store(session: Session, app_id: int, sender_id: int, receiver_id: int, endpoint: str,
           template: dict[str, Any], now: float, day: str) -> None:
    session.add(Message(app_id=app_id, sender_id=sender_id, receiver_id=receiver_id,
                        endpoint=endpoint,
                        template_object=json.dumps(template),
                        sent_at=now, day=day))


def send_to_me(session: Session, app_id: int, account_id: int, endpoint: str,
               template: dict[str, Any]) -> bool:
    """Stores the message in the account's own chat; False (nothing stored) when it would pass
    the app's daily limit."""
    app = get_app(session, app_id)
    now = clock.now(session)
    day = kst_day(now)
    if _count(session, Message.app_id == app_id, Message.day == day) + 1 > app_limits(app).per_app:
        return False
    _store(session, app_id, account_id, account_id, endpoint, template, now, day)
    session.flush()
    return True


def send_to_friends(session: Session, app_id: int, sender_id: int, endpoint: str,
                    template: dict[str, Any], uuids: Sequence[str]) -> FriendsOutcome:
    """Each receiver in turn: -502 (not a friend listable to the sender, or the sender),
    -530 (refuses the app's messages or has not agreed to talk_message), -532, -533, -536 (the
    day's limits, counting the messages this call accepted before); then the app's limit for
    the whole call."""
    app = get_app(session, app_id)
    limits = app_limits(app)
    links = {
        row.uuid: row
        for row in session.scalars(select(Link).where(Link.app_id == app_id, Link.uuid.in_(uuids)))
    }
    if any(uuid not in links for uuid in uuids):
        return FriendsOutcome(unknown_receivers=True)
    now = clock.now(session)
    day = kst_day(now)
    friends = set(
        session.scalars(
            select(FriendRow.friend_id).where(
                FriendRow.app_id == app_id,
                FriendRow.owner_id == sender_id,
                FriendRow.friend_id.in_([link.account_id for link in links.values()]),
            )
        )
    )
    not_to_self = Message.receiver_id != Message.sender_id
    today = (Message.app_id == app_id, Message.day == day, not_to_self)
    sent_by_sender = _count(session, *today, Message.sender_id == sender_id)
    outcome = FriendsOutcome()
    accepted: list[Link] = []
    for uuid in uuids:
        link = links[uuid]
        code: int | None = None
        if link.account_id == sender_id or link.account_id not in friends:
            code = rules.NOT_A_FRIEND
        elif not link.accepts_messages or TALK_MESSAGE not in json.loads(link.scopes):
            code = rules.REFUSES_MESSAGES
        elif sent_by_sender + len(accepted) >= limits.per_sender:
            code = rules.SENDER_LIMIT
        elif _count(session, *today, Message.receiver_id == link.account_id) >= limits.per_receiver:
            code = rules.RECEIVER_LIMIT
        elif _count(session, *today, Message.sender_id == sender_id,
                    Message.receiver_id == link.account_id) >= limits.per_pair:
            code = rules.PAIR_LIMIT
        if code is None:
            accepted.append(link)
        else:
            outcome.failures.setdefault(code, []).append(uuid)
    if accepted and (
        _count(session, Message.app_id == app_id, Message.day == day) + len(accepted)
        > limits.per_app
    ):
        return FriendsOutcome(app_limit=True)
    for link in accepted:
        _store(session, app_id, sender_id, link.account_id, endpoint, template, now, day)
        outcome.delivered.append(link.uuid)
    session.flush()
    return outcome


# --- the inbox, for operators ------------------------------------------------------------------


def _iso(instant: float) -> str:
    return datetime.fromtimestamp(instant, UTC).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z")


def message_view(row: Message, keys: dict[int, str]) -> dict[str, Any]:
    return {
        "id": row.id,
        "app": row.app_id,
        "sender": keys.get(row.sender_id, ""),
        "receiver": keys.get(row.receiver_id, ""),
        "endpoint": row.endpoint,
        "template_object": json.loads(row.template_object),
        "sent_at": _iso(row.sent_at),
    }


def list_messages(
    session: Session,
    *,
    app_id: int | None = None,
    account_key: str | None = None,
    since: float | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """Delivered messages, newest first, and how many match in all. `account_key` matches the
    sender or the receiver; `since` (server-clock seconds) keeps those sent at or after it."""
    conditions: list[Any] = []
    if app_id is not None:
        conditions.append(Message.app_id == get_app(session, app_id).id)
    if account_key is not None:
        account_id = get_account(session, account_key).id
        conditions.append(or_(Message.sender_id == account_id, Message.receiver_id == account_id))
    if since is not None:
        conditions.append(Message.sent_at >= since)
    total = _count(session, *conditions)
    rows = list(
        session.scalars(
            select(Message).where(*conditions).order_by(Message.id.desc())
            .offset(max(0, offset)).limit(max(1, min(limit, MAX_PAGE)))
        )
    )
    ids = {r.sender_id for r in rows} | {r.receiver_id for r in rows}
    keys = {
        a.id: a.key for a in session.scalars(select(Account).where(Account.id.in_(ids)))
    } if ids else {}
    return [message_view(r, keys) for r in rows], total


def clear_messages(session: Session) -> int:
    done = session.execute(delete(Message))
    return int(done.rowcount or 0)  # type: ignore[attr-defined]


def delete_for_app(session: Session, app_id: int) -> None:
    session.execute(delete(Message).where(Message.app_id == app_id))


def delete_for_account(session: Session, account_id: int) -> None:
    session.execute(
        delete(Message).where(
            or_(Message.sender_id == account_id, Message.receiver_id == account_id)
        )
    )
