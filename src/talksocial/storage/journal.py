"""The request journal: the last requests the server answered, flushed in batches by the
workers, newest kept."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from talksocial.storage.models import JournalEntry

JOURNAL_KEEP = 1000


def list_journal(session: Session, limit: int = 100) -> list[JournalEntry]:
    """The last `limit` requests, newest first."""
    return list(
        session.scalars(
            select(JournalEntry).order_by(JournalEntry.id.desc()).limit(max(1, min(limit, 1000)))
        )
    )


def clear_journal(session: Session) -> None:
    session.execute(delete(JournalEntry))


def append_journal(session: Session, entries: Sequence[Mapping[str, Any]]) -> None:
    """A worker's batch; only the last JOURNAL_KEEP entries are kept."""
    if not entries:
        return
    session.execute(insert(JournalEntry), [dict(e) for e in entries])
    newest = session.scalar(select(func.max(JournalEntry.id))) or 0
    session.execute(delete(JournalEntry).where(JournalEntry.id <= newest - JOURNAL_KEEP))
