"""The benchmark's requests, built once from a world and used both by wrk (as a Lua script) and
by the check that every one of them answers 200 with the expected counts (`check`), which
`make bench` runs before measuring and tests/bench/test_bench_requests.py runs on a small world.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from benchmarks.limit_app import LIMIT_PATH
from benchmarks.world import World, message_receivers

LIMIT = 100
#: The send scenario's receivers: Kakao's most per call.
RECEIVERS = 5
SEND_PATH = "/v1/api/talk/friends/message/default/send"
#: Daily message limits high enough that a benchmark never meets them (the largest an app may
#: set, docs/reference/messages.md#limits).
NO_LIMITS = {name: 10**9 for name in ("per_sender", "per_receiver", "per_pair", "per_app")}
SEND_TEMPLATE = {
    "object_type": "feed",
    "content": {
        "title": "Strawberry cheesecake",
        "description": "#cake #strawberry",
        "image_url": "http://localhost:3000/images/cake.png",
        "link": {"web_url": "http://localhost:3000/cake",
                 "mobile_web_url": "http://localhost:3000/cake"},
    },
    "social": {"like_count": 286, "comment_count": 45},
    "buttons": [{"title": "Open", "link": {"web_url": "http://localhost:3000/cake"}}],
}


@dataclass(frozen=True)
class Expect:
    """What a 200 answer must hold: a friends page's element and total counts, a profile's id,
    the profiles' target count and viewer, the limit's bytes (those of `same_as`), or a send's
    successful receivers (all of them, no `failure_info`)."""

    kind: str
    elements: int = 0
    total_count: int = 0
    user_id: int = 0
    targets: int = 0
    same_as: str = ""
    receivers: int = 0


@dataclass(frozen=True)
class BenchRequest:
    name: str
    label: str
    method: str
    path: str
    headers: dict[str, str]
    expect: Expect
    body: str | None = None
    groups: tuple[str, ...] = field(default=())
    #: A write that stores what it sends (the inbox): `make bench` empties the inbox before
    #: each of its runs, so that every run starts alike.
    clears_inbox: bool = False
    #: How many messages one request delivers (messages per second = requests per second x
    #: this).
    messages: int = 0

    def lua(self) -> str:
        """A wrk script sending this request (the path is part of the URL given to wrk)."""
        lines = [f"wrk.method = {_lua_str(self.method)}"]
        lines += [f"wrk.headers[{_lua_str(k)}] = {_lua_str(v)}" for k, v in self.headers.items()]
        if self.body is not None:
            lines.append(f"wrk.body = {_lua_str(self.body)}")
        return "\n".join(lines) + "\n"

    def httpx_args(self) -> dict[str, Any]:
        args: dict[str, Any] = {"headers": dict(self.headers)}
        if self.body is not None:
            args["content"] = self.body.encode()
        return args


def _lua_str(value: str) -> str:
    # A Lua long-free quoted string: escape backslashes, quotes and control characters.
    out = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{out}"'


def friends_path(offset: int = 0, **extra: str) -> str:
    return "/v1/api/talk/friends?" + urlencode({"offset": offset, "limit": LIMIT, **extra})


def build_requests(world: World) -> list[BenchRequest]:
    """Scenarios in the order the report lists them. `groups` name the comparisons: `main`
    (friends page variants, profiles and the limit) and `lists` (list size)."""
    small, middle, large = sorted(world.owners)
    deep = middle - LIMIT

    def bearer(size: int) -> dict[str, str]:
        return {"Authorization": f"Bearer {world.token(size)}"}

    def page(size: int, offset: int = 0) -> Expect:
        return Expect("friends", elements=min(LIMIT, size - offset), total_count=size)

    form = urlencode(
        {
            "target_ids": json.dumps(world.target_user_ids, separators=(",", ":")),
            "target_id_type": "user_id",
            "viewer_id": str(world.viewer_user_id),
            "viewer_id_type": "user_id",
        }
    )
    send_form = urlencode(
        {
            "receiver_uuids": json.dumps(message_receivers(world, middle, RECEIVERS),
                                         separators=(",", ":")),
            "template_object": json.dumps(SEND_TEMPLATE, separators=(",", ":")),
        }
    )
    return [
        BenchRequest("friends", f"friends page ({middle:,} friends, offset 0)", "GET",
                     friends_path(0), bearer(middle), page(middle), groups=("main", "lists")),
        BenchRequest("friends_deep", f"friends page, offset {deep:,}", "GET",
                     friends_path(deep), bearer(middle), page(middle, deep), groups=("main",)),
        BenchRequest("friends_nickname_desc", "friends page, friend_order=nickname desc", "GET",
                     friends_path(0, friend_order="nickname", order="desc"), bearer(middle),
                     page(middle), groups=("main",)),
        BenchRequest("talk_profile", "Talk profile", "GET", "/v1/api/talk/profile",
                     bearer(middle), Expect("profile", user_id=world.owners[middle]["user_id"]),
                     groups=("main",)),
        BenchRequest("profiles", f"profiles by user list ({len(world.target_user_ids)} "
                     "targets + viewer, POST form)", "POST", "/v2/api/talk/profiles",
                     {"Authorization": f"KakaoAK {world.admin_key}",
                      "Content-Type": "application/x-www-form-urlencoded"},
                     Expect("profiles", targets=len(world.target_user_ids)), body=form,
                     groups=("main",)),
        BenchRequest("limit", "LIMIT: same friends-page bytes, no token check, no query",
                     "GET", LIMIT_PATH, {}, Expect("limit", same_as="friends"),
                     groups=("main",)),
        BenchRequest("list_small", f"friends page ({small:,} friends)", "GET",
                     friends_path(0), bearer(small), page(small), groups=("lists",)),
        BenchRequest("list_large", f"friends page ({large:,} friends)", "GET",
                     friends_path(0), bearer(large), page(large), groups=("lists",)),
        BenchRequest("send_friends", f"send to {RECEIVERS} friends (feed template, POST form)",
                     "POST", SEND_PATH,
                     {**bearer(middle), "Content-Type": "application/x-www-form-urlencoded"},
                     Expect("sent", receivers=RECEIVERS), body=send_form,
                     groups=("messages",), clears_inbox=True, messages=RECEIVERS),
    ]


def prepare(world: World, control: Callable[[str, str, Any], tuple[int, Any]]) -> None:
    """Through the control plane of the server under test (`control(method, path, json)`):
    the app's daily message limits out of the way, the sender's agreement to `talk_message`
    (a generated world's owner agreed with a probability), an empty inbox. Idempotent."""
    app = f"/_talksocial/apps/{world.app_id}"
    status, found = control("GET", app, None)
    assert status == 200, f"control plane: GET {app}: HTTP {status}: {found}"
    if found.get("message_limits") != NO_LIMITS:
        status, body = control("PATCH", app, {"message_limits": NO_LIMITS})
        assert status == 200, f"control plane: message_limits: HTTP {status}: {body}"
    middle = sorted(world.owners)[len(world.owners) // 2]
    link = f"/_talksocial/links/{world.app_id}/{world.owners[middle]['account_key']}"
    status, found = control("GET", link, None)
    assert status == 200, f"control plane: GET {link}: HTTP {status}: {found}"
    if "talk_message" not in found["scopes"]:
        status, body = control("PUT", link + "/scopes",
                               {"scopes": [*found["scopes"], "talk_message"]})
        assert status == 200, f"control plane: scopes: HTTP {status}: {body}"
    clear_inbox(control)


def clear_inbox(control: Callable[[str, str, Any], tuple[int, Any]]) -> None:
    status, body = control("DELETE", "/_talksocial/messages", None)
    assert status == 200, f"control plane: DELETE messages: HTTP {status}: {body}"


def check(
    requests: list[BenchRequest], send: Callable[[BenchRequest], tuple[int, bytes]]
) -> dict[str, bytes]:
    """Sends each request once; raises AssertionError naming the first that does not answer
    200 with the expected counts. Returns the bodies by scenario name."""
    bodies: dict[str, bytes] = {}
    for req in requests:
        status, body = send(req)
        assert status == 200, f"{req.name}: HTTP {status}: {body[:300]!r}"
        bodies[req.name] = body
        exp = req.expect
        if exp.kind == "limit":
            continue
        data = json.loads(body)
        if exp.kind == "friends":
            got = (len(data["elements"]), data["total_count"])
            assert got == (exp.elements, exp.total_count), f"{req.name}: {got}"
        elif exp.kind == "profile":
            assert data["id"] == exp.user_id and "nickName" in data, f"{req.name}: {data}"
        elif exp.kind == "sent":
            got_receivers = data.get("successful_receiver_uuids", [])
            assert len(got_receivers) == exp.receivers and "failure_info" not in data, (
                f"{req.name}: {data}"
            )
        elif exp.kind == "profiles":
            assert len(data["targets"]) == exp.targets, f"{req.name}: {len(data['targets'])}"
            assert "viewer" in data and all("nickname" in t for t in data["targets"]), req.name
        else:  # pragma: no cover
            raise AssertionError(f"unknown expectation {exp.kind}")
    for req in requests:
        if req.expect.kind == "limit":
            assert bodies[req.name] == bodies[req.expect.same_as], (
                f"{req.name}: not the bytes of {req.expect.same_as}"
            )
    return bodies
