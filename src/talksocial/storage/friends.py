"""Friend list entries: who is in an account's list, with the entry's flags (favorite, hidden,
blocked) and the multi-profile the owner shows that friend.

Every function runs inside the caller's transaction and refreshes the friend index for the
pair it changed; a refused edit raises a `StorageError`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from talksocial.storage import fields as f
from talksocial.storage import friend_index
from talksocial.storage.accounts import get_account
from talksocial.storage.errors import InvalidInput, NotFound
from talksocial.storage.models import Friendship
from talksocial.storage.profiles import get_multi_profile

ENTRY_FIELDS = ("favorite", "hidden", "blocked", "multi_profile")


def list_friends(session: Session, key: str) -> list[Friendship]:
    account = get_account(session, key)
    return list(
        session.scalars(
            select(Friendship)
            .where(Friendship.owner_id == account.id)
            .order_by(Friendship.position, Friendship.friend_id)
        )
    )


def get_friend_entry(session: Session, owner_key: str, friend_key: str) -> Friendship:
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
    f.only_keys(flags, ENTRY_FIELDS, "friend")
    owner = get_account(session, owner_key)
    friend = get_account(session, friend_key)
    if owner.id == friend.id:
        raise InvalidInput("an account cannot be its own friend")
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
            setattr(entry, flag, f.boolean(flags[flag], flag))
    session.flush()
    if "multi_profile" in flags:
        mp_key = flags["multi_profile"]
        entry.shown_profile_id = (
            None if mp_key is None
            else get_multi_profile(session, owner.key, f.string(mp_key, "multi_profile")).id
        )
        session.flush()
    friend_index.refresh_pair(session, owner.id, friend.id)
    return entry


def assign_multi_profile(
    session: Session, owner_key: str, friend_key: str, mp_key: str | None
) -> Friendship:
    """The multi-profile `owner` shows to `friend` (None: the default profile). The friend must
    be in the owner's list; an entry holds one shown profile, so this replaces any other."""
    owner = get_account(session, owner_key)
    entry = get_friend_entry(session, owner_key, friend_key)
    if mp_key is None:
        entry.shown_profile_id = None
    else:
        entry.shown_profile_id = get_multi_profile(session, owner.key, mp_key).id
    session.flush()
    friend_index.refresh_pair(session, entry.owner_id, entry.friend_id)
    return entry


def remove_friend(session: Session, owner_key: str, friend_key: str) -> None:
    entry = get_friend_entry(session, owner_key, friend_key)
    owner_id, friend_id = entry.owner_id, entry.friend_id
    session.delete(entry)
    session.flush()
    friend_index.refresh_pair(session, owner_id, friend_id)
