"""Engines, connections and migrations.

One SQLAlchemy engine per process for writes (ORM sessions); the hot read paths take one
long-lived DBAPI connection per worker from the same engine (`storage.reads`), because every
hop to a thread pool or through the ORM cost a multiple of the query itself on this hardware
(notes/performance.md).

Writes: every unit of work that writes goes through `transaction()` inside `run_with_retry()`.
On SQLite `BEGIN IMMEDIATE` makes writers take turns (readers never wait, WAL); on PostgreSQL
`transaction()` takes one transaction-scoped advisory lock first, so writers take turns there
too, across every worker of every machine. Writes are small (a consent, a token, a favorite)
and the friend index they maintain spans many rows, so one writer at a time is what keeps the
derived rows and counts exact without row-level reasoning; readers are never blocked.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

#: Connections a worker's write pool keeps open (`serve --db-pool-size`); as many again may be
#: opened for a burst. A worker also holds one read connection (`storage.reads`).
DEFAULT_POOL_SIZE = 4
#: The PostgreSQL advisory lock every write transaction takes (any fixed 64-bit number).
WRITE_LOCK_KEY = 0x7461_6C6B_736F_6331  # "talksoc1"

T = TypeVar("T")


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


def make_engine(url: str, *, pool_size: int = DEFAULT_POOL_SIZE) -> Engine:
    """The engine of one process. `pool_size` connections are kept open, as many more may be
    opened for a burst; a request waits up to 30 s for one."""
    size = pool_size
    if is_sqlite(url):
        engine = create_engine(url, pool_size=size, max_overflow=size, pool_pre_ping=False)
        event.listen(engine, "connect", _sqlite_on_connect)

        @event.listens_for(engine, "begin")
        def _begin_immediate(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    # pre_ping: a connection the database (or a proxy in between) closed is replaced, not
    # handed to a request; recycle: none lives longer than an hour.
    return create_engine(
        url,
        pool_size=size,
        max_overflow=size,
        pool_pre_ping=True,
        pool_recycle=3600,
        pool_timeout=30,
        connect_args={"connect_timeout": 10},
    )


def is_postgresql(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


#: The row `ping` writes: a database a worker can read but not write to (read-only, full, a
#: replica) is no healthy database for this server.
HEALTH_KEY = "healthz"


def ping(engine: Engine) -> bool:
    """True when the database answers a query on this server's schema and takes a write
    (`GET /healthz`): one small row, committed. SQLite is asked on a new connection: a pooled
    one answers from its page cache even when the file underneath is gone or damaged
    (PostgreSQL's pool checks its connections)."""
    probe = engine
    if engine.dialect.name == "sqlite":
        probe = create_engine(engine.url, poolclass=NullPool)
        event.listen(probe, "connect", _sqlite_on_connect)

        @event.listens_for(probe, "begin")
        def _begin_immediate(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    try:
        with probe.begin() as conn:
            conn.exec_driver_sql("SELECT count(*) FROM alembic_version").scalar()
            conn.execute(
                text(
                    "INSERT INTO server_state (key, value) VALUES (:key, :value) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
                ),
                {"key": HEALTH_KEY, "value": repr(time.time())},
            )
        return True
    except DBAPIError:
        return False
    finally:
        if probe is not engine:
            probe.dispose()


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work that writes: commit on success, roll back on any error. Writers take
    turns (SQLite: BEGIN IMMEDIATE; PostgreSQL: the advisory write lock, taken first)."""
    with factory() as session, session.begin():
        bind = session.get_bind()
        if bind.dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK_KEY})
        yield session


_RETRYABLE = ("locked", "busy", "serializ", "deadlock", "could not obtain lock")


def is_retryable(exc: BaseException) -> bool:
    """A conflict between concurrent transactions, which a new attempt resolves: SQLite's
    `database is locked` past busy_timeout, PostgreSQL's serialization failure or deadlock."""
    if not isinstance(exc, OperationalError):
        return False
    message = str(exc).lower()
    return any(word in message for word in _RETRYABLE)


def run_with_retry(fn: Callable[[], T], *, attempts: int = 6) -> T:
    """Runs the unit of work `fn` (which opens its own transaction), again after a short,
    growing pause when it lost a conflict; at most `attempts` times in all (bounded: a
    database that stays locked for about a minute is an error, not a hang)."""
    for attempt in range(attempts):
        try:
            return fn()
        except OperationalError as exc:
            if not is_retryable(exc) or attempt == attempts - 1:
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
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(config, "head")
