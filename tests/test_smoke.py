from __future__ import annotations

from tests.support.server import Server


def test_demo_friends_first_page(demo_server: Server) -> None:
    r = demo_server.get("/v1/api/talk/friends", params={"limit": 3},
                        headers={"Authorization": "Bearer demo-access-token"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json;charset=UTF-8"
    body = r.json()
    assert body["total_count"] == 11 and body["favorite_count"] == 1
    assert [e["id"] for e in body["elements"]] == [1, 3, 2]
