"""Consent items (docs/reference/consent.md) and what each one makes visible (§4, §6)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

Setting = Literal["required", "optional"]

PROFILE = "profile"
PROFILE_NICKNAME = "profile_nickname"
PROFILE_IMAGE = "profile_image"
FRIENDS = "friends"
TALK_MESSAGE = "talk_message"
ACCOUNT_EMAIL = "account_email"
OPENID = "openid"

#: Every consent item talksocial knows, in the order Kakao's consent screen lists them.
ALL_SCOPES: tuple[str, ...] = (
    PROFILE,
    PROFILE_NICKNAME,
    PROFILE_IMAGE,
    FRIENDS,
    TALK_MESSAGE,
    ACCOUNT_EMAIL,
    OPENID,
)

#: Names shown on the consent screen and in /v2/user/scopes.
DISPLAY_NAMES: dict[str, str] = {
    PROFILE: "Profile Info(nickname/profile image)",
    PROFILE_NICKNAME: "Nickname",
    PROFILE_IMAGE: "Profile image",
    FRIENDS: "Friends List in Kakao Service(Including profile image, nickname, and favorites)",
    TALK_MESSAGE: "Sending message in KakaoTalk",
    ACCOUNT_EMAIL: "Email",
    OPENID: "OpenID Connect",
}

PROFILE_ITEMS = frozenset({PROFILE, PROFILE_NICKNAME, PROFILE_IMAGE})


@dataclass(frozen=True, slots=True)
class VisibleFields:
    """Which parts of a Talk profile an app may show, given a user's agreed scopes."""

    nickname: bool
    image: bool


def visible_fields(scopes: tuple[str, ...] | frozenset[str]) -> VisibleFields:
    """docs/reference/talk-profile.md: the nickname needs `profile` or `profile_nickname`; images need `profile` or
    `profile_image`. An item the user agreed to is only ever one the app uses (links are
    validated on write), so the user's scopes alone decide. (Profiles by user list asks once
    per target, with the few distinct scope sets there are: the answers are kept.)"""
    return _visible_fields(scopes)


@lru_cache(maxsize=256)
def _visible_fields(scopes: tuple[str, ...] | frozenset[str]) -> VisibleFields:
    legacy = PROFILE in scopes
    return VisibleFields(
        nickname=legacy or PROFILE_NICKNAME in scopes,
        image=legacy or PROFILE_IMAGE in scopes,
    )


def app_uses_profile(consent_items: Mapping[str, str]) -> bool:
    """An app that uses none of the profile items gets -3 from the Talk profile APIs."""
    return any(item in consent_items for item in PROFILE_ITEMS)


def required_items(consent_items: Mapping[str, str]) -> list[str]:
    return [item for item in ALL_SCOPES if consent_items.get(item) == "required"]


def validate_consent_items(consent_items: Mapping[str, object]) -> str | None:
    """Returns a reason the settings are invalid, or None. An app uses either the legacy
    `profile` item or the split pair, never both (docs/reference/consent.md)."""
    for item, setting in consent_items.items():
        if item not in ALL_SCOPES:
            return f"unknown consent item {item!r}"
        if setting not in ("required", "optional"):
            return f"consent item {item!r} must be 'required' or 'optional'"
    if PROFILE in consent_items and (
        PROFILE_NICKNAME in consent_items or PROFILE_IMAGE in consent_items
    ):
        return "an app uses either 'profile' or 'profile_nickname'/'profile_image', never both"
    return None


def parse_scope_list(raw: str) -> list[str]:
    """`scope` on /oauth/authorize and `--scopes` on the CLI: comma- or space-separated."""
    return [part for part in raw.replace(",", " ").split() if part]
