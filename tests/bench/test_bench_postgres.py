"""The benchmark's PostgreSQL path for real, on the small world: its own throwaway cluster
(benchmarks/postgres.py) on a data directory cached with the world, the world generated into it
once and reused, a `talksocial serve --workers 2` on it whose every benchmark request passes
`scenarios.check`, the CPU meter seeing the backends, and the cluster stopped when the run ends,
also when it fails. Runs when PostgreSQL is available, i.e. under
`bash scripts/with-postgres.sh` (which sets TALKSOCIAL_TEST_POSTGRES_URL); nothing is timed."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from benchmarks import cpu, postgres, scenarios
from benchmarks.run import UnderTest, send_with, start_database
from benchmarks.world import SMALL, postgres_directory, postgres_world

pytestmark = pytest.mark.skipif(
    not os.environ.get("TALKSOCIAL_TEST_POSTGRES_URL"),
    reason="PostgreSQL tests run under scripts/with-postgres.sh",
)


def _alive(pid: int) -> bool:
    """Running (a zombie left for a container's init to reap has ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


@contextlib.contextmanager
def _reachable_dir() -> Iterator[Path]:
    # As root the cluster runs as `postgres`, which cannot enter pytest's private temporary
    # directories (mode 700): a directory of its own in /tmp, as scripts/with-postgres.sh does.
    path = Path(tempfile.mkdtemp(prefix="talksocial-bench-test-"))
    try:
        path.chmod(0o755)
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def cache() -> Iterator[Path]:
    with _reachable_dir() as path:
        yield path / "cache"


@pytest.fixture
def reachable_tmp() -> Iterator[Path]:
    with _reachable_dir() as path:
        yield path


@pytest.fixture(scope="module")
def started(cache: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[
        tuple[UnderTest, list[str]]]:
    logs: list[str] = []
    out = tmp_path_factory.mktemp("run")
    with contextlib.ExitStack() as stack:
        # start_database checks every request (scenarios.check) before it returns
        yield start_database("postgresql", SMALL, out, stack, cache=cache, log=logs.append), logs


def test_the_small_world_is_served_from_the_benchmarks_own_cluster(
    started: tuple[UnderTest, list[str]], cache: Path
) -> None:
    test, logs = started
    assert test.cluster is not None
    assert test.world.database == "postgresql"
    assert test.world.database_url == test.cluster.url
    assert test.srv.base_url.startswith("http://127.0.0.1:")
    assert any("generated into PostgreSQL" in line for line in logs), logs
    assert any("checked: 9 requests answer 200" in line for line in logs), logs
    directory = postgres_directory(cache, SMALL)
    assert test.cluster.data == directory / "pgdata"
    assert directory.name.endswith(f"-postgresql{postgres.major_version()}")
    assert (directory / "world.json").exists()
    assert test.cluster.settings["synchronous_commit"] == "off"
    # the same scenarios, checked again against this server
    scenarios.check(test.requests, send_with(test.srv.base_url))


def test_the_meter_sees_the_postgresql_backends_and_their_statements(
    started: tuple[UnderTest, list[str]],
) -> None:
    test, _ = started
    assert test.cluster is not None and test.meter.postgres_pid == test.cluster.postmaster_pid()
    assert test.statements is not None
    test.statements.reset()
    before = test.meter.sample()
    send = send_with(test.srv.base_url)
    friends = next(r for r in test.requests if r.name == "friends")
    for number in range(200):
        if number % 50 == 0:
            # A write (the clock is stored) moves the data version: the workers drop the answers
            # they kept, and the next page is read again (storage.reads.ReadStore).
            moved = httpx.post(test.srv.base_url + "/_talksocial/clock",
                               json={"offset_seconds": 0}, timeout=30.0)
            assert moved.status_code == 200, moved.text
        assert send(friends)[0] == 200
    after = test.meter.sample()
    figures = cpu.Meter.figures(before, after, requests=200)
    assert figures["workers_us"] > 0 and figures["postgres_us"] > 0
    # pg_stat_statements counted what the server sent (the page query among them)
    counted = postgres.per_request([(200, test.statements.read())], top=50)
    assert counted["statements"] >= 1 and counted["exec_us"] > 0
    queries = [t["query"] for t in counted["top"]]
    # Every request checks the data version; the page is read only after a write moved it.
    assert any("data_version" in q for q in queries), counted
    # (The report keeps a statement's first 300 characters: the page's is `WITH o AS ...`,
    # storage.reads._friends_page_sql.)
    assert any(q.startswith("WITH o AS MATERIALIZED") for q in queries), counted


def test_a_half_written_world_is_made_again_then_reused_and_stopped_also_on_failure(
    reachable_tmp: Path,
) -> None:
    directory = postgres_directory(reachable_tmp, SMALL)
    (directory / "pgdata").mkdir(parents=True)  # no world.json: an interrupted generation
    logs: list[str] = []
    with postgres_world(reachable_tmp, SMALL, log=logs.append) as (world, cluster):
        assert world.accounts == SMALL.accounts
        assert cluster.data == directory / "pgdata"
    assert any("generated into PostgreSQL" in line for line in logs), logs
    assert (directory / "world.json").exists()

    logs.clear()
    with pytest.raises(RuntimeError, match="boom"), \
            postgres_world(reachable_tmp, SMALL, log=logs.append) as (world, cluster):
        pid = cluster.postmaster_pid()
        socket_dir = cluster.socket_dir
        assert _alive(pid) and world.database_url == cluster.url
        raise RuntimeError("boom")
    assert [line.split(" ")[:2] for line in logs] == [["world:", "reusing"]], logs
    assert not (cluster.data / "postmaster.pid").exists()
    assert not socket_dir.exists()
    assert not _alive(pid)
