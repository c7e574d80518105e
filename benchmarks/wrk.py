"""Runs wrk and reads its `--latency` report."""

from __future__ import annotations

import re
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

THREADS = 2
CONNECTIONS = 64

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass(frozen=True)
class WrkRun:
    requests_per_s: float
    p50_ms: float
    p75_ms: float
    p90_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    socket_errors: int
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _ms(text: str) -> float:
    match = re.fullmatch(r"([0-9.]+)(us|ms|s|m)", text.strip())
    if not match:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse(output: str) -> WrkRun:
    """Raises ValueError when the report lacks the figures (wrk failed)."""
    dist = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)\s*$", output, re.MULTILINE))
    rps = re.search(r"^Requests/sec:\s+([0-9.]+)", output, re.MULTILINE)
    total = re.search(r"^\s+(\d+) requests in ([0-9.]+)(us|ms|s|m)", output, re.MULTILINE)
    if len(dist) != 4 or rps is None or total is None:
        raise ValueError(f"cannot read wrk's report:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sock = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return WrkRun(
        requests_per_s=float(rps.group(1)),
        p50_ms=_ms(dist["50"]),
        p75_ms=_ms(dist["75"]),
        p90_ms=_ms(dist["90"]),
        p99_ms=_ms(dist["99"]),
        requests=int(total.group(1)),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(g) for g in sock.groups()) if sock else 0,
        seconds=_ms(total.group(2) + total.group(3)) / 1000.0,
    )


def run(
    url: str,
    script: Path,
    *,
    seconds: int,
    threads: int = THREADS,
    connections: int = CONNECTIONS,
    log: Path | None = None,
) -> WrkRun:
    command = [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
        "--timeout", "10s", "-s", str(script), url,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30)
    if log is not None:
        with log.open("a", encoding="utf-8") as f:
            f.write(f"$ {' '.join(command)}\n{done.stdout}{done.stderr}\n")
    if done.returncode != 0:
        raise RuntimeError(f"wrk exited {done.returncode}: {done.stderr}{done.stdout}")
    return parse(done.stdout)
