"""reset, export, import: reset returns to the world of start-up and seeding exactly."""

from __future__ import annotations

from collections.abc import Callable

from talksocial.demo import DEMO_ACCESS_TOKEN, DEMO_APP_ID
from tests.control.conftest import Control
from tests.support.server import Server


def test_reset_returns_to_the_seed_exactly(ctl: Control) -> None:
    seeded = ctl.ok("GET", "/export")
    before_clock = ctl.ok("GET", "/clock")["offset_seconds"]
    friends_before = ctl.api("/v1/api/talk/friends?limit=100").json()

    ctl.ok("POST", "/accounts", 201, json={"key": "tmp", "profile": {"nickname": "Tmp"}})
    ctl.ok("POST", "/links", 201, json={"app": DEMO_APP_ID, "account": "tmp",
                                         "scopes": ["profile_nickname", "friends"]})
    ctl.ok("PUT", "/accounts/muzi/friends/tmp", json={"favorite": True})
    ctl.ok("PATCH", "/accounts/apeach", json={"profile": {"nickname": "Changed"}})
    ctl.ok("DELETE", "/accounts/ryan", 204)
    ctl.ok("DELETE", "/apps/2001", 204)
    ctl.ok("POST", "/faults", 201, json={"endpoint": "/v1/api/talk/profile", "code": -1})
    ctl.ok("PUT", f"/quotas/{DEMO_APP_ID}/talk_friends", json={"daily_limit": 1})
    ctl.ok("POST", "/clock", json={"advance_seconds": 3600})
    ctl.token(DEMO_APP_ID, "apeach")
    assert ctl.ok("GET", "/export") != seeded

    assert ctl.ok("POST", "/reset") == {"reset": True}
    assert ctl.ok("GET", "/export") == seeded
    assert ctl.ok("GET", "/clock")["offset_seconds"] == before_clock
    assert ctl.ok("GET", "/faults") == {"faults": []}
    assert ctl.ok("GET", "/quotas")["quotas"] == []
    assert ctl.api("/v1/api/talk/friends?limit=100").json() == friends_before
    assert ctl.api("/v1/api/talk/profile").status_code == 200


def test_export_and_import(ctl: Control) -> None:
    world = ctl.ok("GET", "/export")
    assert {a["id"] for a in world["apps"]} >= {DEMO_APP_ID}
    assert all("access_token" not in t for t in world["tokens"])  # hashed forms only
    imported = ctl.ok("POST", "/import", json={
        "accounts": [{"key": "imp", "profile": {"nickname": "Imported"}}],
        "links": [{"app": DEMO_APP_ID, "account": "imp",
                   "scopes": ["profile_nickname", "friends"]}],
        "tokens": [{"app": DEMO_APP_ID, "account": "imp"}],
    })
    [generated] = imported["generated_tokens"]
    assert generated["account"] == "imp"
    assert ctl.api("/v1/api/talk/profile", generated["access_token"]).json()["nickName"] \
        == "Imported"
    bad = ctl.call("POST", "/import", json={"links": [{"app": 424242, "account": "imp"}]})
    assert bad.status_code == 400 and "links[0].app" in bad.json()["msg"]
    # Importing the export again changes nothing.
    now = ctl.ok("GET", "/export")
    ctl.ok("POST", "/import", json=now)
    assert ctl.ok("GET", "/export") == now


def test_no_snapshot_is_kept_for_a_large_world(make_server: Callable[..., Server]) -> None:
    # The demo world has more friend-list entries than this limit: the start-up snapshot (an
    # export of the whole world) is not kept, reset says why, and the rest of the server works.
    server = make_server(demo=True, env={"TALKSOCIAL_SNAPSHOT_MAX_FRIEND_ENTRIES": "5"})
    assert "/_talksocial/reset is off" in server.log()
    reset = server.post("/_talksocial/reset")
    assert reset.status_code == 409
    assert "too large" in reset.json()["msg"]
    friends = server.get(
        "/v1/api/talk/friends", headers={"Authorization": f"Bearer {DEMO_ACCESS_TOKEN}"}
    )
    assert friends.status_code == 200 and friends.json()["total_count"] == 11
