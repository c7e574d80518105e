"""Typed results with Python names. They are built from Kakao's wire names in `_wire.py` only.

A field the answer left out (or sent as null) is None; fields the client does not know are kept
in `extra`, under their wire names, so a newer server never breaks an older client.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


def _no_extra() -> Mapping[str, Any]:
    return {}


@dataclass(frozen=True)
class TalkProfile:
    """`GET /v1/api/talk/profile`: the caller's own Talk profile (docs/reference/talk-profile.md)."""

    id: int | None
    nickname: str | None = None
    profile_image_url: str | None = None
    thumbnail_url: str | None = None
    extra: Mapping[str, Any] = field(default_factory=_no_extra, compare=False)


@dataclass(frozen=True)
class Friend:
    """One element of `GET /v1/api/talk/friends` (docs/reference/friends.md)."""

    id: int | None
    uuid: str | None
    nickname: str | None = None
    thumbnail_url: str | None = None
    favorite: bool | None = None
    extra: Mapping[str, Any] = field(default_factory=_no_extra, compare=False)


@dataclass(frozen=True)
class Friends:
    """One page of `GET /v1/api/talk/friends`."""

    elements: tuple[Friend, ...]
    total_count: int | None = None
    favorite_count: int | None = None
    before_url: str | None = None
    after_url: str | None = None
    extra: Mapping[str, Any] = field(default_factory=_no_extra, compare=False)


@dataclass(frozen=True)
class ProfileInfo:
    """One profile of `/v2/api/talk/profiles` (docs/reference/profiles.md): `user_id` alone for an account that
    is not a Talk user."""

    user_id: int | None
    nickname: str | None = None
    profile_image_url: str | None = None
    thumbnail_url: str | None = None
    extra: Mapping[str, Any] = field(default_factory=_no_extra, compare=False)


@dataclass(frozen=True)
class TalkProfiles:
    """`/v2/api/talk/profiles`: `viewer` only when a viewer was given; `targets` in the order
    of the requested ids."""

    viewer: ProfileInfo | None
    targets: tuple[ProfileInfo, ...]
    extra: Mapping[str, Any] = field(default_factory=_no_extra, compare=False)


@dataclass(frozen=True)
class OAuthToken:
    """`POST /oauth/token` (docs/reference/kakao-login.md). A refresh answers `refresh_token` None unless a new one
    was issued; keep the old one then."""

    access_token: str
    token_type: str | None = None
    expires_in: int | None = None
    refresh_token: str | None = None
    refresh_token_expires_in: int | None = None
    scope: str | None = None
    id_token: str | None = None
    extra: Mapping[str, Any] = field(default_factory=_no_extra, compare=False)

    @property
    def scopes(self) -> tuple[str, ...]:
        """The agreed scopes, split from the space-separated `scope`."""
        return tuple(self.scope.split()) if self.scope else ()


@dataclass(frozen=True)
class AccessTokenInfo:
    """`GET /v1/user/access_token_info`: `expires_in` is seconds left."""

    id: int | None
    expires_in: int | None = None
    app_id: int | None = None
    extra: Mapping[str, Any] = field(default_factory=_no_extra, compare=False)


@dataclass(frozen=True)
class Scope:
    """One consent item of `/v2/user/scopes`."""

    id: str
    display_name: str | None = None
    type: str | None = None
    using: bool | None = None
    agreed: bool | None = None
    revocable: bool | None = None
    extra: Mapping[str, Any] = field(default_factory=_no_extra, compare=False)


@dataclass(frozen=True)
class ScopeInfo:
    """`GET /v2/user/scopes` and `POST /v2/user/revoke/scopes`."""

    id: int | None
    scopes: tuple[Scope, ...]
    extra: Mapping[str, Any] = field(default_factory=_no_extra, compare=False)


@dataclass(frozen=True)
class UserProfile:
    """`kakao_account.profile` of `/v2/user/me`."""

    nickname: str | None = None
    profile_image_url: str | None = None
    thumbnail_image_url: str | None = None
    is_default_image: bool | None = None
    is_default_nickname: bool | None = None
    extra: Mapping[str, Any] = field(default_factory=_no_extra, compare=False)


@dataclass(frozen=True)
class KakaoAccount:
    """`kakao_account` of `/v2/user/me`: each part only with its consent item."""

    profile: UserProfile | None = None
    profile_needs_agreement: bool | None = None
    profile_nickname_needs_agreement: bool | None = None
    profile_image_needs_agreement: bool | None = None
    email: str | None = None
    email_needs_agreement: bool | None = None
    is_email_valid: bool | None = None
    is_email_verified: bool | None = None
    extra: Mapping[str, Any] = field(default_factory=_no_extra, compare=False)


@dataclass(frozen=True)
class User:
    """`GET /v2/user/me`: the Kakao Account's own profile (not the Talk profile)."""

    id: int | None
    connected_at: datetime | None = None
    properties: Mapping[str, str] = field(default_factory=dict)
    kakao_account: KakaoAccount | None = None
    extra: Mapping[str, Any] = field(default_factory=_no_extra, compare=False)


@dataclass(frozen=True)
class UserIds:
    """One page of `/v1/user/ids`: the app's user ids."""

    elements: tuple[int, ...]
    total_count: int | None = None
    before_url: str | None = None
    after_url: str | None = None
    extra: Mapping[str, Any] = field(default_factory=_no_extra, compare=False)


@dataclass(frozen=True)
class TokenPair:
    """What a token store keeps: the access token and the refresh token issued with it."""

    access_token: str
    refresh_token: str | None = None


@dataclass(frozen=True)
class AuthorizationRequest:
    """`authorization_url()`'s answer: send the browser to `url`; keep `state` (compare it with
    the redirect's) and `code_verifier` (pass it to `exchange_code`) in the user's session."""

    url: str
    state: str
    code_verifier: str | None


@dataclass(frozen=True)
class MessageFailure:
    """One entry of a send's `failure_info`: the receivers that failed with one code."""

    code: int
    msg: str
    receiver_uuids: tuple[str, ...]


@dataclass(frozen=True)
class MessageSendResult:
    """A send to friends that reached at least one receiver (the SDKs' `MessageSendResult`)."""

    successful_receiver_uuids: tuple[str, ...]
    failure_info: tuple[MessageFailure, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=_no_extra, compare=False)
