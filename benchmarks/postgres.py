"""The benchmark's PostgreSQL: a throwaway cluster of Debian's postgresql package (`make bench`
installs it when missing), on a free loopback port, on a data directory the benchmark owns
(the cached world's, benchmarks/world.py). Started by `running()` and stopped in its `finally`,
also on failure or Ctrl-C. As root the server runs as the `postgres` user (`runuser`), as
PostgreSQL refuses to run as root; its socket and log live in a private temporary directory.

`SETTINGS` are the cluster's postgresql.conf overrides (the report and docs/benchmarks.md show
them); generating a world adds `GENERATE_SETTINGS` (a crash while generating throws the world
away anyway).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from talksocial.serving import free_port

#: postgresql.conf overrides of every run (beside listen_addresses, port and the socket
#: directory). shared_buffers holds the whole full-size world (its tables and indexes: 835 MB),
#: as SQLite's file sits in the page cache; synchronous_commit=off makes a commit wait for no
#: disk flush, as SQLite's `synchronous=NORMAL` in WAL mode does (the send scenario writes);
#: pg_stat_statements counts the statements of each run and the time they execute
#: (`Statements`; planning is not tracked, which would cost more).
SETTINGS: dict[str, str] = {
    "max_connections": "100",
    "shared_buffers": "1GB",
    "synchronous_commit": "off",
    "shared_preload_libraries": "pg_stat_statements",
}
#: Added while the world is generated into a new cluster (bulk load, nothing to keep on a crash).
GENERATE_SETTINGS: dict[str, str] = {"fsync": "off", "full_page_writes": "off",
                                     "max_wal_size": "4GB"}
USER = "postgres"
DATABASE = "postgres"


def bin_dir() -> Path:
    """The newest installed PostgreSQL's bin directory (Debian: /usr/lib/postgresql/N/bin)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin"),
                   key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    if not found:
        raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql; "
                           "`make bench` installs it)")
    return found[-1]


def version() -> str:
    """The server's version, e.g. "15.8" (from `postgres --version`)."""
    out = subprocess.run([str(bin_dir() / "postgres"), "--version"], capture_output=True,
                         text=True, check=True).stdout
    found = re.search(r"\d+(?:\.\d+)+", out)
    return found.group(0) if found else out.strip()


def major_version() -> str:
    return version().split(".")[0]


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", USER, "--", *command] if os.geteuid() == 0 else command


def _give_to_postgres(path: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(path, USER, USER)


def _check_reachable(directory: Path) -> None:
    """As root, the `postgres` user must reach `directory` (every parent searchable)."""
    if os.geteuid() != 0:
        return
    done = subprocess.run(_as_postgres(["test", "-x", str(directory)]), capture_output=True)
    if done.returncode != 0:
        raise RuntimeError(
            f"the {USER} user cannot reach {directory} (a parent directory is not searchable "
            "by others, e.g. a home directory of mode 700): put the checkout where it can, "
            "or run the benchmark as a user other than root")


def initdb(data: Path) -> None:
    """A new, empty cluster in `data` (which must not exist yet)."""
    data.parent.mkdir(parents=True, exist_ok=True)
    _check_reachable(data.parent)
    data.mkdir(mode=0o700)
    _give_to_postgres(data)
    done = subprocess.run(
        _as_postgres([str(bin_dir() / "initdb"), "-D", str(data), "--locale=C", "-E", "UTF8",
                      "-A", "trust", "-U", USER]),
        capture_output=True, text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"initdb failed:\n{done.stdout}{done.stderr}")


@dataclass
class Cluster:
    data: Path
    port: int
    socket_dir: Path
    settings: dict[str, str]

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/{DATABASE}"

    @property
    def log_path(self) -> Path:
        return self.socket_dir / "postgresql.log"

    def postmaster_pid(self) -> int:
        """The server's process (its backends are its children)."""
        return int((self.data / "postmaster.pid").read_text().splitlines()[0])

    def log(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""


def _pg_ctl(cluster: Cluster, *args: str) -> subprocess.CompletedProcess[str]:
    # Its own session: Ctrl-C in the terminal reaches the benchmark only, whose `finally`
    # then stops the cluster cleanly.
    return subprocess.run(
        _as_postgres([str(bin_dir() / "pg_ctl"), "-D", str(cluster.data), *args]),
        capture_output=True, text=True, start_new_session=True, timeout=120,
    )


@contextlib.contextmanager
def running(data: Path, *, extra: dict[str, str] | None = None) -> Iterator[Cluster]:
    """A server on the cluster in `data`, on a free loopback port, stopped (fast shutdown,
    which leaves the data directory clean for the next start) when the block ends, however
    it ends."""
    socket_dir = Path(tempfile.mkdtemp(prefix="talksocial-bench-pg-"))
    _give_to_postgres(socket_dir)
    cluster = Cluster(data, free_port(), socket_dir, {**SETTINGS, **(extra or {})})
    options = [f"-p {cluster.port}", f"-k {socket_dir}", "-c listen_addresses=127.0.0.1"]
    options += [f"-c {k}={v}" for k, v in cluster.settings.items()]
    try:
        done = _pg_ctl(cluster, "-l", str(cluster.log_path), "-w", "-o", " ".join(options),
                       "start")
        if done.returncode != 0:
            raise RuntimeError(f"pg_ctl start failed:\n{done.stdout}{done.stderr}\n"
                               f"{cluster.log()}")
        yield cluster
    finally:
        try:
            _pg_ctl(cluster, "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(socket_dir, ignore_errors=True)


class Statements:
    """The statements the server under test sends, counted by pg_stat_statements: `reset()`
    before a run, `read()` after it (calls and execution time per normalised statement; this
    connection's own statements left out)."""

    def __init__(self, cluster: Cluster) -> None:
        import psycopg

        self.conn = psycopg.connect(cluster.url.replace("postgresql+psycopg", "postgresql"),
                                    autocommit=True)
        self.conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")

    def reset(self) -> None:
        self.conn.execute("SELECT pg_stat_statements_reset()")

    def read(self) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT query, calls, total_exec_time FROM pg_stat_statements "
            "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND query NOT LIKE '%pg_stat_statements%' ORDER BY total_exec_time DESC"
        ).fetchall()
        return [{"query": " ".join(str(q).split()), "calls": int(c), "exec_ms": float(t)}
                for q, c, t in rows]

    def close(self) -> None:
        self.conn.close()


def per_request(runs: list[tuple[int, list[dict[str, Any]]]], top: int = 5) -> dict[str, Any]:
    """Statements per request over runs of (requests, `Statements.read()`): how many, how long
    they executed in all, and the `top` longest in all with their share."""
    requests = max(sum(n for n, _ in runs), 1)
    merged: dict[str, list[float]] = {}
    for _, rows in runs:
        for row in rows:
            calls_ms = merged.setdefault(row["query"], [0.0, 0.0])
            calls_ms[0] += row["calls"]
            calls_ms[1] += row["exec_ms"]
    ranked = sorted(merged.items(), key=lambda kv: kv[1][1], reverse=True)
    return {
        "statements": round(sum(c for c, _ in merged.values()) / requests, 2),
        "exec_us": round(sum(ms for _, ms in merged.values()) / requests * 1000, 1),
        "top": [
            {"query": q[:300], "calls": round(c / requests, 2),
             "exec_us": round(ms / requests * 1000, 1),
             "mean_us": round(ms / c * 1000, 1) if c else 0.0}
            for q, (c, ms) in ranked[:top]
        ],
    }
