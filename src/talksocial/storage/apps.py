"""Apps: create, change, regenerate keys, delete (with everything that belongs to the app).

Every function runs inside the caller's transaction; a refused edit raises a `StorageError`."""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from talksocial.domain.consent import required_items, validate_consent_items
from talksocial.domain.messages import limit_overrides_problem
from talksocial.domain.origins import is_origin
from talksocial.domain.secrets import sha256_hex
from talksocial.storage import fields as f
from talksocial.storage import friend_index, message_templates
from talksocial.storage.errors import Conflict, InvalidInput, NotFound
from talksocial.storage.models import (
    Account,
    App,
    AuthCode,
    FaultRule,
    FriendCount,
    FriendRow,
    Link,
    Message,
    MessageTemplate,
    QuotaLimit,
    QuotaUsage,
    RateCounter,
    Token,
    TokenIssuance,
    WebhookDelivery,
)
from talksocial.storage.versions import bump_version

#: An app's keys (docs/reference/compatibility.md#keys): each unique among every key of every
#: app, kept retrievable and looked up by its sha256.
KEY_FIELDS = ("rest_api_key", "admin_key", "javascript_key", "native_app_key")
APP_FIELDS = ("id", "name", *KEY_FIELDS, "client_secret", "redirect_uris",
              "logout_redirect_uris", "consent_items", "web_domains", "message_limits",
              "message_templates", "user_properties", "unlink_callback_url",
              "unlink_callback_method")


#: Kakao's own keys of `properties` on /v2/user/me: no app declares them.
RESERVED_PROPERTY_KEYS = ("nickname", "profile_image", "thumbnail_image")
MAX_PROPERTY_KEYS = 100
CALLBACK_METHODS = ("GET", "POST")


def check_user_property_keys(value: Any, name: str) -> list[str]:
    """An app's declared user property keys (docs/reference/kakao-login.md#user-properties)."""
    keys = f.string_list(value, name)
    if len(keys) > MAX_PROPERTY_KEYS:
        raise InvalidInput(f"{name}: at most {MAX_PROPERTY_KEYS} keys")
    for i, key in enumerate(keys):
        if len(key) > 100:
            raise InvalidInput(f"{name}[{i}] is longer than 100 characters")
        if key in RESERVED_PROPERTY_KEYS:
            raise InvalidInput(f"{name}[{i}]: {key!r} is one of Kakao's own keys")
        if key in keys[:i]:
            raise InvalidInput(f"{name}[{i}]: duplicate key {key!r}")
    return keys


def check_callback_url(value: Any) -> str | None:
    """An unlink callback URL: absolute http(s) with a host, or empty/None for none."""
    url = f.optional_string(value, "unlink_callback_url", max_len=2000)
    if not url:
        return None
    parsed = urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise InvalidInput("unlink_callback_url must be an absolute http(s) URL")
    return url


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
            (App.rest_api_key_sha256 == digest)
            | (App.admin_key_sha256 == digest)
            | (App.javascript_key_sha256 == digest)
            | (App.native_app_key_sha256 == digest)
        )
    )
    if holder is not None and holder != app_id:
        raise Conflict(f"{name}: the key is taken by app {holder}")


def _set_keys(session: Session, app: App, keys: Mapping[str, str], app_id: int | None) -> None:
    """All four keys of `app`, distinct from each other and from every other app's."""
    if len(set(keys.values())) != len(keys):
        raise InvalidInput("an app's keys (" + ", ".join(KEY_FIELDS) + ") must all differ")
    for name, value in keys.items():
        _check_key_free(session, value, name, app_id)
        setattr(app, name, value)
        setattr(app, f"{name}_sha256", sha256_hex(value))


def create_app(session: Session, fields: Mapping[str, Any]) -> App:
    """`fields` as a seed file's app (`id` generated when left out; keys generated too)."""
    f.only_keys(fields, APP_FIELDS, "app")
    if fields.get("id") is not None:
        app_id = f.integer(fields["id"], "id")
        if session.get(App, app_id) is not None:
            raise Conflict(f"app {app_id} exists")
    else:
        app_id = (session.scalar(select(func.max(App.id))) or 1000) + 1
    app = App(id=app_id, name=f"App {app_id}", redirect_uris="[]", consent_items="{}")
    keys = {
        name: f.string(fields.get(name) or secrets.token_hex(16), name, max_len=200)
        for name in KEY_FIELDS
    }
    _set_keys(session, app, keys, None)
    _apply_app_fields(app, fields)
    session.add(app)
    session.flush()
    if "message_templates" in fields:
        message_templates.replace_all(session, app.id, fields["message_templates"] or [])
    return app


def _apply_app_fields(app: App, fields: Mapping[str, Any]) -> None:
    if "name" in fields:
        app.name = f.string(fields["name"], "name", max_len=200)
    if "client_secret" in fields:
        app.client_secret = (
            f.optional_string(fields["client_secret"], "client_secret", max_len=200) or None
        )
    if "redirect_uris" in fields:
        app.redirect_uris = json.dumps(f.string_list(fields["redirect_uris"] or [], "redirect_uris"))
    if "logout_redirect_uris" in fields:
        app.logout_redirect_uris = json.dumps(
            f.string_list(fields["logout_redirect_uris"] or [], "logout_redirect_uris")
        )
    if "web_domains" in fields:
        domains = f.string_list(fields["web_domains"] or [], "web_domains")
        for i, domain in enumerate(domains):
            if not is_origin(domain):
                raise InvalidInput(
                    f"web_domains[{i}] must be an origin such as http://localhost:3000 "
                    f"(scheme, host and port only, lower case): {domain!r}"
                )
        app.web_domains = json.dumps(domains)
    if "message_limits" in fields:
        limits = fields["message_limits"] or {}
        problem = limit_overrides_problem(limits)
        if problem:
            raise InvalidInput(f"message_limits: {problem}")
        app.message_limits = json.dumps(limits)
    if "user_properties" in fields:
        app.user_properties = json.dumps(
            check_user_property_keys(fields["user_properties"] or [], "user_properties")
        )
    if "unlink_callback_url" in fields:
        app.unlink_callback_url = check_callback_url(fields["unlink_callback_url"])
    if "unlink_callback_method" in fields:
        method = fields["unlink_callback_method"]
        if method not in CALLBACK_METHODS:
            raise InvalidInput("unlink_callback_method must be GET or POST")
        app.unlink_callback_method = method
    if "consent_items" in fields:
        items = fields["consent_items"] or {}
        if not isinstance(items, dict):
            raise InvalidInput("consent_items must be an object")
        problem = validate_consent_items(items)
        if problem:
            raise InvalidInput(f"consent_items: {problem}")
        app.consent_items = json.dumps({str(k): str(v) for k, v in items.items()})


def update_app(session: Session, app_id: int, changes: Mapping[str, Any]) -> App:
    """Changes name, keys, secret, redirect URIs, consent items. An item the app stops using
    leaves the agreed scopes of its links; an item made required that a link has not agreed to
    is refused (as a seed file with that link would be)."""
    f.only_keys(changes, [name for name in APP_FIELDS if name != "id"], "app")
    app = get_app(session, app_id)
    keys = {
        name: f.string(changes[name], name, max_len=200) if name in changes else getattr(app, name)
        for name in KEY_FIELDS
    }
    _set_keys(session, app, keys, app.id)
    old_items = json.loads(app.consent_items)
    _apply_app_fields(app, changes)
    if "message_templates" in changes:
        message_templates.replace_all(session, app.id, changes["message_templates"] or [])
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
    return update_app(session, app.id, {name: secrets.token_hex(16) for name in KEY_FIELDS})


def delete_app(session: Session, app_id: int) -> None:
    """The app, its links, tokens, codes, faults, quotas, message templates and delivered
    messages; its friend index rows."""
    app = get_app(session, app_id)
    session.execute(delete(Message).where(Message.app_id == app.id))
    session.execute(delete(MessageTemplate).where(MessageTemplate.app_id == app.id))
    session.execute(delete(FriendRow).where(FriendRow.app_id == app.id))
    session.execute(delete(FriendCount).where(FriendCount.app_id == app.id))
    session.execute(delete(QuotaUsage).where(QuotaUsage.app_id == app.id))
    session.execute(delete(TokenIssuance).where(TokenIssuance.app_id == app.id))
    session.execute(delete(Token).where(Token.app_id == app.id))
    session.execute(delete(AuthCode).where(AuthCode.app_id == app.id))
    session.execute(delete(Link).where(Link.app_id == app.id))
    session.execute(delete(FaultRule).where(FaultRule.app_id == app.id))
    session.execute(delete(QuotaLimit).where(QuotaLimit.app_id == app.id))
    session.execute(delete(RateCounter).where(RateCounter.app_id == app.id))
    session.execute(delete(WebhookDelivery).where(WebhookDelivery.app_id == app.id))
    session.delete(app)
    session.flush()
    bump_version(session)
