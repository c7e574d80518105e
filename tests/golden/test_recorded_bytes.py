"""Issue #10 "Keep": every request of tests/golden/recording.json (recorded on main before the
refactor by `python -m tests.golden.record`) is replayed in order against a fresh demo server,
and each answer must equal the recorded one: status, headers and body bytes, after the one
normalisation of `tests.golden.wire` (base URL, values read by later requests, instants,
durations, countdowns, per-database keys, fresh console sessions)."""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.golden.wire import exchange, replay_client
from tests.support.server import LiveServer

RECORDING = Path(__file__).resolve().parent / "recording.json"
#: Differences shown in full in the failure message; the others are counted.
SHOWN = 3


def _lines(answer: dict[str, Any]) -> list[str]:
    """An answer as lines to diff: status, headers, then the body (JSON pretty-printed for
    reading only when it parses; the raw bytes are compared, and shown when only they differ)."""
    lines = [f"status {answer['status']}"] + [f"{k}: {v}" for k, v in answer["headers"]]
    body = answer.get("body")
    if body is None:
        return lines + ["body (base64) " + answer["body_base64"]]
    try:
        shown = json.dumps(json.loads(body), indent=1, ensure_ascii=False)
    except ValueError:  # HTML, or JSON made invalid by a placeholder: one field a line
        shown = body.replace(',"', ',\n"') if body[:1] in "{[" else body
    return lines + ["body:"] + shown.splitlines() + ["raw body: " + body]


def _mismatch(number: int, step: dict[str, Any], replayed: dict[str, Any]) -> str:
    request = step["request"]
    diff = difflib.unified_diff(
        _lines(step["response"]), _lines(replayed), "recorded", "replayed", lineterm="", n=2
    )
    return (
        f"step {number}: {step['note']}\n"
        f"  {request['method']} {request['path']}\n"
        f"  headers {request['headers']}\n"
        f"  body {request['body']!r}\n" + "\n".join(diff)
    )


def test_the_recorded_answers_are_kept(make_server: Callable[..., LiveServer]) -> None:
    recording = json.loads(RECORDING.read_text(encoding="utf-8"))
    steps = recording["steps"]
    server = make_server(demo=True)
    client = replay_client(server)
    values: dict[str, str] = {}
    mismatches: list[str] = []
    for number, step in enumerate(steps):
        _, replayed = exchange(client, server.base_url, step, values)
        if replayed != step["response"]:
            mismatches.append(_mismatch(number, step, replayed))
    assert not mismatches, (
        f"{len(mismatches)} of {len(steps)} answers differ from the recording; the first:\n\n"
        + "\n\n".join(mismatches[:SHOWN])
    )
