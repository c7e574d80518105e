"""Loading a seed document (docs/reference/seed-format.md) in the caller's transaction: validated first against
itself and the stored world, then written as an upsert keyed by app id, account key, (app,
account) and token, so that loading a file twice leaves the same world. An account named in the
file owns its friend list and multi-profiles: they are replaced by what the file lists.

Accounts, friend lists and links are written with bulk Core statements, a batch at a time; new
links take their ids from `storage.ids` and go in through `storage.links`, tokens through
`storage.tokens`, as every other writer's."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from talksocial.domain.secrets import hash_password, new_token, sha256_hex, verify_password
from talksocial.storage import friend_index, message_templates
from talksocial.storage.clock import now
from talksocial.storage.ids import new_user_id, new_uuid
from talksocial.storage.links import insert_link_rows
from talksocial.storage.models import Account, App, Friendship, Link, MultiProfile
from talksocial.storage.seed.validate import KEY_FIELDS, Known, parse_instant, validate_world
from talksocial.storage.tokens import ACCESS_TOKEN_LIFETIME, put_seeded_token, seeded_token_digest

_CHUNK = 500
#: Rows per bulk INSERT/UPDATE statement.
_BATCH = 2000


def known_from_db(session: Session) -> Known:
    known = Known()
    for app in session.scalars(select(App)):
        known.apps[app.id] = json.loads(app.consent_items)
        for key_field in KEY_FIELDS:
            known.stored_app_keys[getattr(app, key_field)] = (app.id, key_field)
    known.accounts.update(session.scalars(select(Account.key)))
    for app_id, key, user_id, uuid, scopes in session.execute(
        select(Link.app_id, Account.key, Link.user_id, Link.uuid, Link.scopes).join(
            Account, Account.id == Link.account_id
        )
    ):
        known.stored_links[(app_id, key)] = json.loads(scopes)
        known.stored_user_ids[(app_id, user_id)] = key
        known.stored_uuids[(app_id, uuid)] = key
    return known


@dataclass(frozen=True)
class GeneratedToken:
    """A token the file declared without a value: only its hash is stored, so the loader
    hands the token itself back once, to be shown."""

    app_id: int
    account_key: str
    access_token: str


def load_world(session: Session, data: Any) -> list[GeneratedToken]:
    """Validates `data` against itself and the stored world, then writes it through `session`
    (the caller owns the transaction: nothing is committed on error). Returns the tokens it
    generated."""
    # References may point at apps, accounts and links already stored; a link stored before
    # may be declared again (an upsert), only a duplicate inside the file is an error.
    validate_world(data, known_from_db(session))
    clock_now = now(session)
    # Nothing is flushed before it is complete (NOT NULL columns are filled in steps).
    with session.no_autoflush:
        _load_apps(session, data.get("apps") or [])
        accounts = _load_accounts(session, data.get("accounts") or [])
        _load_links(session, data.get("links") or [], accounts, clock_now)
        generated = [
            token
            for position, raw in enumerate(data.get("tokens") or [])
            if (token := _load_token(session, raw, accounts[raw["account"]], position, clock_now))
        ]
        session.flush()
    # Accounts and links were written with bulk statements: objects the session may hold from
    # before are reloaded on their next use.
    session.expire_all()
    friend_index.refresh_all(session)
    return generated




def _load_apps(session: Session, raws: list[dict[str, Any]]) -> None:
    apps: list[tuple[App, dict[str, Any]]] = []
    new_apps: list[App] = []
    for i, raw in enumerate(raws):
        found = session.get(App, raw["id"])
        if found is None:
            app = App(id=raw["id"], name=f"App {raw['id']}")
            for key_field in KEY_FIELDS:
                setattr(app, key_field, secrets.token_hex(16))
            new_apps.append(app)
        else:
            # Keys may move between apps of the file: free the unique hashes first.
            app = found
            for key_field in KEY_FIELDS:
                setattr(app, f"{key_field}_sha256", f"moving-{key_field}-{i}")
        apps.append((app, raw))
    session.flush()
    session.add_all(new_apps)
    for app, raw in apps:
        if "name" in raw:
            app.name = raw["name"]
        for key_field in KEY_FIELDS:
            if raw.get(key_field):
                setattr(app, key_field, raw[key_field])
            setattr(app, f"{key_field}_sha256", sha256_hex(getattr(app, key_field)))
        app.client_secret = raw.get("client_secret")
        app.redirect_uris = json.dumps(list(raw.get("redirect_uris") or []))
        app.logout_redirect_uris = json.dumps(list(raw.get("logout_redirect_uris") or []))
        app.web_domains = json.dumps(list(raw.get("web_domains") or []))
        app.consent_items = json.dumps(dict(raw.get("consent_items") or {}))
        app.message_limits = json.dumps(dict(raw.get("message_limits") or {}))
        app.user_properties = json.dumps(list(raw.get("user_properties") or []))
        app.unlink_callback_url = raw.get("unlink_callback_url") or None
        app.unlink_callback_method = raw.get("unlink_callback_method") or "GET"
    session.flush()
    for app, raw in apps:
        message_templates.replace_all(session, app.id, list(raw.get("message_templates") or []))


def _load_accounts(session: Session, raws: list[dict[str, Any]]) -> dict[str, int]:
    """Upserts the accounts, replaces the friend lists and multi-profiles of those in the file;
    returns the id of every account by key. Bulk Core statements, a batch at a time: a world
    of ten thousand accounts is a few dozen round trips, not tens of thousands."""
    stored = {
        row.key: (row.id, row.password_hash)
        for row in session.execute(select(Account.id, Account.key, Account.password_hash))
    }
    new_rows: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for position, raw in enumerate(raws):
        found = stored.get(raw["key"])
        if found is None:
            new_rows.append({"key": raw["key"], "position": position, **_account_values(raw, None)})
        else:
            updates.append({"b_id": found[0], **_account_values(raw, found[1])})
    if updates:
        columns: dict[str, Any] = {name: bindparam(name) for name in updates[0] if name != "b_id"}
        update_stmt = update(Account).where(Account.id == bindparam("b_id")).values(columns)
        for start in range(0, len(updates), _BATCH):
            session.connection().execute(update_stmt, updates[start : start + _BATCH])
    for start in range(0, len(new_rows), _BATCH):
        session.connection().execute(insert(Account), new_rows[start : start + _BATCH])
    ids: dict[str, int] = {
        key: account_id for account_id, key in session.execute(select(Account.id, Account.key))
    }

    owners = [ids[raw["key"]] for raw in raws]
    for start in range(0, len(owners), _CHUNK):
        chunk = owners[start : start + _CHUNK]
        session.execute(delete(Friendship).where(Friendship.owner_id.in_(chunk)))
        session.execute(delete(MultiProfile).where(MultiProfile.account_id.in_(chunk)))

    mp_rows = [
        {
            "account_id": ids[raw["key"]],
            "key": mp_raw.get("key", f"mp{position + 1}"),
            "nickname": mp_raw["nickname"],
            "profile_image_url": mp_raw.get("profile_image_url"),
            "thumbnail_url": mp_raw.get("thumbnail_url"),
            "position": position,
        }
        for raw in raws
        for position, mp_raw in enumerate(raw.get("multi_profiles") or [])
    ]
    shown: dict[tuple[int, str], int] = {}  # (owner, friend key) -> multi-profile id
    if mp_rows:
        for start in range(0, len(mp_rows), _BATCH):
            session.connection().execute(insert(MultiProfile), mp_rows[start : start + _BATCH])
        mp_owners = sorted({row["account_id"] for row in mp_rows})
        mp_ids: dict[tuple[int, str], int] = {}
        for start in range(0, len(mp_owners), _CHUNK):
            chunk = mp_owners[start : start + _CHUNK]
            for mp_id, account_id, mp_key in session.execute(
                select(MultiProfile.id, MultiProfile.account_id, MultiProfile.key).where(
                    MultiProfile.account_id.in_(chunk)
                )
            ):
                mp_ids[(account_id, mp_key)] = mp_id
        for raw in raws:
            owner_id = ids[raw["key"]]
            for position, mp_raw in enumerate(raw.get("multi_profiles") or []):
                mp_id = mp_ids[(owner_id, mp_raw.get("key", f"mp{position + 1}"))]
                for target in mp_raw.get("shown_to") or []:
                    shown[(owner_id, target)] = mp_id
    rows = [
        {
            "owner_id": ids[raw["key"]],
            "friend_id": ids[friend["account"]],
            "favorite": bool(friend.get("favorite", False)),
            "hidden": bool(friend.get("hidden", False)),
            "blocked": bool(friend.get("blocked", False)),
            "shown_profile_id": shown.get((ids[raw["key"]], friend["account"])),
            "position": position,
        }
        for raw in raws
        for position, friend in enumerate(raw.get("friends") or [])
    ]
    for start in range(0, len(rows), _BATCH):
        session.connection().execute(insert(Friendship), rows[start : start + _BATCH])
    return ids


def _load_links(
    session: Session, raws: list[dict[str, Any]], accounts: dict[str, int], clock_now: float
) -> None:
    stored = {
        (row.app_id, row.account_id): (row.user_id, row.uuid)
        for row in session.execute(select(Link.app_id, Link.account_id, Link.user_id, Link.uuid))
    }
    taken_ids: dict[int, set[int]] = {}
    taken_uuids: dict[int, set[str]] = {}
    for (app_id, _account_id), (user_id, uuid) in stored.items():
        taken_ids.setdefault(app_id, set()).add(user_id)
        taken_uuids.setdefault(app_id, set()).add(uuid)
    for raw in raws:
        if "user_id" in raw:
            taken_ids.setdefault(raw["app"], set()).add(raw["user_id"])
        if "uuid" in raw:
            taken_uuids.setdefault(raw["app"], set()).add(raw["uuid"])

    plans: list[tuple[tuple[int, str] | None, dict[str, Any], int, str]] = []
    for raw in raws:
        app_id, account_id = raw["app"], accounts[raw["account"]]
        old = stored.get((app_id, account_id))
        user_id = raw.get("user_id") or (old[0] if old else None)
        if user_id is None:
            app_ids = taken_ids.setdefault(app_id, set())
            user_id = new_user_id(app_ids.__contains__)
            app_ids.add(user_id)
        uuid = raw.get("uuid") or (old[1] if old else None)
        if uuid is None:
            app_uuids = taken_uuids.setdefault(app_id, set())
            uuid = new_uuid(app_uuids.__contains__)
            app_uuids.add(uuid)
        plans.append((old, raw, user_id, uuid))

    by_key = update(Link).where(
        Link.app_id == bindparam("b_app"), Link.account_id == bindparam("b_account")
    )
    # Ids and uuids may move between links of the file: free the moving ones first.
    moving = [
        {
            "b_app": raw["app"],
            "b_account": accounts[raw["account"]],
            "user_id": -(i + 1),
            "uuid": f"moving-{secrets.token_hex(12)}-{i}",  # never a declared uuid
        }
        for i, (_old, raw, _user_id, _uuid) in enumerate(
            plan for plan in plans if plan[0] is not None and plan[0] != (plan[2], plan[3])
        )
    ]
    conn = session.connection()
    for start in range(0, len(moving), _BATCH):
        conn.execute(
            by_key.values(user_id=bindparam("user_id"), uuid=bindparam("uuid")),
            moving[start : start + _BATCH],
        )
    new_rows: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for position, (old, raw, user_id, uuid) in enumerate(plans):
        values = {
            "user_id": user_id,
            "uuid": uuid,
            "position": position,
            "scopes": json.dumps(list(raw.get("scopes") or [])),
            "accepts_messages": raw.get("accepts_messages", True) is not False,
            "properties": json.dumps(dict(raw.get("properties") or {})),
        }
        if old is None:
            new_rows.append(
                {"app_id": raw["app"], "account_id": accounts[raw["account"]],
                 "connected_at": clock_now, **values}
            )
        else:
            updates.append({"b_app": raw["app"], "b_account": accounts[raw["account"]], **values})
    update_stmt = by_key.values({name: bindparam(name) for name in
                                 ("user_id", "uuid", "position", "scopes",
                                  "accepts_messages", "properties")})
    for start in range(0, len(updates), _BATCH):
        conn.execute(update_stmt, updates[start : start + _BATCH])
    insert_link_rows(session, new_rows)


def _account_values(raw: dict[str, Any], current_password_hash: str | None) -> dict[str, Any]:
    """The stored columns of an account as the file declares it (`key` and `position` aside);
    `current_password_hash` is the stored one, kept when it matches the file's password."""
    profile = raw.get("profile") or {}
    acct = raw.get("account_profile")
    values: dict[str, Any] = {
        "talk_user": bool(raw.get("talk_user", True)),
        "nickname": profile.get("nickname") or raw["key"],
        "profile_image_url": profile.get("profile_image_url"),
        "thumbnail_url": profile.get("thumbnail_url"),
        "has_account_profile": acct is not None,
    }
    acct = acct or {}
    values["account_nickname"] = acct.get("nickname")
    values["account_profile_image_url"] = acct.get("profile_image_url")
    values["account_thumbnail_url"] = acct.get("thumbnail_url")
    values["email"] = acct.get("email")
    values["email_valid"] = bool(acct.get("email_valid", True))
    values["email_verified"] = bool(acct.get("email_verified", True))
    if "password" in raw:
        # A new salt on every load would change the world on a reload: keep a matching hash.
        current = current_password_hash
        if current is None or not verify_password(raw["password"], current):
            current = hash_password(raw["password"])
        values["password_hash"] = current
    elif "password_hash" in raw:
        values["password_hash"] = raw["password_hash"]
    else:
        values["password_hash"] = None
    return values


def _load_token(
    session: Session, raw: dict[str, Any], account_id: int, position: int, clock_now: float
) -> GeneratedToken | None:
    generated: GeneratedToken | None = None
    if "access_token" in raw:
        digest = sha256_hex(raw["access_token"])
    elif "access_token_sha256" in raw:
        digest = raw["access_token_sha256"]
    else:
        # A token declared without a value: keep the one generated on the first load.
        existing = seeded_token_digest(session, raw["app"], account_id, position)
        if existing is not None:
            digest = existing
        else:
            value = new_token()
            digest = sha256_hex(value)
            generated = GeneratedToken(raw["app"], raw["account"], value)
    if "expires_at" in raw:
        expires_at = parse_instant(raw["expires_at"], "")
    else:
        expires_at = clock_now + int(raw.get("expires_in", ACCESS_TOKEN_LIFETIME))
    put_seeded_token(session, digest=digest, app_id=raw["app"], account_id=account_id,
                     expires_at=expires_at, position=position, now=clock_now)
    return generated


# --- export -----------------------------------------------------------------------------------

