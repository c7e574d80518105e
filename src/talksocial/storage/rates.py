"""Per-minute call limits of an app (/v1/user/ids, docs/reference/kakao-login.md#user-ids),
counted in the database so that every worker agrees."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from talksocial.storage import clock
from talksocial.storage.models import RateCounter


def count_call(session: Session, app_id: int, api: str, *, window_seconds: int, limit: int) -> bool:
    """Counts one call of `api` by the app in the current window (server clock); False (and
    not counted) when the window already holds `limit` calls. Runs in the caller's
    transaction: the row is locked (FOR UPDATE on PostgreSQL; SQLite serialises writers)."""
    window = int(clock.now(session)) // window_seconds * window_seconds
    row = _locked(session, app_id, api, window)
    if row is None:
        session.execute(
            delete(RateCounter).where(RateCounter.app_id == app_id, RateCounter.api == api,
                                      RateCounter.window_start < window)
        )
        try:
            with session.begin_nested():  # another worker may insert the window's row first
                session.add(RateCounter(app_id=app_id, api=api, window_start=window, count=1))
            return True
        except IntegrityError:
            row = _locked(session, app_id, api, window)
            if row is None:  # pragma: no cover - the other insert is committed and locked
                raise
    if row.count >= limit:
        return False
    row.count += 1
    session.flush()
    return True


def _locked(session: Session, app_id: int, api: str, window: int) -> RateCounter | None:
    return session.scalar(
        select(RateCounter)
        .where(RateCounter.app_id == app_id, RateCounter.api == api,
               RateCounter.window_start == window)
        .with_for_update()
    )
