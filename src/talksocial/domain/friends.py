"""Who is listable, how a friend looks to the caller, and how a page is cut (docs/reference/friends.md, docs/reference/profiles.md)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

from talksocial.domain.consent import FRIENDS

Order = Literal["asc", "desc"]
FriendOrder = Literal["favorite", "nickname"]

MAX_LIMIT = 100
DEFAULT_LIMIT = 10
MAX_OFFSET = 2**31 - 1


def is_listable(
    *,
    hidden: bool,
    blocked: bool,
    friend_linked: bool,
    friend_scopes: Collection[str],
    friend_talk_user: bool,
) -> bool:
    """docs/reference/friends.md: an entry of the caller's list is listed when the friend is linked to the same
    app, agreed to `friends`, is a Talk user, and the caller has not hidden or blocked them."""
    return (
        not hidden
        and not blocked
        and friend_linked
        and FRIENDS in friend_scopes
        and friend_talk_user
    )


@dataclass(frozen=True, slots=True)
class DisplayedProfile:
    nickname: str
    profile_image_url: str | None
    thumbnail_url: str | None


def resolve_profile_for_viewer(
    default: DisplayedProfile, assigned_multi_profile: DisplayedProfile | None
) -> DisplayedProfile:
    """A friend sees the multi-profile its owner assigned to them, else the default profile.
    A multi-profile without images shows no images (it does not borrow the default's)."""
    return assigned_multi_profile if assigned_multi_profile is not None else default


@dataclass(frozen=True, slots=True)
class PageQuery:
    offset: int
    limit: int
    order: Order
    friend_order: FriendOrder
    friend_order_sent: bool


@dataclass(frozen=True, slots=True)
class Slice:
    """A range of one ordered block of rows: all rows (favorite=None) or one favorite block."""

    favorite: int | None
    offset: int
    limit: int


def plan_page(query: PageQuery, total_count: int, favorite_count: int) -> list[Slice]:
    """The index ranges that make up one page. Under `friend_order=favorite` the favorites come
    first, each block in the requested direction, so a page may span the two blocks.

    This is the rule, in plain arithmetic; the server applies the same cut inside the page's
    one statement (`storage.reads`, which reads the counts it depends on in that statement),
    and tests/api/test_talk_friends.py checks every window of a list there against the
    slice of the whole list."""
    if query.offset >= total_count:
        return []
    if query.friend_order == "nickname":
        return [Slice(None, query.offset, query.limit)]
    slices: list[Slice] = []
    offset, remaining = query.offset, query.limit
    if offset < favorite_count:
        take = min(remaining, favorite_count - offset)
        slices.append(Slice(1, offset, take))
        remaining -= take
        offset = 0
    else:
        offset -= favorite_count
    if remaining > 0 and total_count - favorite_count > offset:
        slices.append(Slice(0, offset, remaining))
    return slices


def page_urls(base_url: str, query: PageQuery, total_count: int) -> tuple[str | None, str | None]:
    """`before_url` iff offset > 0 (offset max(0, offset-limit)); `after_url` iff
    offset+limit < total_count. `friend_order` is carried when the caller sent it."""

    # The values are integers and fixed words: nothing to escape, so no urlencode on the hot
    # path (the same text urlencode would give).
    tail = f"&friend_order={query.friend_order}" if query.friend_order_sent else ""

    def url(offset: int) -> str:
        return (
            f"{base_url}/v1/api/talk/friends?offset={offset}&limit={query.limit}"
            f"&order={query.order}{tail}"
        )

    before = url(max(0, query.offset - query.limit)) if query.offset > 0 else None
    after = url(query.offset + query.limit) if query.offset + query.limit < total_count else None
    return before, after
