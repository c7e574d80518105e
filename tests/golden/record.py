"""Records the golden answers: `python -m tests.golden.record [-o FILE]`.

Prepares a demo server as `talksocial serve --demo` does, over a fresh SQLite file, in this
process (the in-process server of tests/support/inprocess.py, as the test replays on: a live
server's readiness probe would add a journal entry of its own), sends the requests of
`tests.golden.plan` in order and writes each request with its normalised answer
(`tests.golden.wire`) to tests/golden/recording.json. `test_recorded_bytes.py` replays them on
a fresh demo server and compares. Record only on code whose answers are the reference (issue #10:
main before the refactor); afterwards the recording is what the code must keep answering.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

from tests.golden import plan
from tests.golden.wire import RULES, exchange, replay_client
from tests.support.inprocess import serving

HERE = Path(__file__).resolve().parent
RECORDING = HERE / "recording.json"
README = HERE.parents[1] / "README.md"
FORMAT = "talksocial-golden-recording/1"


def readme_curl_lines(readme: str) -> list[int]:
    """The README's lines that start a curl command (in a code block or inline)."""
    return [
        number
        for number, line in enumerate(readme.splitlines(), start=1)
        if re.search(r"(^|\$\(|`)\s*curl\s", line.strip())
    ]


def check_readme_covered(steps: list[dict[str, Any]]) -> None:
    """Every curl line of today's README names a path some README step of the plan sends
    (compared by path and query, not by line number: the README moves, its requests stay)."""
    readme = README.read_text("utf-8").splitlines()
    sent = {step["request"]["path"] for step in steps if "README" in step["note"]}
    missing = []
    for number in readme_curl_lines("\n".join(readme)):
        found = re.search(r"https?://[^/\s\"']+(/[^\s\"']*)", readme[number - 1])
        if found is None or found.group(1) not in sent:
            missing.append(number)
    if missing:
        raise SystemExit(f"README curl lines without a recorded request: {missing}")


def record() -> dict[str, Any]:
    steps = plan.build()
    check_readme_covered(steps)
    values: dict[str, str] = {}
    recorded: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="talksocial-golden-") as tmp:
        with serving(Path(tmp), demo=True) as server:
            port = server.base_url.rsplit(":", 1)[1]
            client = replay_client(server)
            for step in steps:
                _, answer = exchange(client, server.base_url, step, values)
                text = json.dumps(answer, ensure_ascii=False)
                if re.search(rf"(?<!\d){port}(?!\d)", text):
                    raise SystemExit(f"the port {port} is left in the answer to {step['note']}:"
                                     f"\n{text[:3000]}")
                recorded.append({**step, "response": answer})
    return {
        "format": FORMAT,
        "about": "tests/golden/record.py: every README curl line, every endpoint x credential, "
        "edge cases; answers normalised by tests/golden/wire.py (base URL, values read by "
        "later requests, and the rules listed here)",
        "rules": [rule.name for rule in RULES],
        "steps": recorded,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=RECORDING)
    args = parser.parse_args(argv)
    recording = record()
    text = json.dumps(recording, ensure_ascii=False, indent=1) + "\n"
    args.output.write_text(text, encoding="utf-8")
    print(f"{len(recording['steps'])} requests recorded to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
