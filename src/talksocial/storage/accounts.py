"""Accounts: create, change (key, Talk status, default profile, Kakao Account profile,
password), delete with everything that belongs to the account.

Every function runs inside the caller's transaction; a refused edit raises a `StorageError`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from talksocial.domain.secrets import hash_password, is_password_hash
from talksocial.storage import fields as f
from talksocial.storage import friend_index, webhooks
from talksocial.storage.errors import Conflict, InvalidInput, NotFound
from talksocial.storage.models import (
    Account,
    App,
    AuthCode,
    FaultRule,
    Friendship,
    Link,
    LoginSession,
    Message,
    MultiProfile,
    Token,
    TokenIssuance,
)
from talksocial.storage.versions import bump_version

PROFILE_FIELDS = ("nickname", "profile_image_url", "thumbnail_url")
ACCOUNT_PROFILE_FIELDS = ("nickname", "profile_image_url", "thumbnail_url", "email",
                          "email_valid", "email_verified")
ACCOUNT_FIELDS = ("key", "talk_user", "profile", "account_profile", "password", "password_hash")


def list_accounts(session: Session) -> list[Account]:
    return list(session.scalars(select(Account).order_by(Account.position, Account.id)))


def get_account(session: Session, key: str) -> Account:
    account = (
        session.scalar(select(Account).where(Account.key == key)) if isinstance(key, str) else None
    )
    if account is None:
        raise NotFound(f"unknown account {key!r}")
    return account


def create_account(session: Session, fields: Mapping[str, Any]) -> Account:
    """`fields` as a seed file's account, without friends and multi-profiles (added apart)."""
    f.only_keys(fields, ACCOUNT_FIELDS, "account")
    if "key" not in fields:
        raise InvalidInput("key is required")
    key = f.string(fields["key"], "key", max_len=200)
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
        account.talk_user = f.boolean(fields["talk_user"], "talk_user")
    if "profile" in fields:
        _apply_profile(account, fields["profile"] or {})
    if "account_profile" in fields:
        _apply_account_profile(account, fields["account_profile"])
    if "password" in fields and "password_hash" in fields:
        raise InvalidInput("give either password or password_hash")
    if "password" in fields:
        password = f.optional_string(fields["password"], "password", max_len=400)
        account.password_hash = hash_password(password) if password else None
    if "password_hash" in fields:
        pw_hash = f.optional_string(fields["password_hash"], "password_hash", max_len=400)
        if pw_hash is not None and not is_password_hash(pw_hash):
            raise InvalidInput("password_hash is not a password hash this server wrote")
        account.password_hash = pw_hash


def _apply_profile(account: Account, profile: Mapping[str, Any]) -> None:
    f.only_keys(profile, PROFILE_FIELDS, "profile")
    if "nickname" in profile:
        account.nickname = f.string(profile["nickname"], "profile.nickname")
    if "profile_image_url" in profile:
        account.profile_image_url = f.optional_string(
            profile["profile_image_url"], "profile.profile_image_url"
        )
    if "thumbnail_url" in profile:
        account.thumbnail_url = f.optional_string(profile["thumbnail_url"], "profile.thumbnail_url")


def _apply_account_profile(account: Account, acct: Mapping[str, Any] | None) -> None:
    if acct is None:
        account.has_account_profile = False
        account.account_nickname = account.account_profile_image_url = None
        account.account_thumbnail_url = account.email = None
        account.email_valid = account.email_verified = True
        return
    f.only_keys(acct, ACCOUNT_PROFILE_FIELDS, "account_profile")
    account.has_account_profile = True
    account.account_nickname = f.optional_string(acct.get("nickname"), "account_profile.nickname")
    account.account_profile_image_url = f.optional_string(
        acct.get("profile_image_url"), "account_profile.profile_image_url"
    )
    account.account_thumbnail_url = f.optional_string(
        acct.get("thumbnail_url"), "account_profile.thumbnail_url"
    )
    account.email = f.optional_string(acct.get("email"), "account_profile.email", max_len=400)
    account.email_valid = f.boolean(acct.get("email_valid", True), "account_profile.email_valid")
    account.email_verified = f.boolean(
        acct.get("email_verified", True), "account_profile.email_verified"
    )


def update_account(session: Session, key: str, changes: Mapping[str, Any]) -> Account:
    """Renames (`key`), Talk status, profile (merged), account profile (replaced), password."""
    f.only_keys(changes, ACCOUNT_FIELDS, "account")
    account = get_account(session, key)
    if "key" in changes:
        new_key = f.string(changes["key"], "key", max_len=200)
        if new_key != account.key:
            if session.scalar(select(Account.id).where(Account.key == new_key)) is not None:
                raise Conflict(f"account {new_key!r} exists")
            account.key = new_key
    _apply_account_fields(account, {k: v for k, v in changes.items() if k != "key"})
    session.flush()
    friend_index.refresh_account(session, account.id)
    return account


def delete_account(session: Session, key: str) -> list[int]:
    """The account, its friend list, its entries in other lists, links, tokens, multi-profiles
    and messages; one unlink callback (ACCOUNT_DELETE) recorded per linked app that has one:
    their delivery ids."""
    account = get_account(session, key)
    account_id = account.id
    deliveries: list[int] = []
    for found in session.scalars(select(Link).where(Link.account_id == account_id)):
        app = session.get(App, found.app_id)
        if app is not None:
            delivery = webhooks.record_unlink(session, app, found.user_id,
                                              webhooks.ACCOUNT_DELETE)
            if delivery is not None:
                deliveries.append(delivery)
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
    session.execute(
        delete(Message).where(
            (Message.sender_id == account_id) | (Message.receiver_id == account_id)
        )
    )
    session.delete(account)
    session.flush()
    friend_index.refresh_account(session, account_id)
    bump_version(session)
    return deliveries


def account_profile(account: Account) -> tuple[str, str | None, str | None]:
    """The Kakao Account profile (nickname, image, thumbnail): its own, else the Talk one."""
    if account.has_account_profile:
        return (
            account.account_nickname or "",
            account.account_profile_image_url,
            account.account_thumbnail_url,
        )
    return account.nickname, account.profile_image_url, account.thumbnail_url
