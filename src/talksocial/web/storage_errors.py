"""How the web answers a storage error: the HTTP status of each kind (the control plane and
the console answer the same)."""

from __future__ import annotations

from talksocial.storage.errors import Conflict, NotFound, StorageError


def http_status(error: StorageError) -> int:
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, Conflict):
        return 409
    return 400
