"""Links: an account linked to an app (Kakao Login), with its app-scoped `user_id` and `uuid`
and the consent items it agreed to.

This is the one place a link is created (`_new_link`, and `insert_link_rows` for a seed file's
bulk load); the control plane (`create_link`), the console, Kakao Login consent and
`talksocial token issue` (`ensure_link`) all come here. Every function runs inside the caller's
transaction and refreshes the friend index for what it changed; a refused edit raises a
`StorageError`."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from talksocial.domain.consent import required_items
from talksocial.storage import clock, friend_index, ids, webhooks
from talksocial.storage import fields as f
from talksocial.storage.accounts import get_account
from talksocial.storage.apps import get_app
from talksocial.storage.errors import Conflict, InvalidInput, NotFound
from talksocial.storage.models import Account, App, AuthCode, Link, Token

LINK_FIELDS = ("user_id", "uuid", "scopes", "accepts_messages", "properties")
MAX_PROPERTY_VALUE = 2000
#: Rows per bulk INSERT statement.
_BATCH = 2000


def list_links(
    session: Session, *, app_id: int | None = None, account_key: str | None = None
) -> list[Link]:
    stmt = select(Link).order_by(Link.app_id, Link.position, Link.user_id)
    if app_id is not None:
        stmt = stmt.where(Link.app_id == get_app(session, app_id).id)
    if account_key is not None:
        stmt = stmt.where(Link.account_id == get_account(session, account_key).id)
    return list(session.scalars(stmt))


def get_link(session: Session, app_id: int, account_key: str) -> Link:
    app = get_app(session, app_id)
    account = get_account(session, account_key)
    found = session.get(Link, (app.id, account.id))
    if found is None:
        raise NotFound(f"account {account_key!r} is not linked to app {app_id}")
    return found


def _check_scopes(app: App, scopes: Any) -> list[str]:
    items: dict[str, str] = json.loads(app.consent_items)
    names = f.string_list(scopes, "scopes")
    if len(set(names)) != len(names):
        raise InvalidInput("scopes: duplicate scope")
    for i, scope in enumerate(names):
        if scope not in items:
            raise InvalidInput(f"scopes[{i}]: app {app.id} does not use {scope!r}")
    for item in required_items(items):
        if item not in names:
            raise InvalidInput(f"scopes: missing required item {item!r} of app {app.id}")
    return names


def _check_ids(session: Session, app_id: int, account_id: int, user_id: int | None,
               uuid: str | None) -> None:
    if user_id is not None:
        holder = session.scalar(
            select(Link.account_id).where(Link.app_id == app_id, Link.user_id == user_id)
        )
        if holder is not None and holder != account_id:
            raise Conflict(f"user_id {user_id} is taken in app {app_id}")
    if uuid is not None:
        holder = session.scalar(
            select(Link.account_id).where(Link.app_id == app_id, Link.uuid == uuid)
        )
        if holder is not None and holder != account_id:
            raise Conflict(f"uuid {uuid!r} is taken in app {app_id}")


def _new_link(
    session: Session,
    app: App,
    account: Account,
    scopes: Sequence[str],
    *,
    user_id: int | None = None,
    uuid: str | None = None,
) -> Link:
    """The link row: ids drawn (unique in the app) when not given, connected now (server
    clock), listed after every other link."""
    if user_id is None:
        user_id = ids.new_user_id(
            lambda candidate: session.scalar(
                select(Link.account_id).where(Link.app_id == app.id, Link.user_id == candidate)
            ) is not None
        )
    if uuid is None:
        uuid = ids.new_uuid(
            lambda candidate: session.scalar(
                select(Link.account_id).where(Link.app_id == app.id, Link.uuid == candidate)
            ) is not None
        )
    position = (session.scalar(select(func.max(Link.position))) or 0) + 1
    created = Link(app_id=app.id, account_id=account.id, user_id=user_id, uuid=uuid,
                   scopes=json.dumps(list(scopes)), connected_at=clock.now(session),
                   position=position)
    session.add(created)
    session.flush()
    friend_index.refresh_account(session, account.id)
    return created


def create_link(
    session: Session, app_id: int, account_key: str, fields: Mapping[str, Any] | None = None
) -> Link:
    """Links the account to the app: `user_id`, `uuid` (generated when left out, unique in the
    app), `scopes` (default: the app's required items; must hold them all)."""
    fields = fields or {}
    f.only_keys(fields, LINK_FIELDS, "link")
    app = get_app(session, app_id)
    account = get_account(session, account_key)
    if session.get(Link, (app.id, account.id)) is not None:
        raise Conflict(f"account {account_key!r} is already linked to app {app_id}")
    items: dict[str, str] = json.loads(app.consent_items)
    scopes = (
        _check_scopes(app, fields["scopes"]) if fields.get("scopes") is not None
        else required_items(items)
    )
    user_id = f.integer(fields["user_id"], "user_id") if fields.get("user_id") is not None else None
    uuid = f.string(fields["uuid"], "uuid", max_len=200) if fields.get("uuid") is not None else None
    _check_ids(session, app.id, account.id, user_id, uuid)
    created = _new_link(session, app, account, scopes, user_id=user_id, uuid=uuid)
    if "accepts_messages" in fields:
        created.accepts_messages = f.boolean(fields["accepts_messages"], "accepts_messages")
        session.flush()
    if fields.get("properties") is not None:
        created.properties = json.dumps(check_properties(app, fields["properties"]))
        session.flush()
    return created


def check_properties(app: App, value: Any) -> dict[str, str]:
    """A link's user properties: an object of strings whose keys the app declares."""
    if not isinstance(value, dict):
        raise InvalidInput("properties must be an object")
    declared = json.loads(app.user_properties or "[]")
    out: dict[str, str] = {}
    for key, item in value.items():
        if key not in declared:
            raise InvalidInput(f"properties.{key}: app {app.id} declares no such user property")
        out[key] = f.string(item, f"properties.{key}", empty=True, max_len=MAX_PROPERTY_VALUE)
    return out


def link_properties(app: App, found: Link) -> dict[str, str]:
    """The link's stored properties the app still declares, in the app's order."""
    stored: dict[str, str] = json.loads(found.properties or "{}")
    declared: list[str] = json.loads(app.user_properties or "[]")
    return {key: stored[key] for key in declared if key in stored}


def merge_properties(session: Session, found: Link, changes: Mapping[str, str]) -> None:
    """/v1/user/update_profile: the given keys set, the others kept (checked by the caller)."""
    stored: dict[str, str] = json.loads(found.properties or "{}")
    stored.update(changes)
    found.properties = json.dumps(stored)
    session.flush()


def agreed_items(app: App, named: Sequence[str]) -> list[str]:
    """What a link agrees to when these items are named: the app's required items first, then
    the others named, each once (docs/reference/command-line.md)."""
    required = required_items(json.loads(app.consent_items))
    return required + [n for i, n in enumerate(named) if n not in required and n not in named[:i]]


def ensure_link(
    session: Session, app: App, account: Account, named: Sequence[str] | None
) -> Link:
    """Links the account to the app when it is not yet (Kakao Login consent, `token issue`).
    `named` (when given) sets the agreed items to `agreed_items(app, named)`; a new link
    without it agrees to the required items."""
    scopes = None if named is None else _check_scopes(app, agreed_items(app, named))
    found = session.get(Link, (app.id, account.id))
    if found is None:
        return _new_link(session, app, account,
                         scopes if scopes is not None else agreed_items(app, []))
    if scopes is not None and json.loads(found.scopes) != scopes:
        found.scopes = json.dumps(scopes)
        session.flush()
        friend_index.refresh_account(session, account.id)
    return found


def update_link(
    session: Session, app_id: int, account_key: str, changes: Mapping[str, Any]
) -> Link:
    """Changes a link's `user_id`, `uuid` (unique in the app), `scopes` or
    `accepts_messages`."""
    f.only_keys(changes, LINK_FIELDS, "link")
    found = get_link(session, app_id, account_key)
    app = get_app(session, app_id)
    user_id = f.integer(changes["user_id"], "user_id") if "user_id" in changes else None
    uuid = f.string(changes["uuid"], "uuid", max_len=200) if "uuid" in changes else None
    _check_ids(session, found.app_id, found.account_id, user_id, uuid)
    if user_id is not None:
        found.user_id = user_id
    if uuid is not None:
        found.uuid = uuid
    if "scopes" in changes:
        found.scopes = json.dumps(_check_scopes(app, changes["scopes"]))
    if "accepts_messages" in changes:
        found.accepts_messages = f.boolean(changes["accepts_messages"], "accepts_messages")
    if "properties" in changes:
        found.properties = json.dumps(check_properties(app, changes["properties"] or {}))
    session.flush()
    friend_index.refresh_account(session, found.account_id)
    return found


def set_consents(session: Session, app_id: int, account_key: str, scopes: Any) -> Link:
    """The link's agreed items, exactly: every one the app uses, all its required ones."""
    return update_link(session, app_id, account_key, {"scopes": scopes})


def unlink(session: Session, app_id: int, account_key: str,
           referrer_type: str = webhooks.UNLINK_FROM_ADMIN) -> int | None:
    """Removes the link, its consents, its tokens and codes (as /v1/user/unlink does), ended
    by the user in their Kakao account (UNLINK_FROM_APPS) or the operator
    (UNLINK_FROM_ADMIN): the app's unlink callback is recorded; its delivery id, if any."""
    if referrer_type not in (webhooks.UNLINK_FROM_APPS, webhooks.UNLINK_FROM_ADMIN):
        raise InvalidInput("referrer_type must be UNLINK_FROM_APPS or UNLINK_FROM_ADMIN")
    found = get_link(session, app_id, account_key)
    app = get_app(session, app_id)
    user_id = found.user_id
    remove_link(session, found.app_id, found.account_id)
    return webhooks.record_unlink(session, app, user_id, referrer_type)


def remove_link(session: Session, app_id: int, account_id: int) -> None:
    """Removes the link, its consents (the link's scopes), its codes and all its tokens, and
    takes the account out of every friends list of the app (/v1/user/unlink, the control
    plane, the console)."""
    session.execute(
        delete(Token)
        .where(Token.app_id == app_id, Token.account_id == account_id)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        delete(AuthCode)
        .where(AuthCode.app_id == app_id, AuthCode.account_id == account_id)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        delete(Link)
        .where(Link.app_id == app_id, Link.account_id == account_id)
        .execution_options(synchronize_session=False)
    )
    friend_index.refresh_account(session, account_id)


def insert_link_rows(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    """New links in bulk (a seed file's), their ids already drawn with `ids` and their columns
    all given; the caller refreshes the friend index once for the whole load."""
    conn = session.connection()
    for start in range(0, len(rows), _BATCH):
        conn.execute(insert(Link), [dict(row) for row in rows[start : start + _BATCH]])


def lock_link(session: Session, app_id: int, account_id: int) -> Link | None:
    """The link, locked for the rest of the transaction: FOR UPDATE (PostgreSQL) serialises
    concurrent token grants of one (app, account), so the issuance limits hold under load;
    SQLite's BEGIN IMMEDIATE serialises all writes anyway."""
    return session.scalar(
        select(Link).where(Link.app_id == app_id, Link.account_id == account_id).with_for_update()
    )


def set_link_scopes(session: Session, found: Link, scopes: Sequence[str]) -> None:
    """The link's agreed items, as the caller's rules decided them (/v2/user/revoke/scopes)."""
    found.scopes = json.dumps(list(scopes))
    session.flush()
    friend_index.refresh_account(session, found.account_id)
