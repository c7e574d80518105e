"""Engines, connections and migrations.

One SQLAlchemy engine per process for writes (ORM sessions); the hot read paths take one
long-lived DBAPI connection per worker from the same engine (`storage.reads`), because every
hop to a thread pool or through the ORM cost a multiple of the query itself on this hardware
(notes/performance.md).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_DATABASE_URL = "sqlite:///talksocial.db"
ENV_DATABASE_URL = "TALKSOCIAL_DATABASE_URL"

T = TypeVar("T")


def resolve_database_url(url: str | None) -> str:
    """`--database` wins, then TALKSOCIAL_DATABASE_URL, then ./talksocial.db. A bare path is
    taken as an SQLite file."""
    url = url or os.environ.get(ENV_DATABASE_URL) or DEFAULT_DATABASE_URL
    if "://" not in url:
        url = "sqlite:///" + url
    return url


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers proceed while one writer commits; busy_timeout turns a locked database
    # into a bounded wait instead of an error. Transactions are controlled by SQLAlchemy
    # (BEGIN IMMEDIATE below) so that a read-then-write never deadlocks on upgrade.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str, *, pool_size: int = 4) -> Engine:
    url = resolve_database_url(url)
    if is_sqlite(url):
        engine = create_engine(url, pool_size=pool_size, max_overflow=8, pool_pre_ping=False)
        event.listen(engine, "connect", _sqlite_on_connect)

        @event.listens_for(engine, "begin")
        def _begin_immediate(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_size=pool_size, max_overflow=8, pool_pre_ping=True)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with factory() as session, session.begin():
        yield session


def run_with_retry(fn: Callable[[], T], *, attempts: int = 5) -> T:
    """SQLite answers `database is locked` past busy_timeout under heavy write contention, and
    PostgreSQL may abort a serialization conflict: retry a bounded number of times."""
    for attempt in range(attempts):
        try:
            return fn()
        except OperationalError as exc:  # pragma: no cover - timing dependent
            text = str(exc).lower()
            retryable = "locked" in text or "busy" in text or "serializ" in text
            if not retryable or attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


def migrations_dir() -> Path:
    return Path(__file__).parent / "migrations"


def upgrade(url: str) -> None:
    """`talksocial db upgrade`: bring the schema to the newest Alembic revision."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.set_main_option("sqlalchemy.url", resolve_database_url(url).replace("%", "%%"))
    command.upgrade(config, "head")
