"""The stored element of a friends page: each friend index row keeps its element of
`/v1/api/talk/friends` as JSON bytes (`friend_rows.element`), so that a page is the stored
elements joined — no per-row decoding, dict building or serialising on the hot path.

What storage writes is what the API answers, so the element's Kakao field names (docs/reference/wire.md:
snake_case, null fields omitted) are spelled here, below both; `api.wire` re-exports them.
Migration 0005 keeps a frozen copy of its own (a migration must not change with live code)."""

from __future__ import annotations

from typing import Any

import orjson


def friend_element(
    user_id: int, uuid: str, nickname: str, thumbnail_url: str | None, favorite: int
) -> dict[str, Any]:
    element: dict[str, Any] = {"profile_nickname": nickname}
    if thumbnail_url is not None:
        element["profile_thumbnail_image"] = thumbnail_url
    element["id"] = user_id
    element["uuid"] = uuid
    element["favorite"] = bool(favorite)
    return element


def friend_element_json(
    user_id: int, uuid: str, nickname: str, thumbnail_url: str | None, favorite: int
) -> bytes:
    """`friend_element` as JSON bytes, as the friend index stores it."""
    return orjson.dumps(friend_element(user_id, uuid, nickname, thumbnail_url, favorite))
