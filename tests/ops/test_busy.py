"""A busy database is a wait and a bounded retry, never an error page: SQLite's writer lock held
by another process while the server writes; the retry rule itself."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from talksocial.storage.db import is_retryable, run_with_retry
from tests.ops.worlds import small_world
from tests.support.server import ENV_TEST_POSTGRES, Server


@pytest.mark.skipif(bool(os.environ.get(ENV_TEST_POSTGRES)), reason="SQLite's writer lock")
def test_a_write_waits_for_another_writer_instead_of_failing(
    make_server: Callable[..., Server],
) -> None:
    server = make_server(seed=small_world())
    path = server.database_url.removeprefix("sqlite:///")
    holder = sqlite3.connect(path, isolation_level=None, timeout=30, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    holder.execute("UPDATE accounts SET nickname = nickname")
    released = threading.Event()

    def release() -> None:
        time.sleep(1.5)
        holder.execute("COMMIT")
        released.set()

    thread = threading.Thread(target=release)
    started = time.monotonic()
    thread.start()
    try:
        moved = server.post("/_talksocial/clock", json={"advance_seconds": 60})
        waited = time.monotonic() - started
    finally:
        thread.join()
        holder.close()
    assert moved.status_code == 200, moved.text
    assert released.is_set() and waited >= 1.4
    assert server.get("/_talksocial/clock").json()["offset_seconds"] == 60


def _locked() -> OperationalError:
    return OperationalError("UPDATE x", {}, sqlite3.OperationalError("database is locked"))


def test_run_with_retry_retries_conflicts_a_bounded_number_of_times() -> None:
    calls: list[int] = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise _locked()
        return "done"

    assert run_with_retry(flaky) == "done" and len(calls) == 3

    calls.clear()

    def always_locked() -> str:
        calls.append(1)
        raise _locked()

    with pytest.raises(OperationalError):
        run_with_retry(always_locked, attempts=4)
    assert len(calls) == 4

    calls.clear()

    def broken() -> str:
        calls.append(1)
        raise OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: x"))

    with pytest.raises(OperationalError):
        run_with_retry(broken)
    assert len(calls) == 1  # not a conflict: no retry


def test_what_counts_as_a_conflict() -> None:
    assert is_retryable(_locked())
    for message in ("deadlock detected", "could not serialize access due to concurrent update",
                    "database is busy"):
        assert is_retryable(OperationalError("x", {}, Exception(message))), message
    assert not is_retryable(OperationalError("x", {}, Exception("connection refused")))
    assert not is_retryable(IntegrityError("x", {}, Exception("UNIQUE constraint failed")))
