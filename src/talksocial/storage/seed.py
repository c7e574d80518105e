"""Seed files (SPEC.md §8): validate a declared world, load it in one transaction, export it.

Validation is complete before anything is written: a bad file is rejected whole with the path of
the fault (`accounts[2].friends[0].account`). Loading is an upsert keyed by app id, account key,
(app, account) and token, so loading a file twice leaves the same world. An account named in the
file owns its friend list and multi-profiles: they are replaced by what the file lists.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from talksocial.domain.consent import required_items, validate_consent_items
from talksocial.domain.secrets import (
    hash_password,
    is_password_hash,
    new_token,
    sha256_hex,
    verify_password,
)
from talksocial.storage import friend_index
from talksocial.storage.clock import now
from talksocial.storage.models import (
    Account,
    App,
    Friendship,
    Link,
    MultiProfile,
    Token,
)
from talksocial.storage.world import ACCESS_TOKEN_LIFETIME

MAX_MULTI_PROFILES = 3
_CHUNK = 500
#: Rows per bulk INSERT/UPDATE statement.
_BATCH = 2000


class SeedError(ValueError):
    """A seed file that cannot be loaded; `path` names the fault inside the file."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}" if path else message)


def read_seed_file(path: str | Path) -> Any:
    """Raises OSError when the file cannot be read, SeedError when it is not JSON or YAML."""
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SeedError("", f"not UTF-8 text (byte {exc.start})") from exc
    return parse_seed_text(text, str(path))


def parse_seed_text(text: str, name: str = "<seed>") -> Any:
    """`.json` is JSON and `.yaml`/`.yml` YAML; any other name is sniffed."""
    if name.endswith((".yaml", ".yml")):
        loader = "YAML"
    elif name.endswith(".json"):
        loader = "JSON"
    else:
        stripped = text.lstrip()
        loader = "JSON" if stripped.startswith(("{", "[")) else "YAML"
    try:
        if loader == "JSON":
            return json.loads(text, object_pairs_hook=_object_without_duplicates)
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise SeedError("", f"not valid {loader}: {exc}") from exc
    except _DuplicateKey as exc:
        raise SeedError("", f"not valid {loader}: the key {exc.key!r} appears twice in one object") from exc


class _DuplicateKey(Exception):
    """A key twice in one object: JSON and YAML parsers keep the last silently; a seed file
    that says two things is refused instead."""

    def __init__(self, key: object) -> None:
        self.key = key
        super().__init__(key)


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise _DuplicateKey(key)
        obj[key] = value
    return obj


class _UniqueKeyLoader(yaml.SafeLoader):
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        self.flatten_mapping(node)  # merge keys (`<<`) first: what they bring may be overridden
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


# --- validation -------------------------------------------------------------------------------


def _type_name(kind: type | tuple[type, ...]) -> str:
    names = {dict: "an object", list: "a list", str: "a string", int: "an integer",
             bool: "a boolean", datetime: "a date-time"}
    if isinstance(kind, tuple):
        return " or ".join(names.get(k, k.__name__) for k in kind)
    return names.get(kind, kind.__name__)


def _expect(value: Any, kind: type | tuple[type, ...], path: str) -> Any:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    ok = isinstance(value, kinds)
    if isinstance(value, bool) and bool not in kinds:
        ok = False  # bool is an int subclass: `true` is not an id
    if not ok:
        raise SeedError(path, f"must be {_type_name(kind)}")
    return value


def _child(path: str, key: object) -> str:
    """`accounts[2].friends` under `accounts[2]`; a top-level field (path "") is its name."""
    return f"{path}.{key}" if path else str(key)


def _opt(obj: dict[str, Any], key: str, kind: type | tuple[type, ...], path: str) -> Any:
    if key not in obj or obj[key] is None:
        return None
    return _expect(obj[key], kind, _child(path, key))


def _allowed_keys(obj: dict[str, Any], allowed: set[str], path: str) -> None:
    for key in obj:
        if key not in allowed:
            raise SeedError(_child(path, key), "unknown field")


@dataclass
class _Known:
    """Apps and accounts the file may refer to: its own plus those already stored, and the
    stored values a file must not take from a record that keeps them."""

    apps: dict[int, dict[str, str]] = field(default_factory=dict)  # id -> consent items
    accounts: set[str] = field(default_factory=set)
    links: set[tuple[int, str]] = field(default_factory=set)  # declared in the file
    stored_links: dict[tuple[int, str], list[str]] = field(default_factory=dict)  # -> scopes
    stored_app_keys: dict[str, tuple[int, str]] = field(default_factory=dict)  # -> app, field
    stored_user_ids: dict[tuple[int, int], str] = field(default_factory=dict)  # -> account
    stored_uuids: dict[tuple[int, str], str] = field(default_factory=dict)  # -> account

#: Bound on `expires_in` (about 3,000 years either way), so that it always makes a date.
_MAX_EXPIRES_IN = 10**11


def _positive_id(value: Any, path: str) -> int:
    _expect(value, int, path)
    if value <= 0 or value > 2**63 - 1:
        raise SeedError(path, "must be a positive 64-bit integer")
    return int(value)


def validate_world(data: Any, known: _Known | None = None) -> None:
    """Raises SeedError naming the first fault; returns when the whole file is loadable."""
    known = known or _Known()
    _expect(data, dict, "$")
    _allowed_keys(data, {"apps", "accounts", "links", "tokens"}, "")
    apps = _opt(data, "apps", list, "") or []
    accounts = _opt(data, "accounts", list, "") or []
    links = _opt(data, "links", list, "") or []
    tokens = _opt(data, "tokens", list, "") or []

    app_keys: dict[str, str] = {}
    declared_keys: dict[tuple[int, str], str] = {}
    seen_app_ids: set[int] = set()
    app_paths: dict[int, str] = {}
    for i, app in enumerate(apps):
        p = f"apps[{i}]"
        _expect(app, dict, p)
        _allowed_keys(
            app,
            {"id", "name", "rest_api_key", "admin_key", "client_secret", "redirect_uris",
             "consent_items"},
            p,
        )
        if "id" not in app:
            raise SeedError(f"{p}.id", "is required")
        app_id = _positive_id(app["id"], f"{p}.id")
        if app_id in seen_app_ids:
            raise SeedError(f"{p}.id", f"duplicate app id {app_id}")
        seen_app_ids.add(app_id)
        app_paths[app_id] = p
        _opt(app, "name", str, p)
        for key_field in ("rest_api_key", "admin_key"):
            value = _opt(app, key_field, str, p)
            if value is not None:
                if not value:
                    raise SeedError(f"{p}.{key_field}", "must not be empty")
                if value in app_keys:
                    raise SeedError(f"{p}.{key_field}", f"duplicate key (also {app_keys[value]})")
                app_keys[value] = f"{p}.{key_field}"
                declared_keys[(app_id, key_field)] = value
        _opt(app, "client_secret", str, p)
        uris = _opt(app, "redirect_uris", list, p) or []
        for j, uri in enumerate(uris):
            _expect(uri, str, f"{p}.redirect_uris[{j}]")
        items = _opt(app, "consent_items", dict, p) or {}
        problem = validate_consent_items(items)
        if problem:
            raise SeedError(f"{p}.consent_items", problem)
        known.apps[app_id] = {str(k): str(v) for k, v in items.items()}

    # A key may not be one another app keeps (a stored app keeps its key unless this file
    # gives that app a different one).
    for (this_app, this_field), value in declared_keys.items():
        holder = known.stored_app_keys.get(value)
        if holder is None or holder == (this_app, this_field):
            continue
        if declared_keys.get(holder, value) == value:
            raise SeedError(
                f"{app_paths[this_app]}.{this_field}",
                f"duplicate key (the {holder[1]} of stored app {holder[0]})",
            )

    seen_accounts: set[str] = set()
    account_entries: list[tuple[str, dict[str, Any], str]] = []
    for i, account in enumerate(accounts):
        p = f"accounts[{i}]"
        _expect(account, dict, p)
        _allowed_keys(
            account,
            {"key", "talk_user", "profile", "account_profile", "multi_profiles", "friends",
             "password", "password_hash"},
            p,
        )
        if "key" not in account:
            raise SeedError(f"{p}.key", "is required")
        key = _expect(account["key"], str, f"{p}.key")
        if not key:
            raise SeedError(f"{p}.key", "must not be empty")
        if key in seen_accounts:
            raise SeedError(f"{p}.key", f"duplicate account key {key!r}")
        seen_accounts.add(key)
        known.accounts.add(key)
        account_entries.append((key, account, p))
        _opt(account, "talk_user", bool, p)
        profile = _opt(account, "profile", dict, p) or {}
        _allowed_keys(profile, {"nickname", "profile_image_url", "thumbnail_url"}, f"{p}.profile")
        for f in ("nickname", "profile_image_url", "thumbnail_url"):
            _opt(profile, f, str, f"{p}.profile")
        acct = _opt(account, "account_profile", dict, p) or {}
        _allowed_keys(
            acct, {"nickname", "profile_image_url", "thumbnail_url", "email"}, f"{p}.account_profile"
        )
        for f in ("nickname", "profile_image_url", "thumbnail_url", "email"):
            _opt(acct, f, str, f"{p}.account_profile")
        _opt(account, "password", str, p)
        pw_hash = _opt(account, "password_hash", str, p)
        if pw_hash is not None and not is_password_hash(pw_hash):
            raise SeedError(f"{p}.password_hash", "is not a password hash this server wrote")
        if "password" in account and "password_hash" in account:
            raise SeedError(f"{p}.password", "give either password or password_hash")

    for key, account, p in account_entries:
        friends = _opt(account, "friends", list, p) or []
        friend_keys: set[str] = set()
        for j, friend in enumerate(friends):
            fp = f"{p}.friends[{j}]"
            _expect(friend, dict, fp)
            _allowed_keys(friend, {"account", "favorite", "hidden", "blocked"}, fp)
            if "account" not in friend:
                raise SeedError(f"{fp}.account", "is required")
            other = _expect(friend["account"], str, f"{fp}.account")
            if other not in known.accounts:
                raise SeedError(f"{fp}.account", f"unknown account {other!r}")
            if other == key:
                raise SeedError(f"{fp}.account", "an account cannot be its own friend")
            if other in friend_keys:
                raise SeedError(f"{fp}.account", f"duplicate friend {other!r}")
            friend_keys.add(other)
            for flag in ("favorite", "hidden", "blocked"):
                _opt(friend, flag, bool, fp)
        multi = _opt(account, "multi_profiles", list, p) or []
        if len(multi) > MAX_MULTI_PROFILES:
            raise SeedError(f"{p}.multi_profiles", f"at most {MAX_MULTI_PROFILES} multi-profiles")
        mp_keys: set[str] = set()
        shown: dict[str, str] = {}
        for j, mp in enumerate(multi):
            mpp = f"{p}.multi_profiles[{j}]"
            _expect(mp, dict, mpp)
            _allowed_keys(
                mp, {"key", "nickname", "profile_image_url", "thumbnail_url", "shown_to"}, mpp
            )
            mp_key = _expect(mp.get("key", f"mp{j + 1}"), str, f"{mpp}.key")
            if mp_key in mp_keys:
                raise SeedError(f"{mpp}.key", f"duplicate multi-profile key {mp_key!r}")
            mp_keys.add(mp_key)
            if "nickname" not in mp:
                raise SeedError(f"{mpp}.nickname", "is required")
            _expect(mp["nickname"], str, f"{mpp}.nickname")
            _opt(mp, "profile_image_url", str, mpp)
            _opt(mp, "thumbnail_url", str, mpp)
            for k, target in enumerate(_opt(mp, "shown_to", list, mpp) or []):
                sp = f"{mpp}.shown_to[{k}]"
                _expect(target, str, sp)
                if target not in friend_keys:
                    raise SeedError(sp, f"{target!r} is not in {key!r}'s friend list")
                if target in shown:
                    raise SeedError(sp, f"{target!r} is already shown multi-profile {shown[target]!r}")
                shown[target] = mp_key

    user_ids: dict[tuple[int, int], str] = {}
    uuids: dict[tuple[int, str], str] = {}
    declared_user_id: dict[tuple[int, str], int] = {}
    declared_uuid: dict[tuple[int, str], str] = {}
    link_account: dict[str, str] = {}
    for i, link in enumerate(links):
        p = f"links[{i}]"
        _expect(link, dict, p)
        _allowed_keys(link, {"app", "account", "user_id", "uuid", "scopes"}, p)
        if "app" not in link:
            raise SeedError(f"{p}.app", "is required")
        app_id = _expect(link["app"], int, f"{p}.app")
        if app_id not in known.apps:
            raise SeedError(f"{p}.app", f"unknown app {app_id}")
        if "account" not in link:
            raise SeedError(f"{p}.account", "is required")
        account_key = _expect(link["account"], str, f"{p}.account")
        if account_key not in known.accounts:
            raise SeedError(f"{p}.account", f"unknown account {account_key!r}")
        if (app_id, account_key) in known.links:
            raise SeedError(p, f"duplicate link of {account_key!r} to app {app_id}")
        known.links.add((app_id, account_key))
        link_account[p] = account_key
        if "user_id" in link:
            uid = _positive_id(link["user_id"], f"{p}.user_id")
            if (app_id, uid) in user_ids:
                raise SeedError(f"{p}.user_id", f"duplicate user_id {uid} in app {app_id}")
            user_ids[(app_id, uid)] = p
            declared_user_id[(app_id, account_key)] = uid
        uuid = _opt(link, "uuid", str, p)
        if uuid is not None:
            if not uuid:
                raise SeedError(f"{p}.uuid", "must not be empty")
            if (app_id, uuid) in uuids:
                raise SeedError(f"{p}.uuid", f"duplicate uuid {uuid!r} in app {app_id}")
            uuids[(app_id, uuid)] = p
            declared_uuid[(app_id, account_key)] = uuid
        items = known.apps[app_id]
        scopes = _opt(link, "scopes", list, p) or []
        for j, scope in enumerate(scopes):
            _expect(scope, str, f"{p}.scopes[{j}]")
            if scope not in items:
                raise SeedError(f"{p}.scopes[{j}]", f"app {app_id} does not use {scope!r}")
        if len(set(scopes)) != len(scopes):
            raise SeedError(f"{p}.scopes", "duplicate scope")
        for item in required_items(items):
            if item not in scopes:
                raise SeedError(f"{p}.scopes", f"missing required item {item!r} of app {app_id}")

    # A user_id or uuid may not be one a stored link of another account keeps (a stored link
    # keeps its values unless this file gives it others).
    for (app_id, uid), p in user_ids.items():
        id_holder = known.stored_user_ids.get((app_id, uid))
        if id_holder is not None and id_holder != link_account[p]:
            if declared_user_id.get((app_id, id_holder), uid) == uid:
                raise SeedError(
                    f"{p}.user_id", f"duplicate user_id {uid} in app {app_id} (of {id_holder!r})"
                )
    for (app_id, uuid), p in uuids.items():
        uuid_holder = known.stored_uuids.get((app_id, uuid))
        if uuid_holder is not None and uuid_holder != link_account[p]:
            if declared_uuid.get((app_id, uuid_holder), uuid) == uuid:
                raise SeedError(
                    f"{p}.uuid", f"duplicate uuid {uuid!r} in app {app_id} (of {uuid_holder!r})"
                )
    # Stored links the file does not redeclare must still fit their app's (new) items.
    for (app_id, account_key), scopes in known.stored_links.items():
        if app_id not in app_paths or (app_id, account_key) in known.links:
            continue
        items = known.apps[app_id]
        for scope in scopes:
            if scope not in items:
                raise SeedError(
                    f"{app_paths[app_id]}.consent_items",
                    f"the stored link of {account_key!r} agreed to {scope!r}, which the app "
                    "would no longer use",
                )
        for item in required_items(items):
            if item not in scopes:
                raise SeedError(
                    f"{app_paths[app_id]}.consent_items",
                    f"the stored link of {account_key!r} has not agreed to the required "
                    f"item {item!r}",
                )

    seen_tokens: set[str] = set()
    for i, token in enumerate(tokens):
        p = f"tokens[{i}]"
        _expect(token, dict, p)
        _allowed_keys(
            token,
            {"app", "account", "access_token", "access_token_sha256", "expires_in", "expires_at"},
            p,
        )
        for ref in ("app", "account"):
            if ref not in token:
                raise SeedError(f"{p}.{ref}", "is required")
        app_id = _expect(token["app"], int, f"{p}.app")
        if app_id not in known.apps:
            raise SeedError(f"{p}.app", f"unknown app {app_id}")
        account_key = _expect(token["account"], str, f"{p}.account")
        if account_key not in known.accounts:
            raise SeedError(f"{p}.account", f"unknown account {account_key!r}")
        if (app_id, account_key) not in known.links and (app_id, account_key) not in known.stored_links:
            raise SeedError(p, f"account {account_key!r} is not linked to app {app_id}")
        plain = _opt(token, "access_token", str, p)
        hashed = _opt(token, "access_token_sha256", str, p)
        if plain is not None and hashed is not None:
            raise SeedError(f"{p}.access_token", "give either access_token or access_token_sha256")
        if plain is not None and not plain:
            raise SeedError(f"{p}.access_token", "must not be empty")
        if hashed is not None and (
            len(hashed) != 64 or any(c not in "0123456789abcdef" for c in hashed)
        ):
            raise SeedError(f"{p}.access_token_sha256", "must be 64 lowercase hex digits")
        digest = hashed or (sha256_hex(plain) if plain else None)
        if digest is not None:
            if digest in seen_tokens:
                raise SeedError(p, "duplicate token")
            seen_tokens.add(digest)
        if "expires_in" in token and "expires_at" in token:
            raise SeedError(f"{p}.expires_in", "give either expires_in or expires_at")
        expires_in = _opt(token, "expires_in", int, p)
        if expires_in is not None and abs(expires_in) > _MAX_EXPIRES_IN:
            raise SeedError(f"{p}.expires_in", f"must be within ±{_MAX_EXPIRES_IN} seconds")
        # YAML reads an unquoted date-time as a datetime: take it as written.
        expires_at = _opt(token, "expires_at", (str, datetime), p)
        if expires_at is not None:
            _parse_instant(expires_at, f"{p}.expires_at")


def _parse_instant(value: str | datetime, path: str) -> float:
    try:
        parsed = (
            value if isinstance(value, datetime)
            else datetime.fromisoformat(value.replace("Z", "+00:00"))
        )
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.timestamp()
    except (ValueError, OverflowError) as exc:
        raise SeedError(path, "must be an ISO 8601 date-time") from exc


def _format_instant(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")


# --- loading ----------------------------------------------------------------------------------


def _known_from_db(session: Session) -> _Known:
    known = _Known()
    for app in session.scalars(select(App)):
        known.apps[app.id] = json.loads(app.consent_items)
        known.stored_app_keys[app.rest_api_key] = (app.id, "rest_api_key")
        known.stored_app_keys[app.admin_key] = (app.id, "admin_key")
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
    validate_world(data, _known_from_db(session))
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
            app.rest_api_key = secrets.token_hex(16)
            app.admin_key = secrets.token_hex(16)
            new_apps.append(app)
        else:
            # Keys may move between apps of the file: free the unique hashes first.
            app = found
            app.rest_api_key_sha256 = f"moving-rest-{i}"
            app.admin_key_sha256 = f"moving-admin-{i}"
        apps.append((app, raw))
    session.flush()
    session.add_all(new_apps)
    for app, raw in apps:
        if "name" in raw:
            app.name = raw["name"]
        if raw.get("rest_api_key"):
            app.rest_api_key = raw["rest_api_key"]
        if raw.get("admin_key"):
            app.admin_key = raw["admin_key"]
        app.rest_api_key_sha256 = sha256_hex(app.rest_api_key)
        app.admin_key_sha256 = sha256_hex(app.admin_key)
        app.client_secret = raw.get("client_secret")
        app.redirect_uris = json.dumps(list(raw.get("redirect_uris") or []))
        app.consent_items = json.dumps(dict(raw.get("consent_items") or {}))
    session.flush()


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
            user_id = _new_user_id(taken_ids.setdefault(app_id, set()))
        uuid = raw.get("uuid") or (old[1] if old else None)
        if uuid is None:
            uuid = _new_uuid(taken_uuids.setdefault(app_id, set()))
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
        }
        if old is None:
            new_rows.append(
                {"app_id": raw["app"], "account_id": accounts[raw["account"]],
                 "connected_at": clock_now, **values}
            )
        else:
            updates.append({"b_app": raw["app"], "b_account": accounts[raw["account"]], **values})
    update_stmt = by_key.values({name: bindparam(name) for name in
                                 ("user_id", "uuid", "position", "scopes")})
    for start in range(0, len(updates), _BATCH):
        conn.execute(update_stmt, updates[start : start + _BATCH])
    for start in range(0, len(new_rows), _BATCH):
        conn.execute(insert(Link), new_rows[start : start + _BATCH])


def _new_user_id(taken: set[int]) -> int:
    while True:
        candidate = secrets.randbelow(2**40) + 10**9
        if candidate not in taken:
            taken.add(candidate)
            return candidate


def _new_uuid(taken: set[str]) -> str:
    while True:
        candidate = secrets.token_urlsafe(24)
        if candidate not in taken:
            taken.add(candidate)
            return candidate


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
        existing = session.scalar(
            select(Token).where(
                Token.app_id == raw["app"],
                Token.account_id == account_id,
                Token.kind == "access",
                Token.seeded.is_(True),
                Token.position == position,
            )
        )
        if existing is not None:
            digest = existing.token_sha256
        else:
            value = new_token()
            digest = sha256_hex(value)
            generated = GeneratedToken(raw["app"], raw["account"], value)
    if "expires_at" in raw:
        expires_at = _parse_instant(raw["expires_at"], "")
    else:
        expires_at = clock_now + int(raw.get("expires_in", ACCESS_TOKEN_LIFETIME))
    token = session.scalar(select(Token).where(Token.token_sha256 == digest))
    if token is None:
        token = Token(token_sha256=digest, kind="access", issued_at=clock_now)
        session.add(token)
    token.app_id = raw["app"]
    token.account_id = account_id
    token.expires_at = expires_at
    token.seeded = True
    token.position = position
    return generated


# --- export -----------------------------------------------------------------------------------


def export_world(session: Session) -> dict[str, Any]:
    """The stored world as a seed document; secrets in their hashed forms (SPEC §8)."""
    apps_out: list[dict[str, Any]] = []
    for app in session.scalars(select(App).order_by(App.id)):
        item: dict[str, Any] = {
            "id": app.id,
            "name": app.name,
            "rest_api_key": app.rest_api_key,
            "admin_key": app.admin_key,
        }
        if app.client_secret is not None:
            item["client_secret"] = app.client_secret
        item["redirect_uris"] = json.loads(app.redirect_uris)
        item["consent_items"] = json.loads(app.consent_items)
        apps_out.append(item)

    accounts = list(session.scalars(select(Account).order_by(Account.position, Account.id)))
    key_of = {a.id: a.key for a in accounts}
    accounts_out: list[dict[str, Any]] = []
    for account in accounts:
        item = {"key": account.key, "talk_user": account.talk_user}
        profile: dict[str, Any] = {"nickname": account.nickname}
        if account.profile_image_url is not None:
            profile["profile_image_url"] = account.profile_image_url
        if account.thumbnail_url is not None:
            profile["thumbnail_url"] = account.thumbnail_url
        item["profile"] = profile
        if account.has_account_profile:
            acct = {
                k: v
                for k, v in (
                    ("nickname", account.account_nickname),
                    ("profile_image_url", account.account_profile_image_url),
                    ("thumbnail_url", account.account_thumbnail_url),
                    ("email", account.email),
                )
                if v is not None
            }
            item["account_profile"] = acct
        if account.password_hash is not None:
            item["password_hash"] = account.password_hash
        friendships = list(
            session.scalars(
                select(Friendship)
                .where(Friendship.owner_id == account.id)
                .order_by(Friendship.position, Friendship.friend_id)
            )
        )
        multi = list(
            session.scalars(
                select(MultiProfile)
                .where(MultiProfile.account_id == account.id)
                .order_by(MultiProfile.position, MultiProfile.id)
            )
        )
        if multi:
            mps = []
            for mp in multi:
                mp_item: dict[str, Any] = {"key": mp.key, "nickname": mp.nickname}
                if mp.profile_image_url is not None:
                    mp_item["profile_image_url"] = mp.profile_image_url
                if mp.thumbnail_url is not None:
                    mp_item["thumbnail_url"] = mp.thumbnail_url
                mp_item["shown_to"] = [
                    key_of[f.friend_id] for f in friendships if f.shown_profile_id == mp.id
                ]
                mps.append(mp_item)
            item["multi_profiles"] = mps
        item["friends"] = [
            {
                "account": key_of[f.friend_id],
                "favorite": f.favorite,
                "hidden": f.hidden,
                "blocked": f.blocked,
            }
            for f in friendships
        ]
        accounts_out.append(item)

    links_out = [
        {
            "app": link.app_id,
            "account": key_of[link.account_id],
            "user_id": link.user_id,
            "uuid": link.uuid,
            "scopes": json.loads(link.scopes),
        }
        for link in session.scalars(select(Link).order_by(Link.app_id, Link.position, Link.user_id))
    ]
    tokens_out = [
        {
            "app": token.app_id,
            "account": key_of[token.account_id],
            "access_token_sha256": token.token_sha256,
            "expires_at": _format_instant(token.expires_at),
        }
        for token in session.scalars(
            select(Token)
            .where(Token.kind == "access")
            .order_by(Token.seeded.desc(), Token.position, Token.id)
        )
    ]
    return {"apps": apps_out, "accounts": accounts_out, "links": links_out, "tokens": tokens_out}


def dump_world(world: dict[str, Any]) -> str:
    return json.dumps(world, ensure_ascii=False, indent=2) + "\n"
