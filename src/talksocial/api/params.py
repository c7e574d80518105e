"""Parameter parsing: every malformed value becomes -2 naming the parameter (docs/reference/errors.md)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from talksocial.domain.errors import InvalidArgument

_INT = re.compile(r"-?[0-9]+\Z")


def parse_int(
    params: Mapping[str, str],
    name: str,
    *,
    default: int | None = None,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int | None:
    raw = params.get(name)
    if raw is None:
        return default
    if not _INT.match(raw) or len(raw) > 20:
        raise InvalidArgument(f"{name} must be an integer: {raw!r}")
    value = int(raw)
    if minimum is not None and value < minimum:
        raise InvalidArgument(f"{name} must be at least {minimum}: {value}")
    if maximum is not None and value > maximum:
        raise InvalidArgument(f"{name} must be at most {maximum}: {value}")
    return value


def parse_choice(
    params: Mapping[str, str], name: str, choices: tuple[str, ...], default: str | None
) -> str | None:
    raw = params.get(name)
    if raw is None:
        return default
    if raw not in choices:
        raise InvalidArgument(f"{name} must be one of {', '.join(choices)}: {raw!r}")
    return raw


MAX_USER_ID = 2**63 - 1


def parse_id_list(raw: str | None, name: str, *, maximum_count: int) -> list[int]:
    """`[1,2]` (a JSON array, as the seed's sample sends it) or `1,2`."""
    if raw is None or not raw.strip():
        raise InvalidArgument(f"{name} is required")
    text = raw.strip()
    values: list[object]
    if text.startswith("["):
        try:
            parsed = json.loads(text)
        except (ValueError, RecursionError):  # RecursionError: deeply nested arrays
            raise InvalidArgument(f"{name} must be a JSON array of user ids: {raw!r}") from None
        if not isinstance(parsed, list):
            raise InvalidArgument(f"{name} must be a list of user ids: {raw!r}")
        values = parsed
    else:
        values = []
        for part in text.split(","):
            part = part.strip()
            if not _INT.match(part):
                raise InvalidArgument(f"{name} must be a list of user ids: {raw!r}")
            values.append(int(part))
    ids: list[int] = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidArgument(f"{name} must be a list of user ids: {raw!r}")
        if value <= 0 or value > MAX_USER_ID:
            raise InvalidArgument(f"{name} contains an invalid user id: {value}")
        ids.append(value)
    if not ids:
        raise InvalidArgument(f"{name} must name at least one user id")
    if len(ids) > maximum_count:
        raise InvalidArgument(f"{name} may name at most {maximum_count} user ids")
    return ids
