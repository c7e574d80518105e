"""The app-scoped ids of a link: `user_id` (a number) and `uuid` (an opaque string), each
unique within its app. Every writer draws them here — the control plane, Kakao Login consent,
`talksocial token issue`, seed loading and the generator (which passes its seeded random bits
so that a world is reproducible)."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable

#: App user ids are 10**9 plus 40 random bits: never mistaken for a small seeded id.
USER_ID_BASE = 10**9
USER_ID_BITS = 40
#: 24 random bytes, URL-safe base64 (32 characters), as `secrets.token_urlsafe(24)`.
UUID_BYTES = 24

RandomBits = Callable[[int], int]


def new_user_id(is_taken: Callable[[int], bool], randbits: RandomBits = secrets.randbits) -> int:
    """A user id for which `is_taken` says no."""
    while True:
        candidate = USER_ID_BASE + randbits(USER_ID_BITS)
        if not is_taken(candidate):
            return candidate


def new_uuid(is_taken: Callable[[str], bool], randbits: RandomBits = secrets.randbits) -> str:
    """A uuid for which `is_taken` says no."""
    while True:
        raw = randbits(UUID_BYTES * 8).to_bytes(UUID_BYTES, "big")
        candidate = base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
        if not is_taken(candidate):
            return candidate
