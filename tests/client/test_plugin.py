"""The pytest plugin (talksocial.testing): worlds from the demo, a dict, a file; tokens; clock;
teardown."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import pytest

from talksocial.client import ExpiredTokenError, InsufficientScopeError, InvalidTokenError
from talksocial.testing import KakaoWorld

SMALL_WORLD = {
    "apps": [{"id": 5, "name": "Small", "rest_api_key": "rk-small", "admin_key": "ak-small",
              "redirect_uris": ["http://localhost/cb"],
              "consent_items": {"profile_nickname": "required", "friends": "optional"}}],
    "accounts": [{"key": "a", "profile": {"nickname": "Alpha"}, "friends": [{"account": "b"}]},
                 {"key": "b", "profile": {"nickname": "Beta"}}],
    "links": [{"app": 5, "account": "a", "user_id": 11, "scopes": ["profile_nickname", "friends"]},
              {"app": 5, "account": "b", "user_id": 12, "scopes": ["profile_nickname", "friends"]}],
    "tokens": [{"app": 5, "account": "a", "access_token": "tok-a", "expires_in": 3600}],
}


def test_default_world_is_the_demo(kakao_world: KakaoWorld) -> None:
    assert kakao_world.client(access_token="demo-access-token").talk_profile().id == 1000


@pytest.mark.talksocial_world(SMALL_WORLD)
def test_world_from_a_dict(kakao_world: KakaoWorld) -> None:
    client = kakao_world.client(access_token="tok-a")
    assert client.talk_profile().nickname == "Alpha"
    assert [f.id for f in client.friends().elements] == [12]
    with pytest.raises(InvalidTokenError):
        kakao_world.client(access_token="demo-access-token").talk_profile()


class TestSeedFixtureOverride:
    @pytest.fixture
    def talksocial_seed(self, tmp_path: Path) -> Path:
        path = tmp_path / "world.json"
        path.write_text(json.dumps(SMALL_WORLD), encoding="utf-8")
        return path

    def test_world_from_a_file(self, kakao_world: KakaoWorld) -> None:
        assert kakao_world.client(access_token="tok-a").talk_profile().id == 11


@pytest.mark.talksocial_world(SMALL_WORLD)
def test_issue_token(kakao_world: KakaoWorld) -> None:
    narrow = kakao_world.issue_token(5, "b", scopes=[])
    with pytest.raises(InsufficientScopeError):
        kakao_world.client(access_token=narrow).friends()
    wide = kakao_world.issue_token(5, "b", scopes=["friends"])
    assert narrow != wide
    assert kakao_world.client(access_token=wide).talk_profile().nickname == "Beta"
    with pytest.raises(RuntimeError, match="token issue failed"):
        kakao_world.issue_token(5, "b", scopes=["talk_message"])  # an item the app does not use


@pytest.mark.talksocial_world(SMALL_WORLD)
def test_advance_clock_expires_tokens(kakao_world: KakaoWorld) -> None:
    client = kakao_world.client(access_token="tok-a")
    kakao_world.advance_clock(3000)
    assert client.talk_profile().id == 11
    kakao_world.advance_clock(700)
    with pytest.raises(ExpiredTokenError):
        client.talk_profile()


def test_stop_ends_the_server(tmp_path: Path) -> None:
    world = KakaoWorld.start("demo", tmp_path)
    world.stop()
    assert world.process.poll() is not None
    with pytest.raises(httpx.TransportError):
        httpx.get(world.base_url + "/openapi.json", timeout=2.0)
    world.stop()  # twice is harmless


def test_a_failing_test_still_tears_the_world_down(tmp_path: Path) -> None:
    # An app's test session of its own, with the plugin loaded from its entry point.
    pid_file = tmp_path / "pid"
    (tmp_path / "test_app.py").write_text(
        textwrap.dedent(
            f"""
            def test_fails(kakao_world):
                open({str(pid_file)!r}, "w").write(str(kakao_world.process.pid))
                assert kakao_world.client(access_token="demo-access-token").talk_profile()
                raise AssertionError("the app's test fails")
            """
        ),
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_app.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "the app's test fails" in done.stdout
    pid = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):
        os.killpg(pid, 0)  # no process of the server's group is left


@pytest.mark.talksocial_world(SMALL_WORLD)
def test_catch_unlink_callbacks(kakao_world: KakaoWorld) -> None:
    caught = kakao_world.catch_unlink_callbacks(5)
    kakao_world.unlink(5, "b")  # the user disconnects the app in their Kakao account
    kakao_world.delete_account("a")
    calls = caught.wait(2)
    assert sorted((c["user_id"], c["referrer_type"]) for c in calls) == [
        ("11", "ACCOUNT_DELETE"), ("12", "UNLINK_FROM_APPS")]
    assert {c["authorization"] for c in calls} == {"KakaoAK ak-small"}
    assert {c["app_id"] for c in calls} == {"5"}
    deliveries = kakao_world.unlink_deliveries(app=5)
    assert len(deliveries) == 2


def test_an_operator_token_starting_with_a_dash_starts_the_world(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # secrets.token_urlsafe starts with "-" about once in 64 worlds: argparse must not take it
    # for a flag (it did, and `serve` exited with "expected one argument").
    import secrets

    monkeypatch.setattr(secrets, "token_urlsafe", lambda n: "-starts-with-a-dash-" + "x" * n)
    world = KakaoWorld.start(None, tmp_path)
    try:
        assert world.operator_token.startswith("-")
        # The server took it as its operator token: the control plane answers with it.
        world.advance_clock(60)
        refused = httpx.post(world.base_url + "/_talksocial/clock",
                             json={"advance_seconds": 60},
                             headers={"X-Talksocial-Operator-Token": "wrong"})
        assert refused.status_code in (401, 403)
    finally:
        world.stop()
