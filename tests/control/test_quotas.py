"""Quotas: off by default; a daily limit per app and API answers -10 past it; days roll at
midnight Korea time by the server clock; Kakao's own limits one switch away; several workers
agree (near the limit every worker flushes on each call)."""

from __future__ import annotations

from collections.abc import Callable

from talksocial.demo import DEMO_ACCESS_TOKEN, DEMO_APP_ID
from tests.control.conftest import Control
from tests.support.server import LiveServer

FRIENDS = "/v1/api/talk/friends"
LIMIT_BODY = {"msg": "API limit has been exceeded.", "code": -10}


def test_off_by_default_and_counted(ctl: Control) -> None:
    assert ctl.ok("GET", "/quotas")["quotas"] == []
    for _ in range(3):
        assert ctl.api(FRIENDS).status_code == 200
    [row] = ctl.ok("GET", f"/quotas?app={DEMO_APP_ID}")["quotas"]
    assert row == {"app": DEMO_APP_ID, "api": "talk_friends", "daily_limit": None, "used": 3}


def test_limit_and_daily_reset_at_kst_midnight(ctl: Control) -> None:
    # 14:59 UTC is 23:59 in Korea.
    ctl.ok("POST", "/clock", json={"now": "2031-05-05T14:59:00Z"})
    body = ctl.ok("PUT", f"/quotas/{DEMO_APP_ID}/talk_friends", json={"daily_limit": 2})
    assert body["day"] == "2031-05-05"
    assert [ctl.api(FRIENDS).status_code for _ in range(2)] == [200, 200]
    over = ctl.api(FRIENDS)
    assert (over.status_code, over.json()) == (400, LIMIT_BODY)
    # Another API of the same app and the same API of another app are not limited.
    assert ctl.api("/v1/api/talk/profile").status_code == 200
    [row] = [q for q in ctl.ok("GET", "/quotas")["quotas"] if q["api"] == "talk_friends"]
    assert (row["daily_limit"], row["used"]) == (2, 2)  # refused calls do not count
    ctl.ok("POST", "/clock", json={"advance_seconds": 50})  # 23:59:50 KST: same day
    assert ctl.api(FRIENDS).json() == LIMIT_BODY
    ctl.ok("POST", "/clock", json={"advance_seconds": 10})  # 00:00:00 KST: a new day
    assert [ctl.api(FRIENDS).status_code for _ in range(3)] == [200, 200, 400]
    assert ctl.ok("GET", "/quotas")["day"] == "2031-05-06"
    # Removing the limit lifts it.
    ctl.ok("DELETE", f"/quotas/{DEMO_APP_ID}/talk_friends", 204)
    assert ctl.api(FRIENDS).status_code == 200


def test_zero_limit_and_kakao_defaults(ctl: Control) -> None:
    ctl.ok("PUT", f"/quotas/{DEMO_APP_ID}/talk_profile", json={"daily_limit": 0})
    assert ctl.api("/v1/api/talk/profile").json() == LIMIT_BODY
    body = ctl.ok("POST", f"/quotas/{DEMO_APP_ID}/kakao")
    limits = {q["api"]: q["daily_limit"] for q in body["quotas"]}
    assert limits["talk_profile"] == 30_000 == body["kakao_defaults"]["talk_profile"]
    assert ctl.api("/v1/api/talk/profile").status_code == 200


def test_admin_key_api_counts_per_app(ctl: Control) -> None:
    ctl.ok("PUT", f"/quotas/{DEMO_APP_ID}/talk_profiles", json={"daily_limit": 1})
    uid = ctl.ok("GET", f"/links/{DEMO_APP_ID}/apeach")["user_id"]
    url = f"/v2/api/talk/profiles?target_ids=[{uid}]&target_id_type=user_id"
    headers = {"Authorization": "KakaoAK demo-admin-key"}
    assert ctl.server.get(url, headers=headers).status_code == 200
    assert ctl.server.get(url, headers=headers).json() == LIMIT_BODY


def test_two_workers_share_the_count(make_live_server: Callable[..., LiveServer]) -> None:
    server = make_live_server(demo=True, workers=2)
    put = server.request("PUT", f"/_talksocial/quotas/{DEMO_APP_ID}/talk_friends",
                         json={"daily_limit": 7})
    assert put.status_code == 200
    statuses = [
        server.get(FRIENDS, headers={"Authorization": f"Bearer {DEMO_ACCESS_TOKEN}"}).status_code
        for _ in range(20)
    ]
    assert statuses.count(200) == 7 and statuses[7:] == [400] * 13
