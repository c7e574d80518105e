"""`make bench`: world -> server -> check -> warm-up -> interleaved wrk runs -> report.

    python -m benchmarks.run [--runs 3] [--seconds 5] [--publish docs/bench]

Raw runs (wrk output, server log, report.json, table.txt, chart.png) land in
`.bench/runs/<timestamp>/` (git-ignored); `--publish DIR` copies the report, table and chart
to DIR for a run committed on purpose.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from benchmarks import report, scenarios, server, wrk
from benchmarks.world import WorldSpec, ensure_world

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1, help="seconds per scenario")
    parser.add_argument("--publish", metavar="DIR", default=None)
    parser.add_argument("--only", default=None, help="comma-separated scenario names")
    args = parser.parse_args(argv)

    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    started = time.monotonic()
    out = CACHE.resolve() / "runs" / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out.mkdir(parents=True)
    spec = WorldSpec()
    world = ensure_world(CACHE, spec)
    requests = scenarios.build_requests(world)
    if args.only:
        wanted = set(args.only.split(","))
        requests = [r for r in requests if r.name in wanted or r.name in ("friends", "limit")]
    scripts = {}
    for req in requests:
        scripts[req.name] = out / f"{req.name}.lua"
        scripts[req.name].write_text(req.lua(), encoding="utf-8")

    load_before = os.getloadavg()
    srv = server.start(world.database_url, out)
    runs: dict[str, list[dict[str, Any]]] = {r.name: [] for r in requests}
    wrk_log = out / "wrk.log"
    try:
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
        print(f"checked: {len(requests)} requests answer 200 with the expected counts "
              f"(friends page {len(body):,} bytes)")
        for req in requests:  # warm-up: caches, the limit body loaded by both workers
            wrk.run(srv.base_url + req.path, scripts[req.name], seconds=args.warmup,
                    log=wrk_log)
        for round_no in range(args.runs):
            # Round-robin, rotated each round, so slow drifts of the machine hit all alike.
            order = requests[round_no % len(requests):] + requests[: round_no % len(requests)]
            for req in order:
                if req.clears_inbox:
                    scenarios.clear_inbox(control)
                result = wrk.run(srv.base_url + req.path, scripts[req.name],
                                 seconds=args.seconds, log=wrk_log)
                if result.non_2xx or result.socket_errors:
                    raise RuntimeError(f"{req.name}: {result.non_2xx} non-2xx answers, "
                                       f"{result.socket_errors} socket errors (see {wrk_log})")
                run = {"round": round_no, **result.as_dict()}
                if req.messages:
                    run["messages_per_s"] = result.requests_per_s * req.messages
                runs[req.name].append(run)
                extra = (f"  ({result.requests_per_s * req.messages:,.0f} messages/s)"
                         if req.messages else "")
                print(f"  round {round_no + 1}/{args.runs}  {req.name:<22} "
                      f"{result.requests_per_s:>9,.0f} req/s  p50 {result.p50_ms:6.2f} ms  "
                      f"p99 {result.p99_ms:6.2f} ms{extra}", flush=True)
    finally:
        srv.stop()
    if "Traceback" in srv.log():
        print(srv.log(), file=sys.stderr)
        return 1
    load_after = os.getloadavg()

    by_name = {name: report.medians(r) for name, r in runs.items()}
    data: dict[str, Any] = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            **machine(),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in load_after],
        },
        "world": {
            "generator": world.generator,
            "command": f"talksocial generate --accounts {spec.accounts} --friends-per-account "
            f"{spec.friends_per_account} --hub-owners {','.join(map(str, spec.owners))} "
            f"--seed-random {spec.seed}",
            "accounts": world.accounts,
            "rows": world.counts,
            "owners_listable_friends": sorted(world.owners),
            "database": "SQLite (WAL), one file",
        },
        "wrk": {
            "threads": wrk.THREADS,
            "connections": wrk.CONNECTIONS,
            "seconds": args.seconds,
            "runs": args.runs,
            "figure": "median of the runs; scenarios interleaved round-robin",
        },
        "server": {
            "command": "talksocial serve --host 127.0.0.1 --port PORT "
            + " ".join(server.serve_args("<world>")),
            "workers": server.WORKERS,
            "note": "no start-up snapshot for reset (the world is over the snapshot limit)",
        },
        "scenarios": [
            {
                "name": req.name,
                "label": req.label,
                "method": req.method,
                "path": req.path if req.name != "profiles" else req.path + " (form body)",
                "groups": list(req.groups),
                "messages_per_request": req.messages,
                "median": by_name[req.name],
                "runs": runs[req.name],
            }
            for req in requests
        ],
        "duration_s": round(time.monotonic() - started, 1),
    }
    if not args.only:
        data["targets"] = report.targets(by_name)
    else:
        data["targets"] = []
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


if __name__ == "__main__":
    sys.exit(main())
