"""PostgreSQL's change counter (migration 0012), which tells a worker that the answers it kept
are stale (storage.reads.ReadStore): every table moves it, once per writing transaction, when
that transaction commits; nothing else does. (SQLite has its own: `PRAGMA data_version`.)"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from talksocial.storage.db import upgrade
from tests.support.server import ENV_TEST_POSTGRES, fresh_database_url

pytestmark = pytest.mark.skipif(
    not os.environ.get(ENV_TEST_POSTGRES), reason="the PostgreSQL pass only"
)


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[Any]:
    import psycopg

    url = fresh_database_url(tmp_path)
    upgrade(url)
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"),
                         autocommit=True) as connection:
        yield connection


def version(conn: Any) -> int:
    return int(conn.execute("SELECT n FROM data_version WHERE id = 1").fetchone()[0])


def test_every_table_moves_the_counter(conn: Any) -> None:
    tables = {r[0] for r in conn.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")}
    triggered = {r[0] for r in conn.execute(
        "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE t.tgname = 'talksocial_data_changed'")}
    # A table a later migration adds without the trigger would keep workers' answers stale.
    assert tables - triggered == {"data_version", "alembic_version"}
    assert "friend_rows" in triggered and "tokens" in triggered


def test_a_write_moves_it_once_when_it_commits(conn: Any) -> None:
    import psycopg

    c = conn
    start = version(c)
    c.execute("INSERT INTO server_state (key, value) VALUES ('t1', 'a')")
    assert version(c) == start + 1
    # Several statements in one transaction: one move, seen only once it commits.
    info = c.info
    with psycopg.connect(info.dsn, autocommit=False) as writer:
        writer.execute("UPDATE server_state SET value = 'b' WHERE key = 't1'")
        writer.execute("UPDATE server_state SET value = 'c' WHERE key = 't1'")
        writer.execute("DELETE FROM server_state WHERE key = 't1'")
        assert version(c) == start + 1
        writer.commit()
    assert version(c) == start + 2
    # A write rolled back, or reading alone, moves nothing.
    with psycopg.connect(info.dsn, autocommit=False) as writer:
        writer.execute("INSERT INTO server_state (key, value) VALUES ('t2', 'x')")
        writer.rollback()
        writer.execute("SELECT count(*) FROM friend_rows").fetchone()
        writer.commit()
    assert version(c) == start + 2
    # A statement that changes no row still says "changed": harmless (answers read again).
    c.execute("DELETE FROM tokens WHERE token_sha256 = 'none'")
    assert version(c) == start + 3
