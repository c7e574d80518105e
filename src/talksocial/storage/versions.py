"""The control version: a counter in `server_state` that every worker compares to know its
cached fault rules and quota limits are stale, and the epoch that says the world was reset."""

from __future__ import annotations

from sqlalchemy.orm import Session

from talksocial.storage.models import ServerState

VERSION_KEY = "control_version"
EPOCH_KEY = "control_epoch"


def bump_version(session: Session, *, new_epoch: bool = False) -> int:
    """Tells every worker its cached fault rules and quota limits are stale (`new_epoch`: and
    that the world was reset, so per-worker counters and journal buffers are dropped)."""
    keys = [VERSION_KEY, EPOCH_KEY] if new_epoch else [VERSION_KEY]
    version = 0
    for key in keys:
        state = session.get(ServerState, key)
        if state is None:
            state = ServerState(key=key, value="1")
            session.add(state)
        else:
            state.value = str(int(state.value) + 1)
        if key == VERSION_KEY:
            version = int(state.value)
    session.flush()
    return version
