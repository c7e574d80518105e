"""The server's one clock: wall time plus an offset stored in the database, so every worker
(and every machine) agrees on it and tests can expire tokens without waiting."""

from __future__ import annotations

import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from talksocial.storage.models import ServerState

CLOCK_OFFSET_KEY = "clock_offset"


def offset(session: Session) -> float:
    value = session.scalar(select(ServerState.value).where(ServerState.key == CLOCK_OFFSET_KEY))
    return float(value) if value is not None else 0.0


def now(session: Session) -> float:
    return time.time() + offset(session)


def set_offset(session: Session, seconds: float) -> None:
    state = session.get(ServerState, CLOCK_OFFSET_KEY)
    if state is None:
        session.add(ServerState(key=CLOCK_OFFSET_KEY, value=repr(float(seconds))))
    else:
        state.value = repr(float(seconds))
