"""Reading a seed file (docs/reference/seed-format.md): JSON or YAML text into a document, refusing a key given
twice in one object (parsers keep the last silently; a file that says two things is refused)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml


class SeedError(ValueError):
    """A seed file that cannot be loaded; `path` names the fault inside the file."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}" if path else message)


def read_seed_file(path: str | Path) -> Any:
    """Raises OSError when the file cannot be read, SeedError when it is not JSON or YAML."""
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SeedError("", f"not UTF-8 text (byte {exc.start})") from exc
    return parse_seed_text(text, str(path))


def parse_seed_text(text: str, name: str = "<seed>") -> Any:
    """`.json` is JSON and `.yaml`/`.yml` YAML; any other name is sniffed."""
    if name.endswith((".yaml", ".yml")):
        loader = "YAML"
    elif name.endswith(".json"):
        loader = "JSON"
    else:
        stripped = text.lstrip()
        loader = "JSON" if stripped.startswith(("{", "[")) else "YAML"
    try:
        if loader == "JSON":
            return json.loads(text, object_pairs_hook=_object_without_duplicates)
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise SeedError("", f"not valid {loader}: {exc}") from exc
    except _DuplicateKey as exc:
        raise SeedError("", f"not valid {loader}: the key {exc.key!r} appears twice in one object") from exc


class _DuplicateKey(Exception):
    """A key twice in one object: JSON and YAML parsers keep the last silently; a seed file
    that says two things is refused instead."""

    def __init__(self, key: object) -> None:
        self.key = key
        super().__init__(key)


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise _DuplicateKey(key)
        obj[key] = value
    return obj


class _UniqueKeyLoader(yaml.SafeLoader):
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        self.flatten_mapping(node)  # merge keys (`<<`) first: what they bring may be overridden
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


# --- validation -------------------------------------------------------------------------------
