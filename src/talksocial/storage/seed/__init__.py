"""Seed files (docs/reference/seed-format.md): `parse` reads JSON or YAML, `validate` checks a document whole
before anything is written, `load` writes it in one transaction (an upsert), `export` writes the
stored world back out as a document."""

from __future__ import annotations

from talksocial.storage.seed.export import dump_world, export_world
from talksocial.storage.seed.load import GeneratedToken, load_world
from talksocial.storage.seed.parse import SeedError, parse_seed_text, read_seed_file
from talksocial.storage.seed.validate import validate_world

__all__ = [
    "GeneratedToken",
    "SeedError",
    "dump_world",
    "export_world",
    "load_world",
    "parse_seed_text",
    "read_seed_file",
    "validate_world",
]
