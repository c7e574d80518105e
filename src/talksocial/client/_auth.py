"""Kakao Login helpers: PKCE (RFC 7636, `S256` only, docs/reference/kakao-login.md), `state`, and the token store
the clients refresh through."""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
from typing import Protocol, runtime_checkable

from talksocial.client._models import TokenPair


def generate_state() -> str:
    """A random `state` for the authorization request (compare it on the redirect: CSRF)."""
    return secrets.token_urlsafe(24)


def generate_code_verifier() -> str:
    """A PKCE code verifier: 64 characters of the unreserved set (RFC 7636 §4.1)."""
    return secrets.token_urlsafe(48)


def code_challenge_s256(code_verifier: str) -> str:
    """BASE64URL(SHA256(verifier)) without padding (RFC 7636 §4.2)."""
    digest = hashlib.sha256(code_verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@runtime_checkable
class TokenStore(Protocol):
    """Where a client keeps a user's tokens. `get()` answers None before a login; `set(None)`
    forgets them (logout, unlink). Implementations for a web app keep them per user session."""

    def get(self) -> TokenPair | None: ...

    def set(self, tokens: TokenPair | None) -> None: ...


class MemoryTokenStore:
    """A token store in memory, safe to share between threads."""

    def __init__(self, tokens: TokenPair | None = None) -> None:
        self._tokens = tokens
        self._lock = threading.Lock()

    def get(self) -> TokenPair | None:
        with self._lock:
            return self._tokens

    def set(self, tokens: TokenPair | None) -> None:
        with self._lock:
            self._tokens = tokens
