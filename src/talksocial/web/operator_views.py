"""The operator's JSON views of stored records: what the control plane (`/_talksocial/...`)
answers, and what the console shows of faults and the journal. Wire shaping, kept out of the
storage layer, and shared by the two operator features (so it sits in the web kernel)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from talksocial.storage.friends import list_friends
from talksocial.storage.links import list_links
from talksocial.storage.models import (
    Account,
    App,
    FaultRule,
    Friendship,
    JournalEntry,
    Link,
    MultiProfile,
    WebhookDelivery,
)
from talksocial.storage.profiles import list_multi_profiles


def app_view(app: App) -> dict[str, Any]:
    return {
        "id": app.id,
        "name": app.name,
        "rest_api_key": app.rest_api_key,
        "admin_key": app.admin_key,
        "javascript_key": app.javascript_key,
        "native_app_key": app.native_app_key,
        "client_secret": app.client_secret,
        "redirect_uris": json.loads(app.redirect_uris),
        "logout_redirect_uris": json.loads(app.logout_redirect_uris),
        "web_domains": json.loads(app.web_domains),
        "consent_items": json.loads(app.consent_items),
        "message_limits": json.loads(app.message_limits or "{}"),
        "user_properties": json.loads(app.user_properties or "[]"),
        "unlink_callback_url": app.unlink_callback_url,
        "unlink_callback_method": app.unlink_callback_method,
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
                "email_valid": account.email_valid,
                "email_verified": account.email_verified,
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
        "accepts_messages": row.accepts_messages,
        "properties": json.loads(row.properties or "{}"),
    }


def delivery_view(row: WebhookDelivery) -> dict[str, Any]:
    """One call of an app's unlink callback (docs/server/control-plane.md#webhooks)."""
    return {
        "id": row.id,
        "app": row.app_id,
        "user_id": row.user_id,
        "referrer_type": row.referrer_type,
        "url": row.url,
        "method": row.method,
        "status": row.status,
        "response_code": row.response_code,
        "error": row.error,
        "at": datetime.fromtimestamp(row.at, UTC).isoformat().replace("+00:00", "Z"),
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
