"""The operator-token rule of the control plane."""

from __future__ import annotations

from collections.abc import Callable

from talksocial.api.operator import (
    MSG_OFF,
    MSG_TOKEN_REQUIRED,
    MSG_TOKEN_WRONG,
    Refusal,
    decide,
    describe,
    is_loopback,
    presented_token,
)
from talksocial.demo import DEMO_ACCESS_TOKEN
from tests.control.conftest import Control
from tests.support.server import Server


def test_the_rule() -> None:
    assert decide("s3cret", "0.0.0.0", None) == Refusal(401, MSG_TOKEN_REQUIRED)
    assert decide("s3cret", "127.0.0.1", "nope") == Refusal(403, MSG_TOKEN_WRONG)
    assert decide("s3cret", "0.0.0.0", "s3cret") is None
    assert decide(None, "127.0.0.1", None) is None
    assert decide(None, "::1", None) is None
    assert decide(None, "localhost", None) is None
    assert decide(None, "0.0.0.0", None) == Refusal(403, MSG_OFF)
    assert decide(None, "192.168.1.5", "anything") == Refusal(403, MSG_OFF)
    assert decide(None, None, None) == Refusal(403, MSG_OFF)
    assert decide("", "10.0.0.1", None) == Refusal(403, MSG_OFF)
    assert [is_loopback(h) for h in ("127.0.0.2", "[::1]", "::", "example.com")] == [
        True, True, False, False]
    assert "OFF" in describe(None, "0.0.0.0") and "loopback" in describe(None, "127.0.0.1")


def test_presented_token() -> None:
    def scope(*headers: tuple[bytes, bytes]) -> dict[str, object]:
        return {"headers": list(headers)}

    assert presented_token(scope((b"authorization", b"Bearer abc"))) == "abc"
    assert presented_token(scope((b"x-talksocial-operator-token", b"xyz"),
                                 (b"authorization", b"Bearer abc"))) == "xyz"
    assert presented_token(scope((b"authorization", b"KakaoAK abc"))) is None
    assert presented_token(scope()) is None


def test_loopback_server_without_token_is_open(ctl: Control) -> None:
    assert ctl.call("GET", "/apps").status_code == 200
    assert "open without a token" in ctl.server.log()


def test_server_with_an_operator_token(make_server: Callable[..., Server]) -> None:
    server = make_server(demo=True, extra_args=["--operator-token", "op-s3cret"])
    assert "operator token required" in server.log()
    missing = server.get("/_talksocial/apps")
    assert (missing.status_code, missing.json()["msg"]) == (401, MSG_TOKEN_REQUIRED)
    wrong = server.get("/_talksocial/clock", headers={"X-Talksocial-Operator-Token": "op-x"})
    assert wrong.status_code == 403
    assert server.post("/_talksocial/reset").status_code == 401
    assert server.get("/_talksocial/apps",
                      headers={"X-Talksocial-Operator-Token": "op-s3cret"}).status_code == 200
    assert server.get("/_talksocial/clock",
                      headers={"Authorization": "Bearer op-s3cret"}).status_code == 200
    # The Kakao APIs do not want it.
    friends = server.get("/v1/api/talk/friends",
                         headers={"Authorization": f"Bearer {DEMO_ACCESS_TOKEN}"})
    assert friends.status_code == 200
    # Nor does the environment form change anything for them.
    env_server = make_server(demo=True, env={"TALKSOCIAL_OPERATOR_TOKEN": "env-tok"})
    assert env_server.get("/_talksocial/apps").status_code == 401
    assert env_server.get("/_talksocial/apps",
                          headers={"Authorization": "Bearer env-tok"}).status_code == 200
