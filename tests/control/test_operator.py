"""The operator-token rule of the control plane."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from talksocial.demo import DEMO_ACCESS_TOKEN
from talksocial.web.operator import (
    MSG_FOREIGN_HOST,
    MSG_OFF,
    MSG_TOKEN_REQUIRED,
    MSG_TOKEN_WRONG,
    Refusal,
    decide,
    describe,
    is_loopback,
    presented_token,
)
from tests.control.conftest import Control
from tests.storage import run_cli
from tests.support.server import LiveServer, Server


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


def test_the_explicit_opening_beyond_loopback() -> None:
    # Opened by the operator: any bind address, but the Host rule still holds.
    assert decide(None, "0.0.0.0", None, open_beyond_loopback=True) is None
    assert decide(None, "10.0.0.5", None, open_beyond_loopback=True) is None
    assert decide(None, "0.0.0.0", None, host_ok=False, open_beyond_loopback=True) == Refusal(
        403, MSG_FOREIGN_HOST)
    # A token wins over the opening: it is still required.
    assert decide("s3cret", "0.0.0.0", None, open_beyond_loopback=True) == Refusal(
        401, MSG_TOKEN_REQUIRED)
    assert decide("s3cret", "0.0.0.0", "x", open_beyond_loopback=True) == Refusal(
        403, MSG_TOKEN_WRONG)
    assert "--open-control-plane" in MSG_OFF
    assert "OPEN without a token" in describe(None, "0.0.0.0", True)
    assert "no effect" in describe("s3cret", "0.0.0.0", True)
    assert "OFF" in describe(None, "0.0.0.0", False)


def test_beyond_loopback_without_a_token_the_control_plane_is_off(
    make_server: Callable[..., LiveServer],
) -> None:
    server = make_server(extra_args=["--host", "0.0.0.0"])
    assert "OFF" in server.log() and "--open-control-plane opens them" in server.log()
    for method, path in (("GET", "/_talksocial/apps"), ("POST", "/_talksocial/reset")):
        r = server.request(method, path)
        assert (r.status_code, r.json()["msg"]) == (403, MSG_OFF), path


def test_opened_explicitly_it_answers_a_loopback_host_only(
    make_server: Callable[..., LiveServer],
) -> None:
    """--open-control-plane on 0.0.0.0, as in a container whose port the host publishes: a
    client on the host sends `Host: 127.0.0.1:PORT` (or `localhost:PORT`) and is let in; a
    request under another name (DNS rebinding, or a neighbour container's service name) is not,
    unless that name is one of --allowed-hosts."""
    flag = make_server(demo=True, extra_args=["--host", "0.0.0.0", "--open-control-plane"])
    env = make_server(demo=True, extra_args=["--host", "0.0.0.0"],
                      env={"TALKSOCIAL_OPEN_CONTROL_PLANE": "1"})
    allowed = make_server(extra_args=["--host", "0.0.0.0", "--allowed-hosts", "talksocial"],
                          env={"TALKSOCIAL_OPEN_CONTROL_PLANE": "true"})
    for server in (flag, env):
        assert "OPEN without a token on 0.0.0.0" in server.log(), server.log()
        assert server.get("/_talksocial/apps").status_code == 200
        port = server.base_url.rsplit(":", 1)[1]
        assert server.get("/_talksocial/apps",
                          headers={"Host": f"localhost:{port}"}).status_code == 200
        foreign = server.get("/_talksocial/apps", headers={"Host": f"rebind.example:{port}"})
        assert (foreign.status_code, foreign.json()["msg"]) == (403, MSG_FOREIGN_HOST)
        console = server.get("/console", headers={"Host": f"rebind.example:{port}"})
        assert console.status_code == 403 and "set-cookie" not in console.headers
        assert "The console is closed" not in server.get("/console", follow_redirects=True).text
    assert allowed.get("/_talksocial/apps", headers={"Host": "talksocial:8000"}).status_code == 200
    assert allowed.get("/_talksocial/apps", headers={"Host": "other:8000"}).status_code == 403


def test_an_operator_token_wins_over_the_opening(make_server: Callable[..., LiveServer]) -> None:
    server = make_server(extra_args=["--host", "0.0.0.0", "--open-control-plane"],
                         env={"TALKSOCIAL_OPERATOR_TOKEN": "op-tok"})
    assert "operator token required (--open-control-plane has no effect" in server.log()
    assert server.get("/_talksocial/apps").status_code == 401
    assert server.get("/_talksocial/apps",
                      headers={"Authorization": "Bearer op-tok"}).status_code == 200


def test_a_bad_opening_value_stops_serve(tmp_path: Path) -> None:
    result = run_cli("serve", "--port", "1", "--database", f"sqlite:///{tmp_path / 'x.db'}",
                     env={"TALKSOCIAL_OPEN_CONTROL_PLANE": "maybe"}, timeout=60)
    assert result.returncode == 2, result
    assert "TALKSOCIAL_OPEN_CONTROL_PLANE must be 1 or 0" in result.stderr
    assert "Traceback" not in result.stderr and "listening" not in result.stdout
