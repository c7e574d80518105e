"""SQLite's WAL-index header as a worker reads it (storage.reads.WalIndexHeader): it changes
with every commit by any connection, and only then; without a WAL index the store asks SQLite
(`PRAGMA data_version`) instead."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from talksocial.storage.db import make_engine, upgrade
from talksocial.storage.reads import ReadStore, WalIndexHeader


def wal_database(tmp_path: Path) -> Path:
    path = tmp_path / "w.db"
    upgrade(f"sqlite:///{path}")
    return path


def test_every_commit_and_only_a_commit_rewrites_it(tmp_path: Path) -> None:
    path = wal_database(tmp_path)
    reader = sqlite3.connect(path)
    reader.execute("PRAGMA journal_mode=WAL")  # as talksocial's connections set it (storage.db)
    reader.execute("SELECT count(*) FROM apps").fetchall()  # the WAL index exists now
    header = WalIndexHeader.of(str(path))
    assert header is not None
    first = header.last_commit()
    assert first is not None and len(first) == WalIndexHeader.SIZE

    writer = sqlite3.connect(path, isolation_level=None)
    reader.execute("SELECT count(*) FROM friend_rows").fetchall()
    assert header.last_commit() == first  # reads change nothing
    writer.execute("BEGIN")
    writer.execute("INSERT INTO server_state (key, value) VALUES ('t', '1')")
    assert header.last_commit() == first  # not committed yet
    writer.execute("COMMIT")
    second = header.last_commit()
    assert second is not None and second != first
    writer.execute("BEGIN")
    writer.execute("DELETE FROM server_state WHERE key = 't'")
    writer.execute("ROLLBACK")
    assert header.last_commit() == second  # a rollback is no commit
    writer.execute("DELETE FROM server_state WHERE key = 't'")
    assert header.last_commit() not in (first, second)
    header.close()


def test_no_wal_index_no_header(tmp_path: Path) -> None:
    assert WalIndexHeader.of(str(tmp_path / "absent.db")) is None
    assert WalIndexHeader.of(":memory:") is None
    assert WalIndexHeader.of(None) is None


def test_the_store_reads_the_header_and_sees_another_connections_commit(tmp_path: Path) -> None:
    path = wal_database(tmp_path)
    store = ReadStore(make_engine(f"sqlite:///{path}"))
    try:
        assert store._keeping()  # noqa: SLF001 - the first asks SQLite, then finds the index
        assert store._wal_index is not None  # noqa: SLF001 - the header, not the PRAGMA
        assert store._keeping()  # noqa: SLF001
        before = store._kept_version  # noqa: SLF001
        assert isinstance(before, bytes)
        store._kept[("probe",)] = "kept"  # noqa: SLF001
        assert store._keeping() and store._kept == {("probe",): "kept"}  # noqa: SLF001
        with sqlite3.connect(path) as other:
            other.execute("INSERT INTO server_state (key, value) VALUES ('t', '1')")
        assert store._keeping()  # noqa: SLF001
        assert store._kept == {} and store._kept_version != before  # noqa: SLF001
    finally:
        store.close()
