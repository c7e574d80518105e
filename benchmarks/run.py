"""`make bench`: per database, world -> server -> check; then warm-up -> interleaved wrk runs
(every database, every scenario, round-robin) -> report.

    python -m benchmarks.run [--databases sqlite,postgresql] [--runs 3] [--seconds 5]
                             [--only friends,...] [--publish docs/bench]

SQLite serves the cached world's file; PostgreSQL a throwaway cluster on the cached world's data
directory (benchmarks/postgres.py, benchmarks/world.py), started here and stopped when the run
ends, however it ends (an error, Ctrl-C, SIGTERM). Raw runs (wrk output, server and PostgreSQL
logs, report.json, table.md, chart.png) land in `.bench/runs/<timestamp>/` (git-ignored);
`--publish DIR` copies the report, table and chart to DIR for a run committed on purpose.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from benchmarks import cpu, postgres, report, scenarios, server, wrk
from benchmarks.world import SMALL, World, WorldSpec, ensure_world, postgres_world

CACHE = Path(".bench")


def machine() -> dict[str, Any]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
    return {
        "cores": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "wrk": (wrk_version.stdout + wrk_version.stderr).strip().splitlines()[0],
    }


def send_with(base_url: str) -> Any:
    client = httpx.Client(base_url=base_url, timeout=30.0)

    def send(req: scenarios.BenchRequest) -> tuple[int, bytes]:
        r = client.request(req.method, req.path, **req.httpx_args())
        return r.status_code, r.content

    return send


def control_with(base_url: str) -> Any:
    """The control plane of the server under test (open: loopback, no operator token)."""
    client = httpx.Client(base_url=base_url, timeout=120.0)

    def control(method: str, path: str, body: Any) -> tuple[int, Any]:
        r = client.request(method, path, json=body) if body is not None else \
            client.request(method, path)
        return r.status_code, r.json()

    return control


@dataclass
class UnderTest:
    """One database's world, server and measurements in a run."""

    database: str
    world: World
    srv: server.BenchServer
    requests: list[scenarios.BenchRequest]
    scripts: dict[str, Path]
    meter: cpu.Meter
    cluster: postgres.Cluster | None = None
    statements: postgres.Statements | None = None
    runs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def start_database(
    database: str,
    spec: WorldSpec,
    out: Path,
    stack: contextlib.ExitStack,
    *,
    only: set[str] | None = None,
    cache: Path = CACHE,
    log: Any = print,
) -> UnderTest:
    """The world in `database` (SQLite's file, or a PostgreSQL cluster on its data directory),
    a server on it, the scenarios checked; everything started is stopped by `stack`."""
    workdir = out / database
    workdir.mkdir(parents=True, exist_ok=True)
    cluster = None
    if database == "sqlite":
        world = ensure_world(cache, spec, log=log)
    elif database == "postgresql":
        world, cluster = stack.enter_context(postgres_world(cache, spec, log=log))
        running = cluster

        def keep_log() -> None:
            (workdir / "postgresql.log").write_text(running.log(), encoding="utf-8")

        # runs before the cluster stops (the stack unwinds last-in, first-out)
        stack.callback(keep_log)
    else:
        raise ValueError(f"unknown database {database!r} (sqlite, postgresql)")
    requests = scenarios.build_requests(world)
    if only:
        requests = [r for r in requests if r.name in only or r.name in ("friends", "limit")]
    scripts = {}
    for req in requests:
        scripts[req.name] = workdir / f"{req.name}.lua"
        scripts[req.name].write_text(req.lua(), encoding="utf-8")
    srv = server.start(world.database_url, workdir)
    stack.callback(srv.stop)
    # The limit serves the bytes of this server's own friends page (same host and port in
    # its URLs): capture them, then check every request answers 200 with expected counts.
    send = send_with(srv.base_url)
    control = control_with(srv.base_url)
    if any(r.clears_inbox for r in requests):
        scenarios.prepare(world, control)
    friends = next(r for r in requests if r.name == "friends")
    status, body = send(friends)
    assert status == 200, body
    srv.limit_body.write_bytes(body)
    scenarios.check(requests, send)
    log(f"{report.LABELS[database]}: checked: {len(requests)} requests answer 200 with the "
        f"expected counts (friends page {len(body):,} bytes)")
    meter = cpu.Meter(srv.process.pid, cluster.postmaster_pid() if cluster else None)
    statements = None
    if cluster is not None:
        statements = postgres.Statements(cluster)
        stack.callback(statements.close)
    return UnderTest(database, world, srv, requests, scripts, meter, cluster, statements,
                     {r.name: [] for r in requests})


#: A server is settled when its processes (and PostgreSQL's) used less than this share of one
#: core over a poll; the wait gives up after SETTLE_MAX_SECONDS.
SETTLE_CPU_SHARE = 0.05
SETTLE_POLL_SECONDS = 0.25
SETTLE_MAX_SECONDS = 15.0


def settle(test: UnderTest) -> None:
    """Waits until the server has finished the work a write scenario left behind: when wrk
    stops, up to 64 sends are still queued in the workers (each a write transaction; their p99
    is seconds), and without this wait that backlog was billed to whichever scenario came next
    (the friends page at offset 0 measured 15-20% under its siblings in every round)."""
    pids = [test.srv.process.pid] + ([test.cluster.postmaster_pid()] if test.cluster else [])
    deadline = time.monotonic() + SETTLE_MAX_SECONDS
    used = sum(cpu.tree_seconds(pid) for pid in pids)
    while time.monotonic() < deadline:
        time.sleep(SETTLE_POLL_SECONDS)
        now_used = sum(cpu.tree_seconds(pid) for pid in pids)
        if now_used - used < SETTLE_CPU_SHARE * SETTLE_POLL_SECONDS:
            return
        used = now_used


def measure(test: UnderTest, req: scenarios.BenchRequest, seconds: int, wrk_log: Path,
            round_no: int) -> dict[str, Any]:
    """One wrk run of `req`, with the CPU time it cost each side (benchmarks/cpu.py)."""
    if req.clears_inbox:
        scenarios.clear_inbox(control_with(test.srv.base_url))
    if test.statements:
        test.statements.reset()
    before = test.meter.sample()
    result = wrk.run(test.srv.base_url + req.path, test.scripts[req.name], seconds=seconds,
                     log=wrk_log)
    after = test.meter.sample()
    statements = test.statements.read() if test.statements else None
    if result.non_2xx or result.socket_errors:
        raise RuntimeError(f"{test.database} {req.name}: {result.non_2xx} non-2xx answers, "
                           f"{result.socket_errors} socket errors (see {wrk_log})")
    run = {"round": round_no, **result.as_dict(),
           "cpu": cpu.Meter.figures(before, after, result.requests)}
    if statements is not None:
        run["statements"] = statements
    if req.messages:
        run["messages_per_s"] = result.requests_per_s * req.messages
    return run


def statements_per_request(runs: list[dict[str, Any]]) -> dict[str, Any] | None:
    """pg_stat_statements' figures over a scenario's runs, per request (None: not counted)."""
    counted = [(int(r["requests"]), r["statements"]) for r in runs if "statements" in r]
    return postgres.per_request(counted) if counted else None


def _stop_on_signal(signum: int, _frame: Any) -> None:
    # SIGTERM or SIGHUP end the run like Ctrl-C does: through every `finally`, so the servers
    # and the PostgreSQL cluster are stopped.
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run")
    parser.add_argument("--databases", default="sqlite,postgresql",
                        help="comma-separated: sqlite, postgresql (default: both)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1, help="seconds per scenario")
    parser.add_argument("--publish", metavar="DIR", default=None)
    parser.add_argument("--only", default=None, help="comma-separated scenario names")
    parser.add_argument("--small", action="store_true",
                        help="the tests' small world (1,400 accounts): a quick look that the "
                        "run works, not figures to compare")
    args = parser.parse_args(argv)
    databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    unknown = [d for d in databases if d not in report.DATABASES]
    if not databases or unknown:
        parser.error(f"--databases: sqlite and/or postgresql, not {','.join(unknown)}")
    databases = [d for d in report.DATABASES if d in databases]

    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _stop_on_signal)
    started = time.monotonic()
    out = CACHE.resolve() / "runs" / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out.mkdir(parents=True)
    spec = SMALL if args.small else WorldSpec()
    only = set(args.only.split(",")) if args.only else None
    wrk_log = out / "wrk.log"

    load_before = os.getloadavg()
    tests: list[UnderTest] = []
    with contextlib.ExitStack() as stack:
        for database in databases:
            tests.append(start_database(database, spec, out, stack, only=only))
        for test in tests:  # warm-up: caches, the limit body loaded by both workers
            for req in test.requests:
                wrk.run(test.srv.base_url + req.path, test.scripts[req.name],
                        seconds=args.warmup, log=wrk_log)
                if req.clears_inbox:
                    settle(test)
        for round_no in range(args.runs):
            # Round-robin, rotated each round (the databases too), so slow drifts of the
            # machine hit all alike.
            turn = tests[round_no % len(tests):] + tests[: round_no % len(tests)]
            for test in turn:
                reqs = test.requests
                order = reqs[round_no % len(reqs):] + reqs[: round_no % len(reqs)]
                for req in order:
                    run = measure(test, req, args.seconds, wrk_log, round_no)
                    test.runs[req.name].append(run)
                    if req.clears_inbox:
                        settle(test)
                    extra = (f"  ({run['messages_per_s']:,.0f} messages/s)"
                             if req.messages else "")
                    print(f"  round {round_no + 1}/{args.runs}  "
                          f"{report.LABELS[test.database]:<10} {req.name:<22} "
                          f"{run['requests_per_s']:>9,.0f} req/s  p50 {run['p50_ms']:6.2f} ms  "
                          f"p99 {run['p99_ms']:6.2f} ms  "
                          f"{run['cpu']['workers_us']:5,.0f} µs workers"
                          + (f" {run['cpu']['postgres_us']:5,.0f} µs backends"
                             if test.cluster else "")
                          + f"  {run['cpu']['idle']:.0%} idle{extra}", flush=True)
    for test in tests:
        if "Traceback" in test.srv.log():
            print(test.srv.log(), file=sys.stderr)
            return 1
    load_after = os.getloadavg()

    by_db = {t.database: {name: report.medians(r) for name, r in t.runs.items()}
             for t in tests}
    cpu_by_db = {t.database: {name: report.cpu_medians(r) for name, r in t.runs.items()}
                 for t in tests}
    first = tests[0].world
    pg = next((t for t in tests if t.cluster), None)
    data: dict[str, Any] = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            **machine(),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in load_after],
        },
        "world": {
            "generator": first.generator,
            "command": f"talksocial generate --accounts {spec.accounts} --friends-per-account "
            f"{spec.friends_per_account} --hub-owners {','.join(map(str, spec.owners))} "
            f"--seed-random {spec.seed}",
            "accounts": first.accounts,
            "rows": first.counts,
            "owners_listable_friends": sorted(first.owners),
            "database": "; ".join(_world_database(t) for t in tests),
            "databases": {
                t.database: {
                    "database": _world_database(t),
                    "generate_seconds": t.world.generate_seconds,
                    "rows": t.world.counts,
                }
                for t in tests
            },
        },
        "wrk": {
            "threads": wrk.THREADS,
            "connections": wrk.CONNECTIONS,
            "seconds": args.seconds,
            "runs": args.runs,
            "figure": "median of the runs; scenarios (and databases) interleaved round-robin",
        },
        "server": {
            "command": "talksocial serve --host 127.0.0.1 --port PORT "
            + " ".join(server.serve_args("<world>")),
            "workers": server.WORKERS,
            "note": "no start-up snapshot for reset (the world is over the snapshot limit)",
            "databases": {t.database: _server_database(t) for t in tests},
        },
        "databases": {
            t.database: {
                "scenarios": [
                    {
                        "name": req.name,
                        "label": req.label,
                        "method": req.method,
                        "path": req.path if req.name != "profiles"
                        else req.path + " (form body)",
                        "groups": list(req.groups),
                        "messages_per_request": req.messages,
                        "median": by_db[t.database][req.name],
                        "cpu": cpu_by_db[t.database][req.name],
                        **({"statements": statements_per_request(t.runs[req.name])}
                           if t.statements else {}),
                        "runs": t.runs[req.name],
                    }
                    for req in t.requests
                ],
            }
            for t in tests
        },
        "cpu": {
            "method": "CPU time (utime+stime+cutime+cstime, /proc/<pid>/stat) of the server's "
            "process tree and of the PostgreSQL server's (postmaster and backends), wrk's "
            "(getrusage of waited children) and the cores' idle time (/proc/stat), read "
            "before and after each wrk run; per request = difference / requests",
            "statements": "PostgreSQL: pg_stat_statements reset before and read after each "
            "wrk run: statements per request and their execution time (planning not tracked)",
        },
        "duration_s": round(time.monotonic() - started, 1),
    }
    pg_statements = ({name: statements_per_request(r) for name, r in pg.runs.items()}
                     if pg is not None else {})
    data["targets"] = [] if args.only else report.all_targets(
        by_db, cpu_by_db, int(data["machine"]["cores"] or 0), pg_statements)
    if pg is not None:
        data["world"]["databases"]["postgresql"]["data_directory"] = str(
            pg.cluster.data if pg.cluster else "")
    (out / "report.json").write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    text = report.table(data)
    (out / "table.md").write_text(text, encoding="utf-8")
    report.chart(data, out / "chart.png")
    print()
    print(text)
    m = data["machine"]
    print(f"{m['cpu_model']}, {m['cores']} cores, Python {m['python']}; load average "
          f"{m['load_average_before'][0]:.2f} before, {m['load_average_after'][0]:.2f} after; "
          f"{data['duration_s']:.0f} s")
    print(f"raw runs, report.json, table.md, chart.png: {out}")
    if args.publish:
        dest = Path(args.publish)
        dest.mkdir(parents=True, exist_ok=True)
        for name in ("report.json", "table.md", "chart.png"):
            shutil.copy(out / name, dest / name)
        print(f"published to {dest}")
    return 0


def _world_database(test: UnderTest) -> str:
    if test.cluster is None:
        return "SQLite (WAL), one file"
    return (f"PostgreSQL {postgres.version()}, a throwaway cluster on loopback (its data "
            "directory cached with the world)")


def _server_database(test: UnderTest) -> dict[str, Any]:
    if test.cluster is None:
        return {"database_url": "sqlite:///<world>/world.db"}
    return {
        "database_url": f"postgresql+psycopg://{postgres.USER}@127.0.0.1:PORT/"
        f"{postgres.DATABASE}",
        "postgresql": postgres.version(),
        "settings": {"listen_addresses": "127.0.0.1", **test.cluster.settings},
    }


if __name__ == "__main__":
    sys.exit(main())
