"""`python -m tests.golden.diff`: replays the recording against a fresh demo server and prints
one line per answer that differs (step, request, the changed lines). Before re-recording
(`python -m tests.golden.record`) after an intended wire change, check here that every
difference is intended, and list them in the commit message."""

from __future__ import annotations

import difflib
import json
import tempfile
from pathlib import Path

from tests.golden.test_recorded_bytes import RECORDING, _lines
from tests.golden.wire import exchange, replay_client
from tests.support.inprocess import start_inprocess_server


def main() -> int:
    server = start_inprocess_server(Path(tempfile.mkdtemp()), demo=True)
    differing = 0
    try:
        steps = json.loads(RECORDING.read_text(encoding="utf-8"))["steps"]
        client = replay_client(server)
        values: dict[str, str] = {}
        for number, step in enumerate(steps):
            _, replayed = exchange(client, server.base_url, step, values)
            if replayed == step["response"]:
                continue
            differing += 1
            changed = [
                line for line in difflib.unified_diff(
                    _lines(step["response"]), _lines(replayed), lineterm="", n=0)
                if line[:1] in "+-" and not line.startswith(("+++", "---", "+raw", "-raw"))
            ]
            request = step["request"]
            print(number, request["method"], request["path"][:80], "|",
                  " ; ".join(line[:160] for line in changed[:6]))
    finally:
        server.stop()
    print(f"{differing} of {len(steps)} answers differ")
    return 1 if differing else 0


if __name__ == "__main__":
    raise SystemExit(main())
