"""Writes to the world that keep its invariants: links with their app-scoped ids and agreed
scopes, tokens. Every function runs inside the caller's transaction and refreshes the friend
index for what it changed."""

from __future__ import annotations

import json
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from talksocial.domain.consent import required_items
from talksocial.domain.secrets import new_token, sha256_hex
from talksocial.storage import friend_index
from talksocial.storage.clock import now
from talksocial.storage.models import Account, App, Link, Token

ACCESS_TOKEN_LIFETIME = 21599


class WorldError(ValueError):
    """A write that would break the world's rules (unknown app, scope the app does not use)."""


def get_app(session: Session, app_id: int) -> App:
    app = session.get(App, app_id)
    if app is None:
        raise WorldError(f"unknown app {app_id}")
    return app


def get_account(session: Session, key: str) -> Account:
    account = session.scalar(select(Account).where(Account.key == key))
    if account is None:
        raise WorldError(f"unknown account {key!r}")
    return account


def new_user_id(session: Session, app_id: int) -> int:
    while True:
        candidate = secrets.randbelow(2**40) + 10**9
        taken = session.scalar(
            select(Link.account_id).where(Link.app_id == app_id, Link.user_id == candidate)
        )
        if taken is None:
            return candidate


def ensure_link(
    session: Session, app: App, account: Account, scopes: list[str] | None
) -> Link:
    """Links the account to the app when it is not yet. `scopes` (when given) sets the agreed
    items to the app's required items plus those named (SPEC §9); a new link without `scopes`
    agrees to the required items."""
    items: dict[str, str] = json.loads(app.consent_items)
    if scopes is not None:
        for scope in scopes:
            if scope not in items:
                raise WorldError(f"app {app.id} does not use the consent item {scope!r}")
    link = session.get(Link, (app.id, account.id))
    changed = False
    if link is None:
        link = Link(
            app_id=app.id,
            account_id=account.id,
            user_id=new_user_id(session, app.id),
            uuid=secrets.token_urlsafe(24),
            scopes=json.dumps(required_items(items)),
            connected_at=now(session),
        )
        session.add(link)
        changed = True
    if scopes is not None:
        agreed = required_items(items) + [s for s in scopes if s not in required_items(items)]
        if json.loads(link.scopes) != agreed:
            link.scopes = json.dumps(agreed)
            changed = True
    if changed:
        friend_index.refresh_account(session, account.id)
    return link


def issue_access_token(
    session: Session,
    *,
    app_id: int,
    account_key: str,
    scopes: list[str] | None = None,
    lifetime: int = ACCESS_TOKEN_LIFETIME,
) -> str:
    """`talksocial token issue`: a new access token for the account in the app (linking it first
    when needed). Returns the token; only its hash is stored."""
    app = get_app(session, app_id)
    account = get_account(session, account_key)
    ensure_link(session, app, account, scopes)
    token = new_token()
    issued = now(session)
    session.add(
        Token(
            token_sha256=sha256_hex(token),
            kind="access",
            app_id=app.id,
            account_id=account.id,
            expires_at=issued + lifetime,
            issued_at=issued,
        )
    )
    return token
