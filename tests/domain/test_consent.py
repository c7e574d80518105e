"""Consent items and what they make visible (domain/consent.py), without a server."""

from __future__ import annotations

import pytest

from talksocial.domain.consent import (
    ACCOUNT_EMAIL,
    ALL_SCOPES,
    DISPLAY_NAMES,
    FRIENDS,
    OPENID,
    PROFILE,
    PROFILE_IMAGE,
    PROFILE_NICKNAME,
    TALK_MESSAGE,
    VisibleFields,
    app_uses_profile,
    parse_scope_list,
    required_items,
    validate_consent_items,
    visible_fields,
)


@pytest.mark.parametrize(
    ("scopes", "nickname", "image"),
    [
        ([], False, False),
        ([FRIENDS, TALK_MESSAGE, ACCOUNT_EMAIL, OPENID], False, False),
        ([PROFILE], True, True),  # the legacy item shows both
        ([PROFILE_NICKNAME], True, False),
        ([PROFILE_IMAGE], False, True),
        ([PROFILE_NICKNAME, PROFILE_IMAGE], True, True),
        ([PROFILE, PROFILE_NICKNAME], True, True),
    ],
)
def test_visible_fields(scopes: list[str], nickname: bool, image: bool) -> None:
    assert visible_fields(tuple(scopes)) == VisibleFields(nickname=nickname, image=image)
    assert visible_fields(frozenset(scopes)) == visible_fields(tuple(scopes))


def test_app_uses_profile() -> None:
    assert not app_uses_profile({})
    assert not app_uses_profile({FRIENDS: "required", TALK_MESSAGE: "optional"})
    for item in (PROFILE, PROFILE_NICKNAME, PROFILE_IMAGE):
        assert app_uses_profile({item: "optional"}), item


def test_required_items_in_the_consent_screen_order() -> None:
    items = {FRIENDS: "required", ACCOUNT_EMAIL: "optional", PROFILE_NICKNAME: "required",
             OPENID: "required"}
    assert required_items(items) == [PROFILE_NICKNAME, FRIENDS, OPENID]
    assert required_items({}) == []


def test_every_item_has_a_display_name() -> None:
    assert set(DISPLAY_NAMES) == set(ALL_SCOPES)
    assert len(set(ALL_SCOPES)) == len(ALL_SCOPES)


@pytest.mark.parametrize(
    ("items", "problem"),
    [
        ({}, None),
        ({PROFILE: "required", FRIENDS: "optional"}, None),
        ({PROFILE_NICKNAME: "required", PROFILE_IMAGE: "optional"}, None),
        ({"email": "required"}, "unknown consent item 'email'"),
        ({FRIENDS: "mandatory"}, "consent item 'friends' must be 'required' or 'optional'"),
        ({FRIENDS: None}, "consent item 'friends' must be 'required' or 'optional'"),
        ({PROFILE: "required", PROFILE_IMAGE: "optional"},
         "an app uses either 'profile' or 'profile_nickname'/'profile_image', never both"),
        ({PROFILE_NICKNAME: "optional", PROFILE: "optional"},
         "an app uses either 'profile' or 'profile_nickname'/'profile_image', never both"),
    ],
)
def test_validate_consent_items(items: dict[str, object], problem: str | None) -> None:
    assert validate_consent_items(items) == problem


@pytest.mark.parametrize(
    ("raw", "scopes"),
    [
        ("", []),
        ("friends", [FRIENDS]),
        ("profile_nickname,friends", [PROFILE_NICKNAME, FRIENDS]),
        ("profile_nickname friends", [PROFILE_NICKNAME, FRIENDS]),
        (" , profile_image ,, friends  ", [PROFILE_IMAGE, FRIENDS]),
        ("friends,friends", [FRIENDS, FRIENDS]),  # as given: the caller decides on duplicates
    ],
)
def test_parse_scope_list(raw: str, scopes: list[str]) -> None:
    assert parse_scope_list(raw) == scopes
