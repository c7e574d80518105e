"""The errors of the storage service layer: what went wrong with an edit, never how to answer
it. The web layer maps them to HTTP (`web.storage_errors.http_status`).

    StorageError            an edit the world's rules refuse
     ├── InvalidInput       a field of the wrong type, out of range, or against a rule
     ├── NotFound           an app, account, link, entry or rule that does not exist
     └── Conflict           a key, id or name already taken, or a state that forbids the edit
"""

from __future__ import annotations


class StorageError(ValueError):
    """An edit the world's rules refuse; nothing the caller would keep was written."""


class InvalidInput(StorageError):
    """A field of the wrong type, out of range, or against one of the world's rules."""


class NotFound(StorageError):
    """The app, account, link, friend entry or fault rule named does not exist."""


class Conflict(StorageError):
    """The key, id or name is taken, or the world's state forbids the edit."""
