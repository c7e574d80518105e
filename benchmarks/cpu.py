"""Where the CPU time of a wrk run goes, measured from /proc: the CPU time of the server's
process tree (`talksocial serve` and its granian workers), of the PostgreSQL server's tree (the
postmaster and its backends), of wrk (this process's waited-for children), and how much of the
machine's cores stayed idle, each read before and after the run.

A tree's time is the sum over its processes of utime + stime + cutime + cstime
(/proc/<pid>/stat): a process that ends during the run (a backend) moves its time into its
parent's cutime/cstime, so the difference of two samples still counts it.
"""

from __future__ import annotations

import os
import resource
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TICKS = os.sysconf("SC_CLK_TCK")
PROC = Path("/proc")


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:  # gone, or not Linux
        return None
    # "pid (comm) state ppid ...": comm may hold spaces and parentheses
    return text[text.rindex(")") + 2:].split()


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(int(entry.name))
        if fields is not None:
            tree.setdefault(int(fields[1]), []).append(int(entry.name))
    return tree


def tree_seconds(root: int) -> float:
    """CPU seconds (user + system) of `root` and its descendants so far, ended ones included."""
    children = _children()
    total = 0
    todo = [root]
    while todo:
        pid = todo.pop()
        fields = _stat_fields(pid)
        if fields is not None:
            # utime, stime, cutime, cstime: fields 14-17 of stat, 12-15 after "(comm) "
            total += sum(int(x) for x in fields[11:15])
        todo.extend(children.get(pid, []))
    return total / TICKS


def machine_seconds() -> tuple[float, float]:
    """(idle, total) CPU seconds of all cores since boot (/proc/stat; idle includes iowait)."""
    values = [int(x) for x in (PROC / "stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return idle / TICKS, sum(values[:8]) / TICKS


def _waited_children_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Sample:
    workers: float
    postgres: float
    wrk: float
    idle: float
    total: float


class Meter:
    """Samples before and after a run; `figures` turns the difference into µs per request."""

    def __init__(self, server_pid: int, postgres_pid: int | None) -> None:
        self.server_pid = server_pid
        self.postgres_pid = postgres_pid

    def sample(self) -> Sample:
        idle, total = machine_seconds()
        return Sample(
            workers=tree_seconds(self.server_pid),
            postgres=tree_seconds(self.postgres_pid) if self.postgres_pid else 0.0,
            wrk=_waited_children_seconds(),
            idle=idle,
            total=total,
        )

    @staticmethod
    def figures(before: Sample, after: Sample, requests: int) -> dict[str, Any]:
        """µs of CPU per request in the talksocial workers, the PostgreSQL backends and wrk,
        and the share of the cores left idle during the run."""
        n = max(requests, 1)
        total = after.total - before.total

        def per_request(a: float, b: float) -> float:
            return round((a - b) / n * 1e6, 1)

        return {
            "workers_us": per_request(after.workers, before.workers),
            "postgres_us": per_request(after.postgres, before.postgres),
            "wrk_us": per_request(after.wrk, before.wrk),
            "idle": round((after.idle - before.idle) / total, 3) if total > 0 else 0.0,
        }
