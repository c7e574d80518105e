"""An account's profiles: the default Talk profile, the Kakao Account profile of /v2/user/me,
and up to three multi-profiles, each shown to some of the account's friends (one shown profile
per friend).

Every function runs inside the caller's transaction; a refused edit raises a `StorageError`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from talksocial.storage import fields as f
from talksocial.storage import friend_index
from talksocial.storage.accounts import get_account, update_account
from talksocial.storage.errors import Conflict, InvalidInput, NotFound
from talksocial.storage.models import Account, Friendship, MultiProfile

MAX_MULTI_PROFILES = 3
MULTI_PROFILE_FIELDS = ("key", "nickname", "profile_image_url", "thumbnail_url", "shown_to")


def set_profile(session: Session, key: str, profile: Mapping[str, Any]) -> Account:
    """The default Talk profile (fields given are replaced, others kept)."""
    return update_account(session, key, {"profile": profile})


def set_account_profile(session: Session, key: str, acct: Mapping[str, Any] | None) -> Account:
    """The Kakao Account profile of /v2/user/me (None: mirror the Talk profile)."""
    return update_account(session, key, {"account_profile": acct})


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
    f.only_keys(fields, MULTI_PROFILE_FIELDS, "multi_profile")
    account = get_account(session, key)
    existing = list_multi_profiles(session, key)
    if len(existing) >= MAX_MULTI_PROFILES:
        raise Conflict(f"at most {MAX_MULTI_PROFILES} multi-profiles")
    taken = {mp.key for mp in existing}
    if fields.get("key") is not None:
        mp_key = f.string(fields["key"], "key", max_len=200)
        if mp_key in taken:
            raise Conflict(f"duplicate multi-profile key {mp_key!r}")
    else:
        n = 1
        while f"mp{n}" in taken:
            n += 1
        mp_key = f"mp{n}"
    if "nickname" not in fields:
        raise InvalidInput("nickname is required")
    mp = MultiProfile(
        account_id=account.id,
        key=mp_key,
        nickname=f.string(fields["nickname"], "nickname"),
        profile_image_url=f.optional_string(fields.get("profile_image_url"), "profile_image_url"),
        thumbnail_url=f.optional_string(fields.get("thumbnail_url"), "thumbnail_url"),
        position=max((m.position for m in existing), default=-1) + 1,
    )
    session.add(mp)
    session.flush()
    if "shown_to" in fields:
        _set_shown_to(session, account, mp, f.string_list(fields["shown_to"] or [], "shown_to"))
    friend_index.refresh_account(session, account.id)
    return mp


def _set_shown_to(
    session: Session, account: Account, mp: MultiProfile, friend_keys: Sequence[str]
) -> None:
    """`mp` is shown to exactly these friends; a friend shown another multi-profile of the same
    owner is refused (one shown profile per friend)."""
    if len(set(friend_keys)) != len(friend_keys):
        raise InvalidInput("shown_to: duplicate friend")
    entries = {
        entry.friend_id: entry
        for entry in session.scalars(select(Friendship).where(Friendship.owner_id == account.id))
    }
    wanted: set[int] = set()
    for i, friend_key in enumerate(friend_keys):
        friend = session.scalar(select(Account).where(Account.key == friend_key))
        if friend is None or friend.id not in entries:
            raise InvalidInput(
                f"shown_to[{i}]: {friend_key!r} is not in {account.key!r}'s friend list"
            )
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
    f.only_keys(changes, MULTI_PROFILE_FIELDS, "multi_profile")
    account = get_account(session, key)
    mp = get_multi_profile(session, key, mp_key)
    if "key" in changes:
        new_key = f.string(changes["key"], "key", max_len=200)
        if new_key != mp.key:
            if any(m.key == new_key for m in list_multi_profiles(session, key)):
                raise Conflict(f"duplicate multi-profile key {new_key!r}")
            mp.key = new_key
    if "nickname" in changes:
        mp.nickname = f.string(changes["nickname"], "nickname")
    if "profile_image_url" in changes:
        mp.profile_image_url = f.optional_string(changes["profile_image_url"], "profile_image_url")
    if "thumbnail_url" in changes:
        mp.thumbnail_url = f.optional_string(changes["thumbnail_url"], "thumbnail_url")
    session.flush()
    if "shown_to" in changes:
        _set_shown_to(session, account, mp, f.string_list(changes["shown_to"] or [], "shown_to"))
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
