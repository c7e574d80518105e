"""A Python client of the Kakao Talk Social and Kakao Login REST APIs, for the real Kakao hosts
and for a talksocial server alike (`api_base_url=auth_base_url="http://127.0.0.1:8000"`).

It needs httpx only: nothing of the talksocial server is imported.
"""

from __future__ import annotations

from talksocial.client._auth import (
    MemoryTokenStore,
    TokenStore,
    code_challenge_s256,
    generate_code_verifier,
    generate_state,
)
from talksocial.client._client import AsyncKakaoClient, KakaoClient
from talksocial.client._exceptions import (
    AppConsentDisabledError,
    ExpiredTokenError,
    InsufficientScopeError,
    InternalServerError,
    InvalidArgumentError,
    InvalidTokenError,
    KakaoApiError,
    KakaoAuthError,
    KakaoError,
    NotRegisteredUserError,
    NotTalkUserError,
    QuotaExceededError,
    UnexpectedResponseError,
)
from talksocial.client._models import (
    AccessTokenInfo,
    AuthorizationRequest,
    Friend,
    Friends,
    KakaoAccount,
    OAuthToken,
    ProfileInfo,
    Scope,
    ScopeInfo,
    TalkProfile,
    TalkProfiles,
    TokenPair,
    User,
    UserProfile,
)

__all__ = [
    "AccessTokenInfo",
    "AppConsentDisabledError",
    "AsyncKakaoClient",
    "AuthorizationRequest",
    "ExpiredTokenError",
    "Friend",
    "Friends",
    "InsufficientScopeError",
    "InternalServerError",
    "InvalidArgumentError",
    "InvalidTokenError",
    "KakaoAccount",
    "KakaoApiError",
    "KakaoAuthError",
    "KakaoClient",
    "KakaoError",
    "MemoryTokenStore",
    "NotRegisteredUserError",
    "NotTalkUserError",
    "OAuthToken",
    "ProfileInfo",
    "QuotaExceededError",
    "Scope",
    "ScopeInfo",
    "TalkProfile",
    "TalkProfiles",
    "TokenPair",
    "TokenStore",
    "UnexpectedResponseError",
    "User",
    "UserProfile",
    "code_challenge_s256",
    "generate_code_verifier",
    "generate_state",
]

for _name in __all__:
    # Show the public path in reprs and tracebacks, as httpx does.
    locals()[_name].__module__ = "talksocial.client"
