"""The paging plan and its URLs (domain/friends.py), without a server: which index ranges make
a page, and which before_url/after_url it announces."""

from __future__ import annotations

from typing import Literal

from hypothesis import given
from hypothesis import strategies as st

from talksocial.domain.consent import FRIENDS
from talksocial.domain.friends import (
    DisplayedProfile,
    PageQuery,
    Slice,
    is_listable,
    page_urls,
    plan_page,
    resolve_profile_for_viewer,
)

BASE = "http://127.0.0.1:8000"


def query(
    offset: int = 0,
    limit: int = 10,
    order: Literal["asc", "desc"] = "asc",
    friend_order: Literal["favorite", "nickname"] = "favorite",
    sent: bool = False,
) -> PageQuery:
    return PageQuery(offset, limit, order, friend_order, sent)


# --- plan_page ----------------------------------------------------------------------------------


def test_a_page_past_the_end_is_empty() -> None:
    assert plan_page(query(offset=5), total_count=5, favorite_count=2) == []
    assert plan_page(query(offset=0), total_count=0, favorite_count=0) == []


def test_nickname_order_is_one_slice_over_all_rows() -> None:
    assert plan_page(query(offset=3, limit=4, friend_order="nickname"), 20, 5) == [
        Slice(None, 3, 4)
    ]


def test_favorites_first_then_the_rest() -> None:
    # Wholly inside the favorites.
    assert plan_page(query(offset=0, limit=3), 10, 4) == [Slice(1, 0, 3)]
    # Across the two blocks: the rest of the favorites, then the others from their start.
    assert plan_page(query(offset=2, limit=5), 10, 4) == [Slice(1, 2, 2), Slice(0, 0, 3)]
    # Wholly after the favorites: offsets count within the second block.
    assert plan_page(query(offset=6, limit=3), 10, 4) == [Slice(0, 2, 3)]
    # No favorites at all.
    assert plan_page(query(offset=0, limit=3), 10, 0) == [Slice(0, 0, 3)]
    # Only favorites: no empty second slice.
    assert plan_page(query(offset=0, limit=10), 4, 4) == [Slice(1, 0, 4)]


def test_the_direction_does_not_change_the_plan() -> None:
    # `order` reverses within each block when rows are read; the ranges are the same.
    assert plan_page(query(offset=2, limit=5, order="desc"), 10, 4) == plan_page(
        query(offset=2, limit=5), 10, 4
    )


@given(
    total=st.integers(0, 60),
    favorites=st.integers(0, 60),
    offset=st.integers(0, 80),
    limit=st.integers(1, 100),
    friend_order=st.sampled_from(["favorite", "nickname"]),
)
def test_the_slices_cut_the_ordered_list_exactly(
    total: int, favorites: int, offset: int, limit: int, friend_order: str
) -> None:
    favorites = min(favorites, total)
    # The list as the API orders it: the favorite block, then the other block.
    rows = [(1, i) for i in range(favorites)] + [(0, i) for i in range(total - favorites)]
    blocks = {1: rows[:favorites], 0: rows[favorites:], None: rows}
    page: list[tuple[int, int]] = []
    q = query(offset=offset, limit=limit,
              friend_order="nickname" if friend_order == "nickname" else "favorite")
    for cut in plan_page(q, total, favorites):
        assert cut.limit > 0
        if friend_order == "favorite":
            assert cut.favorite in (0, 1)
        page += blocks[cut.favorite][cut.offset : cut.offset + cut.limit]
    assert page == rows[offset : offset + limit]


# --- page_urls ----------------------------------------------------------------------------------


def test_first_page_has_only_an_after_url() -> None:
    before, after = page_urls(BASE, query(offset=0, limit=3), total_count=11)
    assert before is None
    assert after == f"{BASE}/v1/api/talk/friends?offset=3&limit=3&order=asc"


def test_middle_page_has_both_and_before_stops_at_zero() -> None:
    before, after = page_urls(BASE, query(offset=2, limit=3, order="desc"), total_count=11)
    assert before == f"{BASE}/v1/api/talk/friends?offset=0&limit=3&order=desc"
    assert after == f"{BASE}/v1/api/talk/friends?offset=5&limit=3&order=desc"


def test_last_page_has_no_after_url() -> None:
    before, after = page_urls(BASE, query(offset=9, limit=3), total_count=11)
    assert before == f"{BASE}/v1/api/talk/friends?offset=6&limit=3&order=asc"
    assert after is None
    # Exactly at the end: none either.
    assert page_urls(BASE, query(offset=8, limit=3), total_count=11)[1] is None


def test_friend_order_is_carried_only_when_the_caller_sent_it() -> None:
    sent = page_urls(BASE, query(offset=3, limit=3, friend_order="favorite", sent=True), 11)
    assert sent == (
        f"{BASE}/v1/api/talk/friends?offset=0&limit=3&order=asc&friend_order=favorite",
        f"{BASE}/v1/api/talk/friends?offset=6&limit=3&order=asc&friend_order=favorite",
    )
    nickname = page_urls(BASE, query(offset=0, limit=3, friend_order="nickname", sent=True), 11)
    assert nickname[1] == (
        f"{BASE}/v1/api/talk/friends?offset=3&limit=3&order=asc&friend_order=nickname"
    )
    # Not sent: the default is not spelled out.
    assert "friend_order" not in str(page_urls(BASE, query(offset=3, limit=3), 11))


def test_an_empty_list_has_no_urls() -> None:
    assert page_urls(BASE, query(), total_count=0) == (None, None)
    # Past the end: a way back, none forward.
    assert page_urls(BASE, query(offset=20, limit=5), total_count=3) == (
        f"{BASE}/v1/api/talk/friends?offset=15&limit=5&order=asc", None
    )


@given(offset=st.integers(0, 500), limit=st.integers(1, 100), total=st.integers(0, 500))
def test_the_urls_follow_the_rule(offset: int, limit: int, total: int) -> None:
    before, after = page_urls(BASE, query(offset=offset, limit=limit), total)
    assert (before is not None) == (offset > 0)
    assert (after is not None) == (offset + limit < total)
    if before is not None:
        assert f"?offset={max(0, offset - limit)}&limit={limit}&" in before
    if after is not None:
        assert f"?offset={offset + limit}&limit={limit}&" in after


# --- who is listed, and how they look -----------------------------------------------------------


def test_is_listable_needs_every_condition() -> None:
    ok = dict(hidden=False, blocked=False, friend_linked=True, friend_scopes=[FRIENDS],
              friend_talk_user=True)
    assert is_listable(**ok)  # type: ignore[arg-type]
    for name, bad in (("hidden", True), ("blocked", True), ("friend_linked", False),
                      ("friend_scopes", ["profile_nickname"]), ("friend_talk_user", False)):
        assert not is_listable(**{**ok, name: bad}), name  # type: ignore[arg-type]


def test_an_assigned_multi_profile_wins_and_borrows_nothing() -> None:
    default = DisplayedProfile("Muzi", "https://img/full.jpg", "https://img/thumb.jpg")
    multi = DisplayedProfile("Muzi at work", None, None)
    assert resolve_profile_for_viewer(default, None) == default
    assert resolve_profile_for_viewer(default, multi) == multi
