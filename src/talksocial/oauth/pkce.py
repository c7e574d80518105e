"""PKCE (RFC 7636), S256 only (docs/reference/kakao-login.md)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

#: RFC 7636 §4.1/§4.2: 43..128 characters of [A-Za-z0-9-._~]; an S256 challenge is 43.
_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}\Z")
_CHALLENGE = re.compile(r"[A-Za-z0-9\-_]{43}\Z")

METHOD_S256 = "S256"


def is_valid_challenge(challenge: str) -> bool:
    return _CHALLENGE.match(challenge) is not None


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def verify(verifier: str | None, challenge: str) -> bool:
    """True when `verifier` is well formed and its S256 transform equals `challenge`
    (compared in constant time)."""
    if verifier is None or _VERIFIER.match(verifier) is None:
        return False
    return hmac.compare_digest(s256(verifier), challenge)
