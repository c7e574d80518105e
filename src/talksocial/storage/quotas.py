"""Daily quotas: per app and API, a limit of calls per Korean calendar day, and the counts the
workers flush. Every function runs inside the caller's transaction; a change bumps the control
version so that every worker reloads its limits."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from talksocial.storage import clock
from talksocial.storage import fields as f
from talksocial.storage.apps import get_app
from talksocial.storage.errors import InvalidInput
from talksocial.storage.models import QuotaLimit, QuotaUsage
from talksocial.storage.versions import bump_version

#: The APIs quotas count, by name; the path each one answers.
QUOTA_APIS: dict[str, str] = {
    "talk_profile": "/v1/api/talk/profile",
    "talk_friends": "/v1/api/talk/friends",
    "talk_profiles": "/v2/api/talk/profiles",
    "user_me": "/v2/user/me",
    "user_access_token_info": "/v1/user/access_token_info",
    "user_scopes": "/v2/user/scopes",
    "user_revoke_scopes": "/v2/user/revoke/scopes",
    "user_logout": "/v1/user/logout",
    "user_unlink": "/v1/user/unlink",
    "user_update_profile": "/v1/user/update_profile",
    "app_users": "/v2/app/users",
    "user_ids": "/v1/user/ids",
}
API_BY_PATH: dict[str, str] = {path: api for api, path in QUOTA_APIS.items()}

#: Kakao's published daily quotas ("one switch away", `set_kakao_quotas`): 30,000 Talk profile
#: calls a day per app; the same figure is applied to the other two Talk Social APIs.
KAKAO_DAILY_QUOTAS: dict[str, int] = {
    "talk_profile": 30_000,
    "talk_friends": 30_000,
    "talk_profiles": 30_000,
}
KST = timedelta(hours=9)


def kst_day(instant: float) -> str:
    """The Korean calendar day (UTC+9) of a server-clock instant: quota days roll at midnight
    Korea time. (Every counted call asks: the day's number is cheap, its text is cached.)"""
    return _day_text(int((instant + _KST_SECONDS) // 86_400))


_KST_SECONDS = KST.total_seconds()
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@lru_cache(maxsize=8)
def _day_text(days_since_epoch: int) -> str:
    return (_EPOCH + timedelta(days=days_since_epoch)).strftime("%Y-%m-%d")


def _api(api: Any) -> str:
    if not isinstance(api, str) or api not in QUOTA_APIS:
        raise InvalidInput(f"api must be one of {sorted(QUOTA_APIS)}")
    return api


def list_quotas(session: Session, app_id: int | None = None) -> list[QuotaLimit]:
    stmt = select(QuotaLimit).order_by(QuotaLimit.app_id, QuotaLimit.api)
    if app_id is not None:
        stmt = stmt.where(QuotaLimit.app_id == get_app(session, app_id).id)
    return list(session.scalars(stmt))


def set_quota(session: Session, app_id: int, api: Any, daily_limit: Any) -> QuotaLimit | None:
    """Sets (or with None removes) the daily limit of one API for one app."""
    app = get_app(session, app_id)
    name = _api(api)
    found = session.get(QuotaLimit, (app.id, name))
    if daily_limit is None:
        if found is not None:
            session.delete(found)
        session.flush()
        bump_version(session)
        return None
    limit = f.integer(daily_limit, "daily_limit", minimum=0, maximum=10**12)
    if found is None:
        found = QuotaLimit(app_id=app.id, api=name, daily_limit=limit)
        session.add(found)
    else:
        found.daily_limit = limit
    session.flush()
    bump_version(session)
    return found


def set_kakao_quotas(session: Session, app_id: int) -> list[QuotaLimit]:
    """Kakao's own daily limits for the app (KAKAO_DAILY_QUOTAS)."""
    out = [set_quota(session, app_id, api, limit) for api, limit in KAKAO_DAILY_QUOTAS.items()]
    return [q for q in out if q is not None]


def clear_quota(session: Session, app_id: int, api: Any) -> None:
    set_quota(session, app_id, api, None)


def quota_usage(session: Session, app_id: int, day: str | None = None) -> dict[str, int]:
    """Flushed calls per API of the app on `day` (default: today, Korea time, server clock)."""
    app = get_app(session, app_id)
    day = day or kst_day(clock.now(session))
    return {
        row.api: row.count
        for row in session.scalars(
            select(QuotaUsage).where(QuotaUsage.app_id == app.id, QuotaUsage.day == day)
        )
    }


def add_usage(session: Session, counts: Mapping[tuple[int, str, str], int]) -> None:
    """Adds a worker's batch of counts ((app, api, day) -> calls)."""
    for (app_id, api, day), n in counts.items():
        if n <= 0:
            continue
        done = session.execute(
            update(QuotaUsage)
            .where(QuotaUsage.app_id == app_id, QuotaUsage.api == api, QuotaUsage.day == day)
            .values(count=QuotaUsage.count + n)
        )
        if done.rowcount == 0:  # type: ignore[attr-defined]
            session.add(QuotaUsage(app_id=app_id, api=api, day=day, count=n))
            session.flush()
