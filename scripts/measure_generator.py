"""Measures one `talksocial generate` run and appends its figures to a JSON file.

    python scripts/measure_generator.py --database URL --accounts N --friends-per-account M \
        --label sqlite --output docs/generator-figures.json

Used by scripts/measure-generator.sh (both databases); not part of `make test`."""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True)
    parser.add_argument("--label", required=True)
    parser.add_argument("--accounts", type=int, required=True)
    parser.add_argument("--friends-per-account", type=int, required=True)
    parser.add_argument("--output", required=True)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        manifest_path = Path(tmp) / "manifest.json"
        load_before = os.getloadavg()
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "talksocial.cli", "generate",
             "--accounts", str(args.accounts),
             "--friends-per-account", str(args.friends_per_account),
             "--seed-random", "1", "--database", args.database,
             "--manifest", str(manifest_path)],
            check=True,
        )
        wall = time.perf_counter() - started
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    counts = manifest["counts"]
    rows = sum(counts.values())
    seconds = manifest["elapsed_seconds"]
    figure = {
        "label": args.label,
        "accounts": args.accounts,
        "friends_per_account": args.friends_per_account,
        "friend_entries": counts.get("friendships", 0),
        "friend_rows": counts.get("friend_rows", 0),
        "rows": rows,
        "seconds": seconds,
        "wall_seconds": round(wall, 1),
        "rows_per_second": round(rows / seconds),
        "friend_entries_per_second": round(counts.get("friendships", 0) / seconds),
        "phases": manifest["phases"],
        "machine": f"{os.cpu_count()} cores, {cpu_model()}",
        "load_average_before": [round(x, 2) for x in load_before],
        "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    output = Path(args.output)
    figures = json.loads(output.read_text(encoding="utf-8")) if output.exists() else []
    figures = [f for f in figures if f["label"] != args.label] + [figure]
    output.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(
        f"{args.label}: {figure['friend_entries']:,} friend entries, {rows:,} rows in "
        f"{seconds:.1f} s ({figure['rows_per_second']:,} rows/s, "
        f"{figure['friend_entries_per_second']:,} friend entries/s); wall {wall:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
