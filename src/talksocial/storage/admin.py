"""Writes of the control plane and the console: every edit of the world an operator can make,
each keeping the world's rules as strictly as a seed file does (SPEC §8) and refreshing the
friend index in the same transaction.

Every function takes the caller's `Session` and runs inside the caller's transaction (nothing is
committed here); a rejected edit raises `AdminError` (HTTP 400), `NotFound` (404) or `Conflict`
(409) before anything is written that the caller would keep — on error the caller rolls back.

    apps          list_apps, get_app, create_app, update_app, delete_app, regenerate_keys
    accounts      list_accounts, get_account, create_account, update_account, delete_account,
                  set_profile, set_account_profile
    multi-profiles list_multi_profiles, create_multi_profile, update_multi_profile,
                  delete_multi_profile, assign_multi_profile (one shown profile per friend)
    friends       list_friends, set_friend (create or update), remove_friend
    links         list_links, get_link, link, update_link, set_consents, unlink
    tokens        issue_token
    world         export, import_world, snapshot_startup, reset_world, clear_world
    faults        list_faults, get_fault, add_fault, delete_fault, clear_faults
    quotas        list_quotas, set_quota, set_kakao_quotas, clear_quota, quota_usage
    journal       list_journal, clear_journal
    views         app_view, account_view, multi_profile_view, friend_view, link_view,
                  fault_view (JSON-ready dicts, as the control API answers)

Field dicts (`changes`, `profile`) use the seed file's names.
"""

from __future__ import annotations

import json
import math
import re
import secrets
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from talksocial.domain.consent import required_items, validate_consent_items
from talksocial.domain.secrets import hash_password, is_password_hash, new_token, sha256_hex
from talksocial.storage import clock, friend_index
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
    MultiProfile,
    QuotaLimit,
    QuotaUsage,
    ServerState,
    Token,
    TokenIssuance,
)
from talksocial.storage.world import ACCESS_TOKEN_LIFETIME

MAX_MULTI_PROFILES = 3
#: server_state keys: the start-up snapshot (a seed document + clock offset) and the version
#: counter workers compare to know their cached fault rules and quota limits are stale.
SNAPSHOT_KEY = "startup_snapshot"
VERSION_KEY = "control_version"
EPOCH_KEY = "control_epoch"

#: The APIs quotas count, by name; the path each one answers.
QUOTA_APIS: dict[str, str] = {
    "talk_profile": "/v1/api/talk/profile",
    "talk_friends": "/v1/api/talk/friends",
    "talk_profiles": "/v2/api/talk/profiles",
    "user_me": "/v2/user/me",
    "user_access_token_info": "/v1/user/access_token_info",
    "user_scopes": "/v2/user/scopes",
    "user_revoke_scopes": "/v2/user/revoke/scopes",
    "user_logout": "/v1/user/logout",
    "user_unlink": "/v1/user/unlink",
}
API_BY_PATH: dict[str, str] = {path: api for api, path in QUOTA_APIS.items()}

#: Kakao's published daily quotas ("one switch away", `set_kakao_quotas`): 30,000 Talk profile
#: calls a day per app; the same figure is applied to the other two Talk Social APIs.
KAKAO_DAILY_QUOTAS: dict[str, int] = {
    "talk_profile": 30_000,
    "talk_friends": 30_000,
    "talk_profiles": 30_000,
}

#: SPEC §2: the HTTP status and default message of every Kakao code a fault may inject.
KAKAO_CODES: dict[int, tuple[int, str]] = {
    -1: (400, "internal error"),
    -2: (400, "invalid argument"),
    -3: (403, "App disabled the consent item this API needs."),
    -10: (400, "API limit has been exceeded."),
    -101: (400, "NotRegisteredUserException"),
    -401: (401, "this access token does not exist"),
    -402: (403, "insufficient scopes."),
    -501: (400, "given account is not connected to any talk user."),
}
KOE_CODE = re.compile(r"^KOE[0-9]{3}$")
MAX_LATENCY_MS = 60_000
JOURNAL_KEEP = 1000
KST = timedelta(hours=9)


class AdminError(ValueError):
    """An edit the world's rules refuse (HTTP 400)."""

    status = 400


class NotFound(AdminError):
    status = 404


class Conflict(AdminError):
    status = 409


# --- small validators --------------------------------------------------------------------------


def _str(value: Any, name: str, *, empty: bool = False, max_len: int = 400) -> str:
    if not isinstance(value, str):
        raise AdminError(f"{name} must be a string")
    if not empty and not value:
        raise AdminError(f"{name} must not be empty")
    if len(value) > max_len:
        raise AdminError(f"{name} is longer than {max_len} characters")
    return value


def _opt_str(value: Any, name: str, *, max_len: int = 2000) -> str | None:
    return None if value is None else _str(value, name, empty=True, max_len=max_len)


def _bool(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise AdminError(f"{name} must be a boolean")
    return value


def _int(value: Any, name: str, *, minimum: int = 1, maximum: int = 2**63 - 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise AdminError(f"{name} must be an integer")
    if value < minimum or value > maximum:
        raise AdminError(f"{name} must be between {minimum} and {maximum}")
    return value


def _keys(obj: Mapping[str, Any], allowed: Iterable[str], name: str) -> None:
    if not isinstance(obj, Mapping):
        raise AdminError(f"{name} must be an object")
    allowed_set = set(allowed)
    for key in obj:
        if key not in allowed_set:
            raise AdminError(f"{name}.{key}: unknown field")


def _str_list(value: Any, name: str) -> list[str]:
    if not isinstance(value, list):
        raise AdminError(f"{name} must be a list")
    return [_str(v, f"{name}[{i}]", max_len=2000) for i, v in enumerate(value)]


def bump_version(session: Session, *, new_epoch: bool = False) -> int:
    """Tells every worker its cached fault rules and quota limits are stale (`new_epoch`: and
    that the world was reset, so per-worker counters and journal buffers are dropped)."""
    keys = [VERSION_KEY, EPOCH_KEY] if new_epoch else [VERSION_KEY]
    version = 0
    for key in keys:
        state = session.get(ServerState, key)
        if state is None:
            state = ServerState(key=key, value="1")
            session.add(state)
        else:
            state.value = str(int(state.value) + 1)
        if key == VERSION_KEY:
            version = int(state.value)
    session.flush()
    return version


# --- apps --------------------------------------------------------------------------------------


def list_apps(session: Session) -> list[App]:
    return list(session.scalars(select(App).order_by(App.id)))


def get_app(session: Session, app_id: int) -> App:
    app = session.get(App, app_id) if isinstance(app_id, int) else None
    if app is None:
        raise NotFound(f"unknown app {app_id}")
    return app


def _check_key_free(session: Session, key: str, name: str, app_id: int | None) -> None:
    digest = sha256_hex(key)
    holder = session.scalar(
        select(App.id).where(
            (App.rest_api_key_sha256 == digest) | (App.admin_key_sha256 == digest)
        )
    )
    if holder is not None and holder != app_id:
        raise Conflict(f"{name}: the key is taken by app {holder}")


_APP_FIELDS = ("id", "name", "rest_api_key", "admin_key", "client_secret", "redirect_uris",
               "consent_items")


def create_app(session: Session, fields: Mapping[str, Any]) -> App:
    """`fields` as a seed file's app (`id` generated when left out; keys generated too)."""
    _keys(fields, _APP_FIELDS, "app")
    if fields.get("id") is not None:
        app_id = _int(fields["id"], "id")
        if session.get(App, app_id) is not None:
            raise Conflict(f"app {app_id} exists")
    else:
        app_id = (session.scalar(select(func.max(App.id))) or 1000) + 1
    app = App(id=app_id, name=f"App {app_id}", redirect_uris="[]", consent_items="{}")
    rest = fields.get("rest_api_key") or secrets.token_hex(16)
    admin = fields.get("admin_key") or secrets.token_hex(16)
    app.rest_api_key = _str(rest, "rest_api_key", max_len=200)
    app.admin_key = _str(admin, "admin_key", max_len=200)
    if app.rest_api_key == app.admin_key:
        raise AdminError("rest_api_key and admin_key must differ")
    _check_key_free(session, app.rest_api_key, "rest_api_key", None)
    _check_key_free(session, app.admin_key, "admin_key", None)
    app.rest_api_key_sha256 = sha256_hex(app.rest_api_key)
    app.admin_key_sha256 = sha256_hex(app.admin_key)
    _apply_app_fields(app, fields)
    session.add(app)
    session.flush()
    return app


def _apply_app_fields(app: App, fields: Mapping[str, Any]) -> None:
    if "name" in fields:
        app.name = _str(fields["name"], "name", max_len=200)
    if "client_secret" in fields:
        app.client_secret = _opt_str(fields["client_secret"], "client_secret", max_len=200) or None
    if "redirect_uris" in fields:
        app.redirect_uris = json.dumps(_str_list(fields["redirect_uris"] or [], "redirect_uris"))
    if "consent_items" in fields:
        items = fields["consent_items"] or {}
        if not isinstance(items, dict):
            raise AdminError("consent_items must be an object")
        problem = validate_consent_items(items)
        if problem:
            raise AdminError(f"consent_items: {problem}")
        app.consent_items = json.dumps({str(k): str(v) for k, v in items.items()})


def update_app(session: Session, app_id: int, changes: Mapping[str, Any]) -> App:
    """Changes name, keys, secret, redirect URIs, consent items. An item the app stops using
    leaves the agreed scopes of its links; an item made required that a link has not agreed to
    is refused (as a seed file with that link would be)."""
    _keys(changes, [f for f in _APP_FIELDS if f != "id"], "app")
    app = get_app(session, app_id)
    for key_field in ("rest_api_key", "admin_key"):
        if key_field in changes:
            value = _str(changes[key_field], key_field, max_len=200)
            _check_key_free(session, value, key_field, app.id)
    rest = changes.get("rest_api_key", app.rest_api_key)
    admin = changes.get("admin_key", app.admin_key)
    if rest == admin:
        raise AdminError("rest_api_key and admin_key must differ")
    app.rest_api_key, app.admin_key = rest, admin
    app.rest_api_key_sha256 = sha256_hex(rest)
    app.admin_key_sha256 = sha256_hex(admin)
    old_items = json.loads(app.consent_items)
    _apply_app_fields(app, changes)
    items: dict[str, str] = json.loads(app.consent_items)
    if items != old_items:
        required = required_items(items)
        touched: list[int] = []
        for link_row in session.scalars(select(Link).where(Link.app_id == app.id)):
            scopes = json.loads(link_row.scopes)
            missing = [item for item in required if item not in scopes]
            if missing:
                account = session.get(Account, link_row.account_id)
                raise Conflict(
                    f"consent_items: linked account {account.key if account else '?'!r} has not "
                    f"agreed to required item {missing[0]!r}"
                )
            kept = [s for s in scopes if s in items]
            if kept != scopes:
                link_row.scopes = json.dumps(kept)
                touched.append(link_row.account_id)
        for account_id in touched:
            friend_index.refresh_account(session, account_id)
    session.flush()
    return app


def regenerate_keys(session: Session, app_id: int) -> App:
    app = get_app(session, app_id)
    return update_app(
        session, app.id, {"rest_api_key": secrets.token_hex(16), "admin_key": secrets.token_hex(16)}
    )


def delete_app(session: Session, app_id: int) -> None:
    """The app, its links, tokens, codes, faults and quotas; its friend index rows."""
    app = get_app(session, app_id)
    session.execute(delete(FriendRow).where(FriendRow.app_id == app.id))
    session.execute(delete(FriendCount).where(FriendCount.app_id == app.id))
    session.execute(delete(QuotaUsage).where(QuotaUsage.app_id == app.id))
    session.execute(delete(TokenIssuance).where(TokenIssuance.app_id == app.id))
    session.execute(delete(Token).where(Token.app_id == app.id))
    session.execute(delete(AuthCode).where(AuthCode.app_id == app.id))
    session.execute(delete(Link).where(Link.app_id == app.id))
    session.execute(delete(FaultRule).where(FaultRule.app_id == app.id))
    session.execute(delete(QuotaLimit).where(QuotaLimit.app_id == app.id))
    session.delete(app)
    session.flush()
    bump_version(session)


# --- accounts and profiles ---------------------------------------------------------------------


def list_accounts(session: Session) -> list[Account]:
    return list(session.scalars(select(Account).order_by(Account.position, Account.id)))


def get_account(session: Session, key: str) -> Account:
    account = (
        session.scalar(select(Account).where(Account.key == key)) if isinstance(key, str) else None
    )
    if account is None:
        raise NotFound(f"unknown account {key!r}")
    return account


_PROFILE_FIELDS = ("nickname", "profile_image_url", "thumbnail_url")
_ACCOUNT_PROFILE_FIELDS = ("nickname", "profile_image_url", "thumbnail_url", "email")
_ACCOUNT_FIELDS = ("key", "talk_user", "profile", "account_profile", "password", "password_hash")


def create_account(session: Session, fields: Mapping[str, Any]) -> Account:
    """`fields` as a seed file's account, without friends and multi-profiles (added apart)."""
    _keys(fields, _ACCOUNT_FIELDS, "account")
    if "key" not in fields:
        raise AdminError("key is required")
    key = _str(fields["key"], "key", max_len=200)
    if session.scalar(select(Account.id).where(Account.key == key)) is not None:
        raise Conflict(f"account {key!r} exists")
    position = (session.scalar(select(func.max(Account.position))) or 0) + 1
    account = Account(key=key, talk_user=True, nickname=key, position=position,
                      has_account_profile=False)
    session.add(account)
    _apply_account_fields(account, {k: v for k, v in fields.items() if k != "key"})
    session.flush()
    return account


def _apply_account_fields(account: Account, fields: Mapping[str, Any]) -> None:
    if "talk_user" in fields:
        account.talk_user = _bool(fields["talk_user"], "talk_user")
    if "profile" in fields:
        _apply_profile(account, fields["profile"] or {})
    if "account_profile" in fields:
        _apply_account_profile(account, fields["account_profile"])
    if "password" in fields and "password_hash" in fields:
        raise AdminError("give either password or password_hash")
    if "password" in fields:
        password = _opt_str(fields["password"], "password", max_len=400)
        account.password_hash = hash_password(password) if password else None
    if "password_hash" in fields:
        pw_hash = _opt_str(fields["password_hash"], "password_hash", max_len=400)
        if pw_hash is not None and not is_password_hash(pw_hash):
            raise AdminError("password_hash is not a password hash this server wrote")
        account.password_hash = pw_hash


def _apply_profile(account: Account, profile: Mapping[str, Any]) -> None:
    _keys(profile, _PROFILE_FIELDS, "profile")
    if "nickname" in profile:
        account.nickname = _str(profile["nickname"], "profile.nickname")
    if "profile_image_url" in profile:
        account.profile_image_url = _opt_str(profile["profile_image_url"], "profile.profile_image_url")
    if "thumbnail_url" in profile:
        account.thumbnail_url = _opt_str(profile["thumbnail_url"], "profile.thumbnail_url")


def _apply_account_profile(account: Account, acct: Mapping[str, Any] | None) -> None:
    if acct is None:
        account.has_account_profile = False
        account.account_nickname = account.account_profile_image_url = None
        account.account_thumbnail_url = account.email = None
        return
    _keys(acct, _ACCOUNT_PROFILE_FIELDS, "account_profile")
    account.has_account_profile = True
    account.account_nickname = _opt_str(acct.get("nickname"), "account_profile.nickname")
    account.account_profile_image_url = _opt_str(
        acct.get("profile_image_url"), "account_profile.profile_image_url"
    )
    account.account_thumbnail_url = _opt_str(
        acct.get("thumbnail_url"), "account_profile.thumbnail_url"
    )
    account.email = _opt_str(acct.get("email"), "account_profile.email", max_len=400)


def update_account(session: Session, key: str, changes: Mapping[str, Any]) -> Account:
    """Renames (`key`), Talk status, profile (merged), account profile (replaced), password."""
    _keys(changes, _ACCOUNT_FIELDS, "account")
    account = get_account(session, key)
    if "key" in changes:
        new_key = _str(changes["key"], "key", max_len=200)
        if new_key != account.key:
            if session.scalar(select(Account.id).where(Account.key == new_key)) is not None:
                raise Conflict(f"account {new_key!r} exists")
            account.key = new_key
    _apply_account_fields(account, {k: v for k, v in changes.items() if k != "key"})
    session.flush()
    friend_index.refresh_account(session, account.id)
    return account


def set_profile(session: Session, key: str, profile: Mapping[str, Any]) -> Account:
    """The default Talk profile (fields given are replaced, others kept)."""
    return update_account(session, key, {"profile": profile})


def set_account_profile(session: Session, key: str, acct: Mapping[str, Any] | None) -> Account:
    """The Kakao Account profile of /v2/user/me (None: mirror the Talk profile)."""
    return update_account(session, key, {"account_profile": acct})


def delete_account(session: Session, key: str) -> None:
    """The account, its friend list, its entries in other lists, links, tokens."""
    account = get_account(session, key)
    account_id = account.id
    session.execute(delete(Token).where(Token.account_id == account_id))
    session.execute(delete(AuthCode).where(AuthCode.account_id == account_id))
    session.execute(delete(LoginSession).where(LoginSession.account_id == account_id))
    session.execute(delete(TokenIssuance).where(TokenIssuance.account_id == account_id))
    session.execute(
        delete(Friendship).where(
            (Friendship.owner_id == account_id) | (Friendship.friend_id == account_id)
        )
    )
    session.execute(delete(MultiProfile).where(MultiProfile.account_id == account_id))
    session.execute(delete(Link).where(Link.account_id == account_id))
    session.execute(delete(FaultRule).where(FaultRule.account_id == account_id))
    session.delete(account)
    session.flush()
    friend_index.refresh_account(session, account_id)
    bump_version(session)


# --- multi-profiles ----------------------------------------------------------------------------


def list_multi_profiles(session: Session, key: str) -> list[MultiProfile]:
    account = get_account(session, key)
    return list(
        session.scalars(
            select(MultiProfile)
            .where(MultiProfile.account_id == account.id)
            .order_by(MultiProfile.position, MultiProfile.id)
        )
    )


def get_multi_profile(session: Session, key: str, mp_key: str) -> MultiProfile:
    account = get_account(session, key)
    mp = session.scalar(
        select(MultiProfile).where(
            MultiProfile.account_id == account.id, MultiProfile.key == mp_key
        )
    )
    if mp is None:
        raise NotFound(f"account {key!r} has no multi-profile {mp_key!r}")
    return mp


def create_multi_profile(session: Session, key: str, fields: Mapping[str, Any]) -> MultiProfile:
    """`fields`: `key` (default mpN), `nickname` (required), images, `shown_to` (friend keys)."""
    _keys(fields, ("key", "nickname", "profile_image_url", "thumbnail_url", "shown_to"),
          "multi_profile")
    account = get_account(session, key)
    existing = list_multi_profiles(session, key)
    if len(existing) >= MAX_MULTI_PROFILES:
        raise Conflict(f"at most {MAX_MULTI_PROFILES} multi-profiles")
    taken = {mp.key for mp in existing}
    if fields.get("key") is not None:
        mp_key = _str(fields["key"], "key", max_len=200)
        if mp_key in taken:
            raise Conflict(f"duplicate multi-profile key {mp_key!r}")
    else:
        n = 1
        while f"mp{n}" in taken:
            n += 1
        mp_key = f"mp{n}"
    if "nickname" not in fields:
        raise AdminError("nickname is required")
    mp = MultiProfile(
        account_id=account.id,
        key=mp_key,
        nickname=_str(fields["nickname"], "nickname"),
        profile_image_url=_opt_str(fields.get("profile_image_url"), "profile_image_url"),
        thumbnail_url=_opt_str(fields.get("thumbnail_url"), "thumbnail_url"),
        position=max((m.position for m in existing), default=-1) + 1,
    )
    session.add(mp)
    session.flush()
    if "shown_to" in fields:
        _set_shown_to(session, account, mp, _str_list(fields["shown_to"] or [], "shown_to"))
    friend_index.refresh_account(session, account.id)
    return mp


def _set_shown_to(
    session: Session, account: Account, mp: MultiProfile, friend_keys: Sequence[str]
) -> None:
    """`mp` is shown to exactly these friends; a friend shown another multi-profile of the same
    owner is refused (one shown profile per friend)."""
    if len(set(friend_keys)) != len(friend_keys):
        raise AdminError("shown_to: duplicate friend")
    entries = {
        f.friend_id: f
        for f in session.scalars(select(Friendship).where(Friendship.owner_id == account.id))
    }
    wanted: set[int] = set()
    for i, friend_key in enumerate(friend_keys):
        friend = session.scalar(select(Account).where(Account.key == friend_key))
        if friend is None or friend.id not in entries:
            raise AdminError(f"shown_to[{i}]: {friend_key!r} is not in {account.key!r}'s friend list")
        entry = entries[friend.id]
        if entry.shown_profile_id not in (None, mp.id):
            other = session.get(MultiProfile, entry.shown_profile_id)
            raise Conflict(
                f"shown_to[{i}]: {friend_key!r} is already shown multi-profile "
                f"{other.key if other else '?'!r}"
            )
        wanted.add(friend.id)
    for friend_id, entry in entries.items():
        if friend_id in wanted:
            entry.shown_profile_id = mp.id
        elif entry.shown_profile_id == mp.id:
            entry.shown_profile_id = None
    session.flush()


def update_multi_profile(
    session: Session, key: str, mp_key: str, changes: Mapping[str, Any]
) -> MultiProfile:
    _keys(changes, ("key", "nickname", "profile_image_url", "thumbnail_url", "shown_to"),
          "multi_profile")
    account = get_account(session, key)
    mp = get_multi_profile(session, key, mp_key)
    if "key" in changes:
        new_key = _str(changes["key"], "key", max_len=200)
        if new_key != mp.key:
            if any(m.key == new_key for m in list_multi_profiles(session, key)):
                raise Conflict(f"duplicate multi-profile key {new_key!r}")
            mp.key = new_key
    if "nickname" in changes:
        mp.nickname = _str(changes["nickname"], "nickname")
    if "profile_image_url" in changes:
        mp.profile_image_url = _opt_str(changes["profile_image_url"], "profile_image_url")
    if "thumbnail_url" in changes:
        mp.thumbnail_url = _opt_str(changes["thumbnail_url"], "thumbnail_url")
    session.flush()
    if "shown_to" in changes:
        _set_shown_to(session, account, mp, _str_list(changes["shown_to"] or [], "shown_to"))
    friend_index.refresh_account(session, account.id)
    return mp


def delete_multi_profile(session: Session, key: str, mp_key: str) -> None:
    account = get_account(session, key)
    mp = get_multi_profile(session, key, mp_key)
    session.execute(
        update(Friendship)
        .where(Friendship.owner_id == account.id, Friendship.shown_profile_id == mp.id)
        .values(shown_profile_id=None)
    )
    session.delete(mp)
    session.flush()
    friend_index.refresh_account(session, account.id)


def assign_multi_profile(
    session: Session, owner_key: str, friend_key: str, mp_key: str | None
) -> Friendship:
    """The multi-profile `owner` shows to `friend` (None: the default profile). The friend must
    be in the owner's list; an entry holds one shown profile, so this replaces any other."""
    owner = get_account(session, owner_key)
    entry = _friendship(session, owner_key, friend_key)
    if mp_key is None:
        entry.shown_profile_id = None
    else:
        entry.shown_profile_id = get_multi_profile(session, owner.key, mp_key).id
    session.flush()
    friend_index.refresh_pair(session, entry.owner_id, entry.friend_id)
    return entry


# --- friends -----------------------------------------------------------------------------------


def list_friends(session: Session, key: str) -> list[Friendship]:
    account = get_account(session, key)
    return list(
        session.scalars(
            select(Friendship)
            .where(Friendship.owner_id == account.id)
            .order_by(Friendship.position, Friendship.friend_id)
        )
    )


def _friendship(session: Session, owner_key: str, friend_key: str) -> Friendship:
    owner = get_account(session, owner_key)
    friend = get_account(session, friend_key)
    entry = session.get(Friendship, (owner.id, friend.id))
    if entry is None:
        raise NotFound(f"{friend_key!r} is not in {owner_key!r}'s friend list")
    return entry


def set_friend(
    session: Session, owner_key: str, friend_key: str, flags: Mapping[str, Any] | None = None
) -> Friendship:
    """Adds `friend` to `owner`'s list (or updates the entry): `favorite`, `hidden`, `blocked`
    (default false on a new entry), `multi_profile` (the key `owner` shows them, or None)."""
    flags = flags or {}
    _keys(flags, ("favorite", "hidden", "blocked", "multi_profile"), "friend")
    owner = get_account(session, owner_key)
    friend = get_account(session, friend_key)
    if owner.id == friend.id:
        raise AdminError("an account cannot be its own friend")
    entry = session.get(Friendship, (owner.id, friend.id))
    if entry is None:
        position = (
            session.scalar(
                select(func.max(Friendship.position)).where(Friendship.owner_id == owner.id)
            )
            or 0
        ) + 1
        entry = Friendship(owner_id=owner.id, friend_id=friend.id, favorite=False, hidden=False,
                           blocked=False, position=position)
        session.add(entry)
    for flag in ("favorite", "hidden", "blocked"):
        if flag in flags:
            setattr(entry, flag, _bool(flags[flag], flag))
    session.flush()
    if "multi_profile" in flags:
        mp_key = flags["multi_profile"]
        entry.shown_profile_id = (
            None if mp_key is None
            else get_multi_profile(session, owner.key, _str(mp_key, "multi_profile")).id
        )
        session.flush()
    friend_index.refresh_pair(session, owner.id, friend.id)
    return entry


def remove_friend(session: Session, owner_key: str, friend_key: str) -> None:
    entry = _friendship(session, owner_key, friend_key)
    owner_id, friend_id = entry.owner_id, entry.friend_id
    session.delete(entry)
    session.flush()
    friend_index.refresh_pair(session, owner_id, friend_id)


# --- links and consents ------------------------------------------------------------------------


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
    names = _str_list(scopes, "scopes")
    if len(set(names)) != len(names):
        raise AdminError("scopes: duplicate scope")
    for i, scope in enumerate(names):
        if scope not in items:
            raise AdminError(f"scopes[{i}]: app {app.id} does not use {scope!r}")
    for item in required_items(items):
        if item not in names:
            raise AdminError(f"scopes: missing required item {item!r} of app {app.id}")
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


def link(
    session: Session, app_id: int, account_key: str, fields: Mapping[str, Any] | None = None
) -> Link:
    """Links the account to the app: `user_id`, `uuid` (generated when left out, unique in the
    app), `scopes` (default: the app's required items; must hold them all)."""
    fields = fields or {}
    _keys(fields, ("user_id", "uuid", "scopes"), "link")
    app = get_app(session, app_id)
    account = get_account(session, account_key)
    if session.get(Link, (app.id, account.id)) is not None:
        raise Conflict(f"account {account_key!r} is already linked to app {app_id}")
    items: dict[str, str] = json.loads(app.consent_items)
    scopes = (
        _check_scopes(app, fields["scopes"]) if fields.get("scopes") is not None
        else required_items(items)
    )
    user_id = _int(fields["user_id"], "user_id") if fields.get("user_id") is not None else None
    uuid = _str(fields["uuid"], "uuid", max_len=200) if fields.get("uuid") is not None else None
    _check_ids(session, app.id, account.id, user_id, uuid)
    if user_id is None:
        while True:
            user_id = secrets.randbelow(2**40) + 10**9
            if session.scalar(
                select(Link.account_id).where(Link.app_id == app.id, Link.user_id == user_id)
            ) is None:
                break
    if uuid is None:
        uuid = secrets.token_urlsafe(24)
    position = (session.scalar(select(func.max(Link.position))) or 0) + 1
    created = Link(app_id=app.id, account_id=account.id, user_id=user_id, uuid=uuid,
                   scopes=json.dumps(scopes), connected_at=clock.now(session), position=position)
    session.add(created)
    session.flush()
    friend_index.refresh_account(session, account.id)
    return created


def update_link(
    session: Session, app_id: int, account_key: str, changes: Mapping[str, Any]
) -> Link:
    """Changes a link's `user_id`, `uuid` (unique in the app) or `scopes`."""
    _keys(changes, ("user_id", "uuid", "scopes"), "link")
    found = get_link(session, app_id, account_key)
    app = get_app(session, app_id)
    user_id = _int(changes["user_id"], "user_id") if "user_id" in changes else None
    uuid = _str(changes["uuid"], "uuid", max_len=200) if "uuid" in changes else None
    _check_ids(session, found.app_id, found.account_id, user_id, uuid)
    if user_id is not None:
        found.user_id = user_id
    if uuid is not None:
        found.uuid = uuid
    if "scopes" in changes:
        found.scopes = json.dumps(_check_scopes(app, changes["scopes"]))
    session.flush()
    friend_index.refresh_account(session, found.account_id)
    return found


def set_consents(session: Session, app_id: int, account_key: str, scopes: Any) -> Link:
    """The link's agreed items, exactly: every one the app uses, all its required ones."""
    return update_link(session, app_id, account_key, {"scopes": scopes})


def unlink(session: Session, app_id: int, account_key: str) -> None:
    """Removes the link, its consents, its tokens and codes (as /v1/user/unlink does)."""
    found = get_link(session, app_id, account_key)
    account_id = found.account_id
    session.execute(
        delete(Token).where(Token.app_id == found.app_id, Token.account_id == account_id)
    )
    session.execute(
        delete(AuthCode).where(AuthCode.app_id == found.app_id, AuthCode.account_id == account_id)
    )
    session.delete(found)
    session.flush()
    friend_index.refresh_account(session, account_id)


# --- tokens ------------------------------------------------------------------------------------


def issue_token(
    session: Session,
    app_id: int,
    account_key: str,
    *,
    scopes: Any = None,
    lifetime: Any = ACCESS_TOKEN_LIFETIME,
) -> tuple[str, Token]:
    """A new access token, as `talksocial token issue` (SPEC §9): the account is linked first
    when it is not; `scopes`, when given, sets the link's agreed items to the app's required
    items plus those named. `lifetime` in seconds (0 or less: already expired)."""
    app = get_app(session, app_id)
    account = get_account(session, account_key)
    seconds = _int(lifetime, "lifetime", minimum=-(10**9), maximum=10**9)
    if scopes is not None:
        named = _str_list(scopes, "scopes")
        required = required_items(json.loads(app.consent_items))
        scopes = required + [n for i, n in enumerate(named)
                             if n not in required and n not in named[:i]]
    existing = session.get(Link, (app.id, account.id))
    if existing is None:
        link(session, app.id, account.key, {"scopes": scopes} if scopes is not None else None)
    elif scopes is not None:
        set_consents(session, app.id, account.key, scopes)
    value = new_token()
    issued = clock.now(session)
    token = Token(token_sha256=sha256_hex(value), kind="access", app_id=app.id,
                  account_id=account.id, expires_at=issued + seconds, issued_at=issued,
                  scopes="[]")
    session.add(token)
    session.flush()
    return value, token


# --- the world as a whole ----------------------------------------------------------------------


def export(session: Session) -> dict[str, Any]:
    from talksocial.storage.seed import export_world

    return export_world(session)


def import_world(session: Session, document: Any) -> list[dict[str, Any]]:
    """Loads a seed document (an upsert, SPEC §8); returns the tokens it generated. A bad
    document raises AdminError naming the path of the fault."""
    from talksocial.storage.seed import SeedError, load_world

    try:
        generated = load_world(session, document)
    except SeedError as exc:
        raise AdminError(str(exc)) from exc
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
    """Deletes every app, account, link, token, code, login session, fault, quota and journal
    entry (the signing keys and the start-up snapshot stay)."""
    for model in (FriendRow, FriendCount, TokenIssuance, LoginSession, AuthCode, Token, FaultRule,
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


# --- faults ------------------------------------------------------------------------------------


_FAULT_FIELDS = ("endpoint", "method", "code", "koe_code", "error", "http_status", "msg",
                 "latency_ms", "probability", "next", "app", "account")


def list_faults(session: Session) -> list[FaultRule]:
    return list(session.scalars(select(FaultRule).order_by(FaultRule.id)))


def get_fault(session: Session, fault_id: int) -> FaultRule:
    rule = session.get(FaultRule, fault_id) if isinstance(fault_id, int) else None
    if rule is None:
        raise NotFound(f"unknown fault rule {fault_id}")
    return rule


def add_fault(session: Session, fields: Mapping[str, Any]) -> FaultRule:
    """A fault rule. `endpoint` (a path such as `/v1/api/talk/friends`, or a glob with `*`);
    optional `method`; then either `code` (a Kakao code of SPEC §2; `http_status` and `msg`
    default to Kakao's) or `koe_code` (`KOE320`, on `/oauth/*` only; `error` defaults to
    `invalid_request`, `http_status` to 400), and/or `latency_ms`. `probability` (0..1, default
    1) or `next` (the next N matching requests); `app` (id) and `account` (key) narrow it."""
    _keys(fields, _FAULT_FIELDS, "fault")
    if "endpoint" not in fields:
        raise AdminError("endpoint is required")
    endpoint = _str(fields["endpoint"], "endpoint", max_len=400)
    if not endpoint.startswith("/"):
        raise AdminError("endpoint must be a path starting with /")
    rule = FaultRule(endpoint=endpoint, latency_ms=0, probability=1.0,
                     created_at=time.time())
    if fields.get("method") is not None:
        rule.method = _str(fields["method"], "method", max_len=16).upper()
    is_oauth = endpoint.startswith("/oauth/")
    if fields.get("code") is not None and fields.get("koe_code") is not None:
        raise AdminError("give either code or koe_code")
    if fields.get("code") is not None:
        code = fields["code"]
        if isinstance(code, bool) or not isinstance(code, int) or code not in KAKAO_CODES:
            raise AdminError(f"code must be one of {sorted(KAKAO_CODES)}")
        if is_oauth:
            raise AdminError("the login server (/oauth/*) answers KOE codes: give koe_code")
        rule.code = code
        rule.http_status, default_msg = KAKAO_CODES[code]
        rule.msg = default_msg
    elif fields.get("koe_code") is not None:
        koe = _str(fields["koe_code"], "koe_code", max_len=32)
        if not KOE_CODE.match(koe):
            raise AdminError("koe_code must look like KOE320")
        if not is_oauth:
            raise AdminError("koe_code applies to the login server (/oauth/*) only")
        rule.koe_code = koe
        rule.oauth_error = _str(fields.get("error") or "invalid_request", "error", max_len=100)
        rule.http_status = 400
        rule.msg = f"injected {koe}"
    elif fields.get("error") is not None:
        raise AdminError("error goes with koe_code")
    if fields.get("http_status") is not None:
        if rule.code is None and rule.koe_code is None:
            raise AdminError("http_status goes with code or koe_code")
        rule.http_status = _int(fields["http_status"], "http_status", minimum=400, maximum=599)
    if fields.get("msg") is not None:
        if rule.code is None and rule.koe_code is None:
            raise AdminError("msg goes with code or koe_code")
        rule.msg = _str(fields["msg"], "msg", max_len=2000)
    if fields.get("latency_ms") is not None:
        rule.latency_ms = _int(fields["latency_ms"], "latency_ms", minimum=0,
                               maximum=MAX_LATENCY_MS)
    rule.kind = "error" if (rule.code is not None or rule.koe_code is not None) else "latency"
    if rule.kind == "latency" and rule.latency_ms <= 0:
        raise AdminError("give code, koe_code or latency_ms")
    if fields.get("probability") is not None and fields.get("next") is not None:
        raise AdminError("give either probability or next")
    if fields.get("probability") is not None:
        p = fields["probability"]
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not math.isfinite(p) \
                or not 0.0 <= p <= 1.0:
            raise AdminError("probability must be a number from 0 to 1")
        rule.probability = float(p)
    if fields.get("next") is not None:
        rule.remaining = _int(fields["next"], "next", minimum=1, maximum=10**9)
    if fields.get("app") is not None:
        rule.app_id = get_app(session, _int(fields["app"], "app")).id
    if fields.get("account") is not None:
        rule.account_id = get_account(session, _str(fields["account"], "account", max_len=200)).id
    if is_oauth and rule.account_id is not None:
        # The login server knows the app of a request (its client_id), not yet the account.
        raise AdminError("on /oauth/* a rule narrows to an app (by client_id), not an account")
    session.add(rule)
    session.flush()
    bump_version(session)
    return rule


def delete_fault(session: Session, fault_id: int) -> None:
    session.delete(get_fault(session, fault_id))
    session.flush()
    bump_version(session)


def clear_faults(session: Session) -> int:
    count = len(list_faults(session))
    session.execute(delete(FaultRule))
    bump_version(session)
    return count


def consume_fault(session: Session, fault_id: int) -> bool:
    """Takes one of a "next N" rule's remaining uses; False when none is left (another worker
    took the last). The rule is deleted with its last use."""
    taken = session.execute(
        update(FaultRule)
        .where(FaultRule.id == fault_id, FaultRule.remaining > 0)
        .values(remaining=FaultRule.remaining - 1)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        return False
    left = session.scalar(select(FaultRule.remaining).where(FaultRule.id == fault_id))
    if left is not None and left <= 0:
        session.execute(delete(FaultRule).where(FaultRule.id == fault_id))
        bump_version(session)
    return True


# --- quotas ------------------------------------------------------------------------------------


def kst_day(instant: float) -> str:
    """The Korean calendar day (UTC+9) of a server-clock instant: quota days roll at midnight
    Korea time."""
    return (datetime.fromtimestamp(instant, UTC) + KST).strftime("%Y-%m-%d")


def _api(api: Any) -> str:
    if not isinstance(api, str) or api not in QUOTA_APIS:
        raise AdminError(f"api must be one of {sorted(QUOTA_APIS)}")
    return api


def list_quotas(session: Session, app_id: int | None = None) -> list[QuotaLimit]:
    stmt = select(QuotaLimit).order_by(QuotaLimit.app_id, QuotaLimit.api)
    if app_id is not None:
        stmt = stmt.where(QuotaLimit.app_id == get_app(session, app_id).id)
    return list(session.scalars(stmt))


def set_quota(session: Session, app_id: int, api: Any, daily_limit: Any) -> QuotaLimit | None:
    """Sets (or with None removes) the daily limit of one API for one app."""
    app = get_app(session, app_id)
    name = _api(api)
    found = session.get(QuotaLimit, (app.id, name))
    if daily_limit is None:
        if found is not None:
            session.delete(found)
        session.flush()
        bump_version(session)
        return None
    limit = _int(daily_limit, "daily_limit", minimum=0, maximum=10**12)
    if found is None:
        found = QuotaLimit(app_id=app.id, api=name, daily_limit=limit)
        session.add(found)
    else:
        found.daily_limit = limit
    session.flush()
    bump_version(session)
    return found


def set_kakao_quotas(session: Session, app_id: int) -> list[QuotaLimit]:
    """Kakao's own daily limits for the app (KAKAO_DAILY_QUOTAS)."""
    out = [set_quota(session, app_id, api, limit) for api, limit in KAKAO_DAILY_QUOTAS.items()]
    return [q for q in out if q is not None]


def clear_quota(session: Session, app_id: int, api: Any) -> None:
    set_quota(session, app_id, api, None)


def quota_usage(session: Session, app_id: int, day: str | None = None) -> dict[str, int]:
    """Flushed calls per API of the app on `day` (default: today, Korea time, server clock)."""
    app = get_app(session, app_id)
    day = day or kst_day(clock.now(session))
    return {
        row.api: row.count
        for row in session.scalars(
            select(QuotaUsage).where(QuotaUsage.app_id == app.id, QuotaUsage.day == day)
        )
    }


def add_usage(session: Session, counts: Mapping[tuple[int, str, str], int]) -> None:
    """Adds a worker's batch of counts ((app, api, day) -> calls)."""
    for (app_id, api, day), n in counts.items():
        if n <= 0:
            continue
        done = session.execute(
            update(QuotaUsage)
            .where(QuotaUsage.app_id == app_id, QuotaUsage.api == api, QuotaUsage.day == day)
            .values(count=QuotaUsage.count + n)
        )
        if done.rowcount == 0:  # type: ignore[attr-defined]
            session.add(QuotaUsage(app_id=app_id, api=api, day=day, count=n))
            session.flush()


# --- journal -----------------------------------------------------------------------------------


def list_journal(session: Session, limit: int = 100) -> list[JournalEntry]:
    """The last `limit` requests, newest first."""
    return list(
        session.scalars(
            select(JournalEntry).order_by(JournalEntry.id.desc()).limit(max(1, min(limit, 1000)))
        )
    )


def clear_journal(session: Session) -> None:
    session.execute(delete(JournalEntry))


def append_journal(session: Session, entries: Sequence[Mapping[str, Any]]) -> None:
    """A worker's batch; only the last JOURNAL_KEEP entries are kept."""
    if not entries:
        return
    session.execute(insert(JournalEntry), [dict(e) for e in entries])
    newest = session.scalar(select(func.max(JournalEntry.id))) or 0
    session.execute(delete(JournalEntry).where(JournalEntry.id <= newest - JOURNAL_KEEP))


# --- views (JSON-ready) ------------------------------------------------------------------------


def app_view(app: App) -> dict[str, Any]:
    return {
        "id": app.id,
        "name": app.name,
        "rest_api_key": app.rest_api_key,
        "admin_key": app.admin_key,
        "client_secret": app.client_secret,
        "redirect_uris": json.loads(app.redirect_uris),
        "consent_items": json.loads(app.consent_items),
    }


def account_view(session: Session, account: Account, *, full: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = {
        "key": account.key,
        "talk_user": account.talk_user,
        "profile": {
            "nickname": account.nickname,
            "profile_image_url": account.profile_image_url,
            "thumbnail_url": account.thumbnail_url,
        },
        "account_profile": (
            {
                "nickname": account.account_nickname,
                "profile_image_url": account.account_profile_image_url,
                "thumbnail_url": account.account_thumbnail_url,
                "email": account.email,
            }
            if account.has_account_profile
            else None
        ),
        "has_password": account.password_hash is not None,
    }
    if full:
        body["multi_profiles"] = [
            multi_profile_view(session, mp) for mp in list_multi_profiles(session, account.key)
        ]
        body["friends"] = [friend_view(session, f) for f in list_friends(session, account.key)]
        body["links"] = [link_view(session, lk) for lk in list_links(session, account_key=account.key)]
    return body


def multi_profile_view(session: Session, mp: MultiProfile) -> dict[str, Any]:
    shown = session.scalars(
        select(Account.key)
        .join(Friendship, Friendship.friend_id == Account.id)
        .where(Friendship.owner_id == mp.account_id, Friendship.shown_profile_id == mp.id)
        .order_by(Friendship.position, Friendship.friend_id)
    )
    return {
        "key": mp.key,
        "nickname": mp.nickname,
        "profile_image_url": mp.profile_image_url,
        "thumbnail_url": mp.thumbnail_url,
        "shown_to": list(shown),
    }


def friend_view(session: Session, entry: Friendship) -> dict[str, Any]:
    friend = session.get(Account, entry.friend_id)
    mp = session.get(MultiProfile, entry.shown_profile_id) if entry.shown_profile_id else None
    return {
        "account": friend.key if friend else None,
        "favorite": entry.favorite,
        "hidden": entry.hidden,
        "blocked": entry.blocked,
        "multi_profile": mp.key if mp else None,
    }


def link_view(session: Session, row: Link) -> dict[str, Any]:
    account = session.get(Account, row.account_id)
    return {
        "app": row.app_id,
        "account": account.key if account else None,
        "user_id": row.user_id,
        "uuid": row.uuid,
        "scopes": json.loads(row.scopes),
        "connected_at": row.connected_at,
    }


def fault_view(session: Session, rule: FaultRule) -> dict[str, Any]:
    account = session.get(Account, rule.account_id) if rule.account_id is not None else None
    return {
        "id": rule.id,
        "endpoint": rule.endpoint,
        "method": rule.method,
        "kind": rule.kind,
        "code": rule.code,
        "koe_code": rule.koe_code,
        "error": rule.oauth_error,
        "http_status": rule.http_status,
        "msg": rule.msg,
        "latency_ms": rule.latency_ms,
        "probability": rule.probability,
        "next": rule.remaining,
        "app": rule.app_id,
        "account": account.key if account else None,
    }


def journal_view(session: Session, entry: JournalEntry) -> dict[str, Any]:
    account = session.get(Account, entry.account_id) if entry.account_id is not None else None
    return {
        "id": entry.id,
        "at": datetime.fromtimestamp(entry.at, UTC).isoformat().replace("+00:00", "Z"),
        "method": entry.method,
        "path": entry.path,
        "app": entry.app_id,
        "account": account.key if account else None,
        "status": entry.status,
        "code": entry.code,
        "duration_ms": round(entry.duration_ms, 3),
        "fault": entry.fault_id,
    }
