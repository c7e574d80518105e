"""Exporting the stored world as a seed document (docs/reference/seed-format.md): secrets in their hashed forms,
issued (not seeded) tokens included, so that loading the export gives the same world."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from talksocial.storage.message_templates import list_templates, template_view
from talksocial.storage.models import Account, App, Friendship, Link, MultiProfile, Token


def _format_instant(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")


def export_world(session: Session) -> dict[str, Any]:
    """The stored world as a seed document; secrets in their hashed forms (docs/reference/seed-format.md)."""
    apps_out: list[dict[str, Any]] = []
    for app in session.scalars(select(App).order_by(App.id)):
        item: dict[str, Any] = {
            "id": app.id,
            "name": app.name,
            "rest_api_key": app.rest_api_key,
            "admin_key": app.admin_key,
            "javascript_key": app.javascript_key,
            "native_app_key": app.native_app_key,
        }
        if app.client_secret is not None:
            item["client_secret"] = app.client_secret
        item["redirect_uris"] = json.loads(app.redirect_uris)
        logout_uris = json.loads(app.logout_redirect_uris)
        if logout_uris:
            item["logout_redirect_uris"] = logout_uris
        web_domains = json.loads(app.web_domains)
        if web_domains:
            item["web_domains"] = web_domains
        item["consent_items"] = json.loads(app.consent_items)
        templates = [template_view(t) for t in list_templates(session, app.id)]
        if templates:
            item["message_templates"] = templates
        limits = json.loads(app.message_limits or "{}")
        if limits:
            item["message_limits"] = limits
        user_properties = json.loads(app.user_properties or "[]")
        if user_properties:
            item["user_properties"] = user_properties
        if app.unlink_callback_url:
            item["unlink_callback_url"] = app.unlink_callback_url
            item["unlink_callback_method"] = app.unlink_callback_method
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
            acct: dict[str, Any] = {
                k: v
                for k, v in (
                    ("nickname", account.account_nickname),
                    ("profile_image_url", account.account_profile_image_url),
                    ("thumbnail_url", account.account_thumbnail_url),
                    ("email", account.email),
                )
                if v is not None
            }
            # The defaults (true) are left out.
            if not account.email_valid:
                acct["email_valid"] = False
            if not account.email_verified:
                acct["email_verified"] = False
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

    links_out: list[dict[str, Any]] = []
    for link in session.scalars(select(Link).order_by(Link.app_id, Link.position, Link.user_id)):
        link_item: dict[str, Any] = {
            "app": link.app_id,
            "account": key_of[link.account_id],
            "user_id": link.user_id,
            "uuid": link.uuid,
            "scopes": json.loads(link.scopes),
        }
        if not link.accepts_messages:
            link_item["accepts_messages"] = False
        properties = json.loads(link.properties or "{}")
        if properties:
            link_item["properties"] = properties
        links_out.append(link_item)
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
