"""Validating a seed document (docs/reference/seed-format.md) before anything is written: a bad file is rejected
whole with the path of the fault (`accounts[2].friends[0].account`). One function per section;
`Known` carries what later sections may refer to (the file's apps and accounts, and what is
already stored)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from talksocial.domain.consent import required_items, validate_consent_items
from talksocial.domain.errors import InvalidArgument
from talksocial.domain.messages import limit_overrides_problem, validate_template
from talksocial.domain.origins import is_origin
from talksocial.domain.secrets import is_password_hash, sha256_hex
from talksocial.storage.apps import CALLBACK_METHODS, check_callback_url, check_user_property_keys
from talksocial.storage.errors import InvalidInput
from talksocial.storage.links import MAX_PROPERTY_VALUE
from talksocial.storage.profiles import MAX_MULTI_PROFILES
from talksocial.storage.seed.parse import SeedError

#: Bound on `expires_in` (about 3,000 years either way), so that it always makes a date.
_MAX_EXPIRES_IN = 10**11

#: An app's keys: each unique among every key of every app.
KEY_FIELDS = ("rest_api_key", "admin_key", "javascript_key", "native_app_key")
APP_FIELDS = {"id", "name", *KEY_FIELDS, "client_secret", "redirect_uris",
              "logout_redirect_uris", "web_domains",
              "message_templates", "message_limits", "user_properties",
              "unlink_callback_url", "unlink_callback_method",
              "consent_items"}
ACCOUNT_FIELDS = {"key", "talk_user", "profile", "account_profile", "multi_profiles", "friends",
                  "password", "password_hash"}
FRIEND_FIELDS = {"account", "favorite", "hidden", "blocked"}
MULTI_PROFILE_FIELDS = {"key", "nickname", "profile_image_url", "thumbnail_url", "shown_to"}
LINK_FIELDS = {"app", "account", "user_id", "uuid", "scopes", "accepts_messages", "properties"}
TEMPLATE_FIELDS = {"id", "template_object"}
TOKEN_FIELDS = {"app", "account", "access_token", "access_token_sha256", "expires_in",
                "expires_at"}


@dataclass
class Known:
    """Apps and accounts the file may refer to: its own plus those already stored, and the
    stored values a file must not take from a record that keeps them."""

    apps: dict[int, dict[str, str]] = field(default_factory=dict)  # id -> consent items
    accounts: set[str] = field(default_factory=set)
    links: set[tuple[int, str]] = field(default_factory=set)  # declared in the file
    stored_links: dict[tuple[int, str], list[str]] = field(default_factory=dict)  # -> scopes
    stored_app_keys: dict[str, tuple[int, str]] = field(default_factory=dict)  # -> app, field
    stored_user_ids: dict[tuple[int, int], str] = field(default_factory=dict)  # -> account
    stored_uuids: dict[tuple[int, str], str] = field(default_factory=dict)  # -> account
    app_paths: dict[int, str] = field(default_factory=dict)  # app id -> its path in the file
    # app id -> its declared user property keys (apps of the file only)
    user_properties: dict[int, list[str]] = field(default_factory=dict)


# --- small checks ------------------------------------------------------------------------------


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


def _positive_id(value: Any, path: str) -> int:
    _expect(value, int, path)
    if value <= 0 or value > 2**63 - 1:
        raise SeedError(path, "must be a positive 64-bit integer")
    return int(value)


def parse_instant(value: str | datetime, path: str) -> float:
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


# --- the document -------------------------------------------------------------------------------


def validate_world(data: Any, known: Known | None = None) -> None:
    """Raises SeedError naming the first fault; returns when the whole file is loadable."""
    known = known or Known()
    _expect(data, dict, "$")
    _allowed_keys(data, {"apps", "accounts", "links", "tokens"}, "")
    apps = _opt(data, "apps", list, "") or []
    accounts = _opt(data, "accounts", list, "") or []
    links = _opt(data, "links", list, "") or []
    tokens = _opt(data, "tokens", list, "") or []
    validate_apps(apps, known)
    entries = validate_accounts(accounts, known)
    for key, account, path in entries:
        friend_keys = validate_friends(key, account, path, known)
        validate_multi_profiles(key, account, path, friend_keys)
    validate_links(links, known)
    validate_stored_links(known)
    validate_tokens(tokens, known)


def validate_apps(apps: list[Any], known: Known) -> None:
    """Each app: an id, keys no other app (of the file or stored) holds, consent items."""
    app_keys: dict[str, str] = {}
    declared_keys: dict[tuple[int, str], str] = {}
    for i, app in enumerate(apps):
        p = f"apps[{i}]"
        _expect(app, dict, p)
        _allowed_keys(app, APP_FIELDS, p)
        if "id" not in app:
            raise SeedError(f"{p}.id", "is required")
        app_id = _positive_id(app["id"], f"{p}.id")
        if app_id in known.app_paths:
            raise SeedError(f"{p}.id", f"duplicate app id {app_id}")
        known.app_paths[app_id] = p
        _opt(app, "name", str, p)
        for key_field in KEY_FIELDS:
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
        logout_uris = _opt(app, "logout_redirect_uris", list, p) or []
        for j, uri in enumerate(logout_uris):
            _expect(uri, str, f"{p}.logout_redirect_uris[{j}]")
        domains = _opt(app, "web_domains", list, p) or []
        for j, domain in enumerate(domains):
            _expect(domain, str, f"{p}.web_domains[{j}]")
            if not is_origin(domain):
                raise SeedError(
                    f"{p}.web_domains[{j}]",
                    "must be an origin such as http://localhost:3000 (scheme, host and port "
                    "only, lower case)",
                )
        _validate_message_templates(app, p)
        limits = _opt(app, "message_limits", dict, p)
        if limits is not None:
            problem = limit_overrides_problem(limits)
            if problem:
                raise SeedError(f"{p}.message_limits", problem)
        _validate_user_apis(app, p, app_id, known)
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
                f"{known.app_paths[this_app]}.{this_field}",
                f"duplicate key (the {holder[1]} of stored app {holder[0]})",
            )


def _validate_message_templates(app: dict[str, Any], p: str) -> None:
    """Custom templates: a positive id, once in the app; a template object as the Message API
    takes it (its `${name}` placeholders are strings like any other)."""
    seen: set[int] = set()
    for j, template in enumerate(_opt(app, "message_templates", list, p) or []):
        tp = f"{p}.message_templates[{j}]"
        _expect(template, dict, tp)
        _allowed_keys(template, TEMPLATE_FIELDS, tp)
        if "id" not in template:
            raise SeedError(f"{tp}.id", "is required")
        template_id = _positive_id(template["id"], f"{tp}.id")
        if template_id > 2**53:
            raise SeedError(f"{tp}.id", "must be at most 2^53")
        if template_id in seen:
            raise SeedError(f"{tp}.id", f"duplicate template id {template_id}")
        seen.add(template_id)
        try:
            validate_template(template.get("template_object"), f"{tp}.template_object")
        except InvalidArgument as exc:
            path, _, problem = exc.msg.partition(" ")
            raise SeedError(path, problem) from None


def _validate_user_apis(app: dict[str, Any], p: str, app_id: int, known: Known) -> None:
    """`user_properties`, `unlink_callback_url`, `unlink_callback_method`."""
    keys = _opt(app, "user_properties", list, p) or []
    try:
        known.user_properties[app_id] = check_user_property_keys(keys, "user_properties")
    except InvalidInput as exc:
        raise SeedError(f"{p}.user_properties", str(exc)) from None
    try:
        check_callback_url(_opt(app, "unlink_callback_url", str, p))
    except InvalidInput as exc:
        raise SeedError(f"{p}.unlink_callback_url", str(exc)) from None
    method = _opt(app, "unlink_callback_method", str, p)
    if method is not None and method not in CALLBACK_METHODS:
        raise SeedError(f"{p}.unlink_callback_method", "must be GET or POST")


def _validate_link_properties(link: dict[str, Any], p: str, declared: list[str] | None) -> None:
    """A link's `properties`: strings under keys its app declares (when the app is the
    file's; a stored app's keys are checked when the link is loaded)."""
    props = _opt(link, "properties", dict, p)
    for key, value in (props or {}).items():
        _expect(value, str, f"{p}.properties.{key}")
        if len(value) > MAX_PROPERTY_VALUE:
            raise SeedError(f"{p}.properties.{key}", f"longer than {MAX_PROPERTY_VALUE} characters")
        if declared is not None and key not in declared:
            raise SeedError(f"{p}.properties.{key}", "the app declares no such user property")


def validate_accounts(
    accounts: list[Any], known: Known
) -> list[tuple[str, dict[str, Any], str]]:
    """Each account: a key, its profiles, its password; returns (key, account, path) of each,
    for the friend lists (checked once every account of the file is known)."""
    seen_accounts: set[str] = set()
    entries: list[tuple[str, dict[str, Any], str]] = []
    for i, account in enumerate(accounts):
        p = f"accounts[{i}]"
        _expect(account, dict, p)
        _allowed_keys(account, ACCOUNT_FIELDS, p)
        if "key" not in account:
            raise SeedError(f"{p}.key", "is required")
        key = _expect(account["key"], str, f"{p}.key")
        if not key:
            raise SeedError(f"{p}.key", "must not be empty")
        if key in seen_accounts:
            raise SeedError(f"{p}.key", f"duplicate account key {key!r}")
        seen_accounts.add(key)
        known.accounts.add(key)
        entries.append((key, account, p))
        _opt(account, "talk_user", bool, p)
        profile = _opt(account, "profile", dict, p) or {}
        _allowed_keys(profile, {"nickname", "profile_image_url", "thumbnail_url"}, f"{p}.profile")
        for name in ("nickname", "profile_image_url", "thumbnail_url"):
            _opt(profile, name, str, f"{p}.profile")
        acct = _opt(account, "account_profile", dict, p) or {}
        _allowed_keys(
            acct,
            {"nickname", "profile_image_url", "thumbnail_url", "email", "email_valid",
             "email_verified"},
            f"{p}.account_profile",
        )
        for name in ("nickname", "profile_image_url", "thumbnail_url", "email"):
            _opt(acct, name, str, f"{p}.account_profile")
        for name in ("email_valid", "email_verified"):
            _opt(acct, name, bool, f"{p}.account_profile")
        _opt(account, "password", str, p)
        pw_hash = _opt(account, "password_hash", str, p)
        if pw_hash is not None and not is_password_hash(pw_hash):
            raise SeedError(f"{p}.password_hash", "is not a password hash this server wrote")
        if "password" in account and "password_hash" in account:
            raise SeedError(f"{p}.password", "give either password or password_hash")
    return entries


def validate_friends(key: str, account: dict[str, Any], p: str, known: Known) -> set[str]:
    """An account's friend list: known accounts, not itself, each once; returns their keys."""
    friends = _opt(account, "friends", list, p) or []
    friend_keys: set[str] = set()
    for j, friend in enumerate(friends):
        fp = f"{p}.friends[{j}]"
        _expect(friend, dict, fp)
        _allowed_keys(friend, FRIEND_FIELDS, fp)
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
    return friend_keys


def validate_multi_profiles(
    key: str, account: dict[str, Any], p: str, friend_keys: set[str]
) -> None:
    """At most three multi-profiles, each shown to friends of the list, one per friend."""
    multi = _opt(account, "multi_profiles", list, p) or []
    if len(multi) > MAX_MULTI_PROFILES:
        raise SeedError(f"{p}.multi_profiles", f"at most {MAX_MULTI_PROFILES} multi-profiles")
    mp_keys: set[str] = set()
    shown: dict[str, str] = {}
    for j, mp in enumerate(multi):
        mpp = f"{p}.multi_profiles[{j}]"
        _expect(mp, dict, mpp)
        _allowed_keys(mp, MULTI_PROFILE_FIELDS, mpp)
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


def validate_links(links: list[Any], known: Known) -> None:
    """Each link: a known app and account, once; ids unique in the app (also against the ids
    stored links keep); scopes the app uses, its required items among them."""
    user_ids: dict[tuple[int, int], str] = {}
    uuids: dict[tuple[int, str], str] = {}
    declared_user_id: dict[tuple[int, str], int] = {}
    declared_uuid: dict[tuple[int, str], str] = {}
    link_account: dict[str, str] = {}
    for i, link in enumerate(links):
        p = f"links[{i}]"
        _expect(link, dict, p)
        _allowed_keys(link, LINK_FIELDS, p)
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
        _opt(link, "accepts_messages", bool, p)
        _validate_link_properties(link, p, known.user_properties.get(app_id))
        _validate_scopes(link, p, app_id, known.apps[app_id])

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


def _validate_scopes(link: dict[str, Any], p: str, app_id: int, items: dict[str, str]) -> None:
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


def validate_stored_links(known: Known) -> None:
    """Stored links the file does not redeclare must still fit their app's (new) items."""
    for (app_id, account_key), scopes in known.stored_links.items():
        if app_id not in known.app_paths or (app_id, account_key) in known.links:
            continue
        items = known.apps[app_id]
        app_path = known.app_paths[app_id]
        for scope in scopes:
            if scope not in items:
                raise SeedError(
                    f"{app_path}.consent_items",
                    f"the stored link of {account_key!r} agreed to {scope!r}, which the app "
                    "would no longer use",
                )
        for item in required_items(items):
            if item not in scopes:
                raise SeedError(
                    f"{app_path}.consent_items",
                    f"the stored link of {account_key!r} has not agreed to the required "
                    f"item {item!r}",
                )


def validate_tokens(tokens: list[Any], known: Known) -> None:
    """Each token: of a linked (app, account), given plain or hashed or neither (generated),
    each once, with a lifetime or an expiry date."""
    seen_tokens: set[str] = set()
    for i, token in enumerate(tokens):
        p = f"tokens[{i}]"
        _expect(token, dict, p)
        _allowed_keys(token, TOKEN_FIELDS, p)
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
            parse_instant(expires_at, f"{p}.expires_at")
