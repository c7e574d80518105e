"""The benchmark measures the real server path: the requests `make bench` sends (built by the
same code, benchmarks/scenarios.py, from a world written by the same generator, smaller)
answer 200 with the expected counts from a real `talksocial serve --workers 2`, and so do the
wrk scripts it drives them with. The limit route serves the friends page's exact bytes, and
exists only when the benchmark asks for it."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from benchmarks import scenarios, wrk
from benchmarks.server import APP_FACTORY, ENV_LIMIT_BODY, REPO
from benchmarks.world import SMALL, World, ensure_world

from tests.support.server import LiveServer, start_server

Bench = tuple[World, LiveServer, Path]


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bench]:
    tmp = tmp_path_factory.mktemp("bench")
    world = ensure_world(tmp / "cache", SMALL, log=lambda _: None)
    body = tmp / "limit-body.json"
    server = start_server(
        tmp / "server",
        database_url=world.database_url,
        workers=2,
        extra_args=["--app-factory", APP_FACTORY],
        env={ENV_LIMIT_BODY: str(body), "PYTHONPATH": str(REPO)},
    )
    try:
        yield world, server, body
    finally:
        server.stop()
        assert "Traceback" not in server.log(), server.log()


def _control(server: LiveServer) -> Callable[[str, str, Any], tuple[int, Any]]:
    def control(method: str, path: str, body: Any) -> tuple[int, Any]:
        r = server.request(method, path, json=body) if body is not None else \
            server.request(method, path)
        return r.status_code, r.json()

    return control


def _send(server: LiveServer) -> Callable[[scenarios.BenchRequest], tuple[int, bytes]]:
    def send(req: scenarios.BenchRequest) -> tuple[int, bytes]:
        r = server.request(req.method, req.path, **req.httpx_args())
        return r.status_code, r.content

    return send


def test_every_benchmark_request_answers_200_with_the_expected_counts(
    bench: Bench,
) -> None:
    world, server, limit_body = bench
    requests = scenarios.build_requests(world)
    assert [r.name for r in requests] == [
        "friends", "friends_deep", "friends_nickname_desc", "talk_profile", "profiles",
        "limit", "list_small", "list_large", "send_friends",
    ]
    scenarios.prepare(world, _control(server))  # as `make bench` does before the check
    send = _send(server)
    friends = requests[0]
    status, body = send(friends)
    assert status == 200
    limit_body.write_bytes(body)  # as `make bench` does: the limit serves these bytes
    bodies = scenarios.check(requests, send)

    # what the checks above compared, spelled out once on this world
    page = json.loads(bodies["friends"])
    assert (len(page["elements"]), page["total_count"]) == (100, 300)
    assert "after_url" in page and "before_url" not in page
    deep = json.loads(bodies["friends_deep"])
    assert (len(deep["elements"]), deep["total_count"]) == (100, 300)
    assert "after_url" not in deep and "offset=100" in deep["before_url"]
    by_nickname = json.loads(bodies["friends_nickname_desc"])
    assert {e["id"] for e in by_nickname["elements"]} != {e["id"] for e in page["elements"]}
    assert json.loads(bodies["list_small"])["total_count"] == 100
    assert json.loads(bodies["list_large"])["total_count"] == 1000
    profiles = json.loads(bodies["profiles"])
    assert [t["user_id"] for t in profiles["targets"]] == world.target_user_ids
    assert profiles["viewer"]["user_id"] == world.viewer_user_id
    assert bodies["limit"] == bodies["friends"]
    sent = json.loads(bodies["send_friends"])
    receivers = json.loads(
        parse_qs(requests[-1].body or "")["receiver_uuids"][0]
    )
    assert sent == {"successful_receiver_uuids": receivers} and len(receivers) == 5
    inbox = server.get("/_talksocial/messages").json()
    assert inbox["total_count"] == 5
    assert {m["endpoint"] for m in inbox["messages"]} == {scenarios.SEND_PATH}


def test_the_send_scenario_sends_to_5_friends_each_time(bench: Bench) -> None:
    """The send is repeatable (limits out of the way, the inbox emptied between runs) and each
    call delivers to all 5 receivers."""
    world, server, _ = bench
    send_friends = next(r for r in scenarios.build_requests(world) if r.name == "send_friends")
    assert send_friends.clears_inbox and send_friends.messages == 5
    control = _control(server)
    scenarios.prepare(world, control)  # a second time: idempotent
    assert server.get(f"/_talksocial/apps/{world.app_id}").json()["message_limits"] == (
        scenarios.NO_LIMITS)
    for _ in range(3):
        scenarios.check([send_friends], _send(server))
    assert server.get("/_talksocial/messages").json()["total_count"] == 15
    scenarios.clear_inbox(control)
    assert server.get("/_talksocial/messages").json()["total_count"] == 0


def test_a_wrong_expectation_is_caught(bench: Bench) -> None:
    world, server, _ = bench
    requests = scenarios.build_requests(world)
    wrong = [
        scenarios.BenchRequest(
            r.name, r.label, r.method, r.path, r.headers,
            scenarios.Expect("friends", elements=99, total_count=300), r.body,
        )
        for r in requests[:1]
    ]
    with pytest.raises(AssertionError, match="friends"):
        scenarios.check(wrong, _send(server))
    expired = [
        scenarios.BenchRequest(
            "friends", "bad token", "GET", requests[0].path,
            {"Authorization": "Bearer not-a-token"}, requests[0].expect,
        )
    ]
    with pytest.raises(AssertionError, match="HTTP 401"):
        scenarios.check(expired, _send(server))


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_the_wrk_scripts_send_requests_that_succeed(
    bench: Bench, tmp_path: Path
) -> None:
    world, server, limit_body = bench
    assert limit_body.exists()  # written by the first test (module order)
    for req in scenarios.build_requests(world):
        script = tmp_path / f"{req.name}.lua"
        script.write_text(req.lua(), encoding="utf-8")
        result = wrk.run(server.base_url + req.path, script, seconds=1, threads=1, connections=2)
        assert result.requests > 0, req.name
        assert (result.non_2xx, result.socket_errors) == (0, 0), req.name


def test_the_limit_route_exists_only_in_the_benchmark_build(demo_server: LiveServer) -> None:
    assert demo_server.get(scenarios.LIMIT_PATH).status_code == 404


def test_wrk_report_parsing() -> None:
    out = (
        "Running 5s test @ http://127.0.0.1:1/x\n  2 threads and 64 connections\n"
        "  Latency Distribution\n     50%  812.00us\n     75%    1.20ms\n     90%    2.50ms\n"
        "     99%    1.02s \n  31000 requests in 5.00s, 600.00MB read\n"
        "  Non-2xx or 3xx responses: 3\nRequests/sec:   6200.50\n"
    )
    run = wrk.parse(out)
    assert (run.p50_ms, run.p75_ms, run.p99_ms) == (0.812, 1.2, 1020.0)
    assert (run.requests, run.non_2xx, run.requests_per_s, run.seconds) == (31000, 3, 6200.5, 5.0)
    with pytest.raises(ValueError):
        wrk.parse("unable to connect to 127.0.0.1:1 Connection refused")


def test_the_report_shows_messages_per_second_and_keeps_the_send_out_of_the_read_targets(
) -> None:
    from benchmarks import report

    def median(rps: float, p99: float) -> dict[str, float]:
        return {"requests_per_s": rps, "p50_ms": 1.0, "p99_ms": p99}

    by_name = {name: median(1000.0, 10.0) for name in (
        "friends", "friends_deep", "friends_nickname_desc", "talk_profile", "profiles", "limit",
        "list_small", "list_large")}
    by_name["send_friends"] = median(300.0, 180.0)
    targets = report.targets(by_name)
    assert targets[-1]["met"] and "send_friends" not in targets[-1]["shown"]
    data = {
        "scenarios": [
            {"name": n, "label": n, "median": m,
             "messages_per_request": 5 if n == "send_friends" else 0}
            for n, m in by_name.items()
        ],
        "targets": targets,
    }
    text = report.table(data)
    assert "send_friends: 1,500 messages/s (300 requests/s x 5), p99 180.00 ms" in text
