"""A py-spy profile of the server's workers while wrk drives one scenario (the friends page by
default), summarised as text: where the workers' CPU time goes, inclusive and self.

    python -m benchmarks.profile [--scenario friends] [--seconds 15] [--output FILE]
"""

from __future__ import annotations

import argparse
import collections
import shutil
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import scenarios, server, wrk
from benchmarks.run import CACHE, machine, send_with
from benchmarks.world import WorldSpec, ensure_world


def _frame_name(frame: str) -> str:
    # py-spy raw frames: "function (path/to/file.py:line)"; keep the function and short path.
    name, _, where = frame.partition(" (")
    where = where.rstrip(")")
    path, _, _line = where.rpartition(":")
    for marker in ("site-packages/", "/src/", "lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{name} ({path})"


_APP_ENTRY = ("_callback_wrapper", "Starlette.__call__")


def summarise(folded: str, top: int = 40) -> str:
    """Inclusive and self sample shares per function from py-spy's folded stacks."""
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in folded.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_frame_name(f) for f in stack.split(";")]
        # drop the process/thread frames py-spy prepends and everything below the ASGI app
        # (process start-up, granian's worker loop): the same on every sample
        frames = [f for f in frames if not f.startswith(("process ", "thread "))]
        if not frames:
            continue
        entry = next((i for i, f in enumerate(frames) if f.startswith(_APP_ENTRY)), None)
        frames = frames[entry:] if entry is not None else ["(outside the app)", *frames[-2:]]
        if not frames:
            continue
        total += count
        for f in set(frames):
            inclusive[f] += count
        own[frames[-1]] += count
    out = [f"samples: {total}", "", "inclusive (share of samples with the function on the stack):"]
    out += [f"  {n / total:6.1%}  {f}" for f, n in inclusive.most_common(top)]
    out += ["", "self (share of samples in the function itself):"]
    out += [f"  {n / total:6.1%}  {f}" for f, n in own.most_common(top)]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile")
    parser.add_argument("--scenario", default="friends")
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--output", default=None)
    args = parser.parse_args(argv)
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    out = CACHE.resolve() / "profiles" / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out.mkdir(parents=True)
    world = ensure_world(CACHE, WorldSpec())
    requests = {r.name: r for r in scenarios.build_requests(world)}
    req = requests[args.scenario]
    script = out / f"{req.name}.lua"
    script.write_text(req.lua(), encoding="utf-8")
    srv = server.start(world.database_url, out)
    folded_path = out / "profile.folded"
    try:
        send = send_with(srv.base_url)
        status, body = send(requests["friends"])
        srv.limit_body.write_bytes(body)
        scenarios.check([req], send)
        wrk.run(srv.base_url + req.path, script, seconds=2)
        spy = subprocess.Popen(
            [py_spy, "record", "--pid", str(srv.process.pid), "--subprocesses",
             "--rate", "250", "--duration", str(args.seconds), "--format", "raw",
             "--output", str(folded_path), "--nonblocking"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        result: list[wrk.WrkRun] = []
        load = threading.Thread(target=lambda: result.append(
            wrk.run(srv.base_url + req.path, script, seconds=args.seconds)))
        load.start()
        spy_out, _ = spy.communicate(timeout=args.seconds + 60)
        load.join()
        if spy.returncode != 0:
            print(spy_out.decode(errors="replace"), file=sys.stderr)
            return 1
    finally:
        srv.stop()
    m = machine()
    head = [
        f"py-spy profile of `talksocial serve --workers 2`: scenario {req.name!r} "
        f"({req.method} {req.path}), wrk -t2 -c64 -d{args.seconds}s, both workers sampled "
        f"at 250 Hz (py-spy --nonblocking; on-CPU Python stacks only).",
        f"under the profiler: {result[0].requests_per_s:,.0f} req/s, p99 "
        f"{result[0].p99_ms:.1f} ms (py-spy itself takes CPU from the 2 cores).",
        f"{m['cpu_model']}, {m['cores']} cores, Python {m['python']}, "
        f"{datetime.now(UTC).isoformat(timespec='seconds')}",
        "",
    ]
    text = "\n".join(head) + summarise(folded_path.read_text(encoding="utf-8"))
    (out / "profile.txt").write_text(text, encoding="utf-8")
    if args.output:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        Path(args.output).write_text(text, encoding="utf-8")
    print(text)
    print(f"folded stacks: {folded_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
