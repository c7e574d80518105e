"""Checks of the fields an operator sends (control plane, console): each returns the value or
raises `InvalidInput` naming the field. Field names are the seed file's."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from talksocial.storage.errors import InvalidInput


def string(value: Any, name: str, *, empty: bool = False, max_len: int = 400) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"{name} must be a string")
    if not empty and not value:
        raise InvalidInput(f"{name} must not be empty")
    if len(value) > max_len:
        raise InvalidInput(f"{name} is longer than {max_len} characters")
    return value


def optional_string(value: Any, name: str, *, max_len: int = 2000) -> str | None:
    return None if value is None else string(value, name, empty=True, max_len=max_len)


def boolean(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(f"{name} must be a boolean")
    return value


def integer(value: Any, name: str, *, minimum: int = 1, maximum: int = 2**63 - 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{name} must be an integer")
    if value < minimum or value > maximum:
        raise InvalidInput(f"{name} must be between {minimum} and {maximum}")
    return value


def only_keys(obj: Mapping[str, Any], allowed: Iterable[str], name: str) -> None:
    if not isinstance(obj, Mapping):
        raise InvalidInput(f"{name} must be an object")
    allowed_set = set(allowed)
    for key in obj:
        if key not in allowed_set:
            raise InvalidInput(f"{name}.{key}: unknown field")


def string_list(value: Any, name: str) -> list[str]:
    if not isinstance(value, list):
        raise InvalidInput(f"{name} must be a list")
    return [string(v, f"{name}[{i}]", max_len=2000) for i, v in enumerate(value)]
