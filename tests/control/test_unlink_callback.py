"""The unlink callback (docs/reference/kakao-login.md#unlink-callback) against a real local HTTP
receiver, from a real `talksocial serve`: called with the admin key and app_id, user_id,
referrer_type when a link ends other than by the app's own unlink; 3 s, no redirects, anything
but 200 a failure; deliveries listed and resent through the control plane."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.support.receiver import Receiver, receiving
from tests.support.server import Server
from tests.support.worlds import account, app, bearer, expect, kakao_ak, link, token

MakeServer = Callable[..., Server]
GET_APP = 5001
POST_APP = 5002
PLAIN_APP = 5003


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as state:
        yield state


def callback_world(base: str, get_path: str = "/ok", post_path: str = "/ok") -> dict[str, Any]:
    items = {"profile_nickname": "required"}
    return {
        "apps": [
            app(GET_APP, items, unlink_callback_url=f"{base}{get_path}",
                unlink_callback_method="GET"),
            app(POST_APP, items, unlink_callback_url=f"{base}{post_path}",
                unlink_callback_method="POST"),
            app(PLAIN_APP, items),
        ],
        "accounts": [account("ann"), account("bob")],
        "links": [
            link(GET_APP, "ann", 101, ["profile_nickname"]),
            link(POST_APP, "ann", 201, ["profile_nickname"]),
            link(PLAIN_APP, "ann", 301, ["profile_nickname"]),
            link(GET_APP, "bob", 102, ["profile_nickname"]),
            link(POST_APP, "bob", 202, ["profile_nickname"]),
        ],
        "tokens": [token(GET_APP, "bob", "tok-bob-get")],
    }


def deliveries(server: Server, app_id: int | None = None) -> list[dict[str, Any]]:
    params = {"app": str(app_id)} if app_id is not None else {}
    body = expect(server.get("/_talksocial/webhooks", params=params), 200)
    result: list[dict[str, Any]] = body["deliveries"]
    return result


def settled(server: Server, count: int, seconds: float = 10.0) -> list[dict[str, Any]]:
    """The deliveries once `count` of them have ended (none pending)."""
    deadline = time.monotonic() + seconds
    while True:
        found = deliveries(server)
        done = [d for d in found if d["status"] != "pending"]
        if len(done) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def test_unlink_from_admin_and_from_apps_get_and_post(
    make_live_server: MakeServer, receiver: Receiver
) -> None:
    server = make_live_server(seed=callback_world(receiver.base_url))
    # the operator unlinks (default referrer type), over GET
    assert server.request("DELETE", f"/_talksocial/links/{GET_APP}/ann").status_code == 204
    # the user disconnects the app in their account, over POST
    response = server.request(
        "DELETE", f"/_talksocial/links/{POST_APP}/ann",
        params={"referrer_type": "UNLINK_FROM_APPS"},
    )
    assert response.status_code == 204
    got = receiver.wait_for(2)
    assert len(got) == 2
    by_method = {r.method: r for r in got}
    assert by_method["GET"].headers["authorization"] == f"KakaoAK ak-{GET_APP}"
    assert by_method["GET"].fields == {
        "app_id": str(GET_APP), "user_id": "101", "referrer_type": "UNLINK_FROM_ADMIN"}
    assert by_method["POST"].headers["authorization"] == f"KakaoAK ak-{POST_APP}"
    assert by_method["POST"].headers["content-type"].startswith(
        "application/x-www-form-urlencoded")
    assert by_method["POST"].fields == {
        "app_id": str(POST_APP), "user_id": "201", "referrer_type": "UNLINK_FROM_APPS"}
    found = settled(server, 2)
    assert [d["status"] for d in found] == ["delivered", "delivered"]
    newest = found[0]
    assert {k: newest[k] for k in ("app", "user_id", "referrer_type", "method",
                                   "response_code", "error")} == {
        "app": POST_APP, "user_id": 201, "referrer_type": "UNLINK_FROM_APPS",
        "method": "POST", "response_code": 200, "error": None}
    assert newest["url"] == f"{receiver.base_url}/ok" and newest["at"].endswith("Z")
    assert [d["app"] for d in deliveries(server, GET_APP)] == [GET_APP]
    # a bad referrer type ends nothing
    response = server.request("DELETE", f"/_talksocial/links/{GET_APP}/bob",
                              params={"referrer_type": "ACCOUNT_DELETE"})
    assert response.status_code == 400
    expect(server.get("/v2/user/me", headers=bearer("tok-bob-get")), 200)


def test_account_delete_calls_every_linked_app(
    make_live_server: MakeServer, receiver: Receiver
) -> None:
    server = make_live_server(seed=callback_world(receiver.base_url))
    assert server.request("DELETE", "/_talksocial/accounts/ann").status_code == 204
    got = receiver.wait_for(2)
    time.sleep(0.3)  # no third call (the app without a callback)
    assert sorted((r.fields["app_id"], r.fields["user_id"], r.fields["referrer_type"])
                  for r in receiver.received) == [
        (str(GET_APP), "101", "ACCOUNT_DELETE"), (str(POST_APP), "201", "ACCOUNT_DELETE")]
    assert len(got) == 2
    assert [d["status"] for d in settled(server, 2)] == ["delivered", "delivered"]


def test_the_apps_own_unlink_calls_nothing(
    make_live_server: MakeServer, receiver: Receiver
) -> None:
    server = make_live_server(seed=callback_world(receiver.base_url))
    expect(server.post("/v1/user/unlink", headers=bearer("tok-bob-get")), 200, {"id": 102})
    expect(server.post("/v1/user/unlink", headers=kakao_ak(f"ak-{POST_APP}"),
                       data={"target_id_type": "user_id", "target_id": "201"}), 200,
           {"id": 201})
    time.sleep(0.5)
    assert receiver.received == []
    assert deliveries(server) == []


def test_a_slow_receiver_times_out_at_3_s_and_never_delays_the_answer(
    make_live_server: MakeServer, receiver: Receiver
) -> None:
    server = make_live_server(seed=callback_world(receiver.base_url, get_path="/slow"))
    started = time.monotonic()
    assert server.request("DELETE", f"/_talksocial/links/{GET_APP}/ann").status_code == 204
    assert time.monotonic() - started < 1.5
    assert deliveries(server)[0]["status"] == "pending"
    found = settled(server, 1, seconds=8)
    elapsed = time.monotonic() - started
    assert found[0]["status"] == "failed"
    assert found[0]["error"] == "timed out after 3 s"
    assert found[0]["response_code"] is None
    assert 2.5 < elapsed < 4.5


def test_a_redirect_is_not_followed_and_a_non_200_fails(
    make_live_server: MakeServer, receiver: Receiver
) -> None:
    receiver.status["/teapot"] = 204
    server = make_live_server(
        seed=callback_world(receiver.base_url, get_path="/redirect", post_path="/teapot")
    )
    assert server.request("DELETE", f"/_talksocial/links/{GET_APP}/ann").status_code == 204
    assert server.request("DELETE", f"/_talksocial/links/{POST_APP}/ann").status_code == 204
    found = {d["app"]: d for d in settled(server, 2)}
    assert found[GET_APP]["status"] == "failed"
    assert found[GET_APP]["response_code"] == 302
    assert found[GET_APP]["error"] == "redirect not followed"
    assert found[POST_APP]["status"] == "failed"
    assert found[POST_APP]["response_code"] == 204
    assert found[POST_APP]["error"] == "answered HTTP 204"
    time.sleep(0.3)
    assert sorted(r.path for r in receiver.received) == ["/redirect", "/teapot"]


def test_a_failed_delivery_is_resent(make_live_server: MakeServer, receiver: Receiver) -> None:
    receiver.status["/ok"] = 500
    server = make_live_server(seed=callback_world(receiver.base_url))
    assert server.request("DELETE", f"/_talksocial/links/{POST_APP}/bob").status_code == 204
    failed = settled(server, 1)[0]
    assert (failed["status"], failed["response_code"]) == ("failed", 500)
    receiver.status["/ok"] = 200
    resent = expect(server.post(f"/_talksocial/webhooks/{failed['id']}/resend"), 201)
    assert resent["id"] != failed["id"]
    assert (resent["status"], resent["response_code"], resent["error"]) == (
        "delivered", 200, None)
    assert {k: resent[k] for k in ("app", "user_id", "referrer_type", "url", "method")} == {
        k: failed[k] for k in ("app", "user_id", "referrer_type", "url", "method")}
    got = receiver.wait_for(2)
    assert [r.fields for r in got] == [
        {"app_id": str(POST_APP), "user_id": "202", "referrer_type": "UNLINK_FROM_ADMIN"}] * 2
    assert [d["id"] for d in deliveries(server)] == [resent["id"], failed["id"]]
    response = server.post("/_talksocial/webhooks/99999/resend")
    assert response.status_code == 404


def test_callback_settings_through_the_control_plane(make_server: MakeServer) -> None:
    server = make_server(seed=callback_world("http://127.0.0.1:9"))
    path = f"/_talksocial/apps/{PLAIN_APP}"
    body = expect(server.request("PATCH", path, json={
        "unlink_callback_url": "https://example.com/unlinked",
        "unlink_callback_method": "POST"}), 200)
    assert (body["unlink_callback_url"], body["unlink_callback_method"]) == (
        "https://example.com/unlinked", "POST")
    exported = [a for a in server.get("/_talksocial/export").json()["apps"]
                if a["id"] == PLAIN_APP][0]
    assert exported["unlink_callback_url"] == "https://example.com/unlinked"
    for bad in ({"unlink_callback_url": "ftp://x/"}, {"unlink_callback_url": "/relative"},
                {"unlink_callback_method": "PUT"}, {"unlink_callback_url": 3}):
        assert server.request("PATCH", path, json=bad).status_code == 400
    body = expect(server.request("PATCH", path, json={"unlink_callback_url": ""}), 200)
    assert body["unlink_callback_url"] is None


def test_a_call_cut_off_by_a_server_stop_is_recorded_as_failed(
    make_live_server: MakeServer, receiver: Receiver
) -> None:
    first = make_live_server(seed=callback_world(receiver.base_url, get_path="/slow"))
    assert first.request("DELETE", f"/_talksocial/links/{GET_APP}/ann").status_code == 204
    receiver.wait_for(1)  # the call is under way
    first.stop()
    again = make_live_server(database_url=first.database_url)
    found = deliveries(again)
    assert (found[0]["status"], found[0]["error"]) == ("failed", "cut off by a server stop")
