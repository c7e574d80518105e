"""Random secrets the server makes once and keeps in `server_state`, so that every worker (and
a restarted server on the same database) uses the same one: the console's cookie key."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from talksocial.storage.db import run_with_retry, transaction
from talksocial.storage.models import ServerState


def _read(session: Session, key: str) -> str | None:
    return session.scalar(select(ServerState.value).where(ServerState.key == key))


def server_secret(factory: sessionmaker[Session], key: str) -> str:
    """The secret under `key` (64 hex digits), created on first use (two workers racing agree
    on the first one)."""
    with factory() as s:
        value = _read(s, key)
    if value is not None:
        return value

    def create() -> str:
        with transaction(factory) as s:
            found = _read(s, key)
            if found is not None:
                return found
            fresh = secrets.token_hex(32)
            s.add(ServerState(key=key, value=fresh))
            return fresh

    try:
        return run_with_retry(create)
    except IntegrityError:
        with factory() as s:
            found = _read(s, key)
        assert found is not None
        return found
