"""A pytest plugin that gives any app's tests a Kakao world: a real talksocial server on a free
loopback port, over its own fresh SQLite file, seeded, and stopped after the test. Installing
`talksocial[server]` registers it (entry point `pytest11`); a test needs three lines:

    def test_shows_my_friends(kakao_world):
        client = kakao_world.client(access_token="demo-access-token")
        assert client.friends().total_count == 11

Fixtures:
- `kakao_world`: a `KakaoWorld` for one test (its own server: change state freely).
- `kakao_demo_world`: one demo-world server for the whole session, for tests that only read.
- `talksocial_seed`: the seed `kakao_world` loads: by default the demo world (`talksocial serve
  --demo`); a test picks another with `@pytest.mark.talksocial_world(seed)`, where `seed` is a
  dict (built in Python), a path to a JSON or YAML seed file, or "demo"; or a conftest overrides
  this fixture.

Every pytest run loads this module, so it imports nothing heavy at import time: the client (httpx)
is imported inside the fixtures, and the server only ever runs in its own process.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from talksocial.serving import ServerProcess, talksocial_command

if TYPE_CHECKING:
    from talksocial.client import AsyncKakaoClient, KakaoClient

__all__ = ["KakaoWorld", "Seed", "UnlinkCallbacks", "kakao_demo_world", "kakao_world",
           "talksocial_seed"]

#: What `talksocial_world(...)` and `talksocial_seed` take: a seed document, a seed file, "demo".
Seed = Mapping[str, Any] | str | os.PathLike[str]

DEMO = "demo"
_STARTUP_SECONDS = 60.0


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "talksocial_world(seed): the world kakao_world starts: a seed dict, a seed file path, "
        'or "demo" (the default)',
    )


class KakaoWorld(ServerProcess):
    """A running talksocial server. `base_url` serves both Kakao hosts (kapi and kauth)."""

    def __init__(self, server: ServerProcess, database_url: str, operator_token: str) -> None:
        super().__init__(server.base_url, server.process, server.log_path)
        self.database_url = database_url
        #: The server's own operator token, for the control-plane calls of this class.
        self.operator_token = operator_token
        self._clients: list[KakaoClient] = []
        self._receivers: list[UnlinkCallbacks] = []

    @classmethod
    def start(
        cls, seed: Seed | None, directory: Path, *, public_url: str | None = None
    ) -> KakaoWorld:
        """Start `talksocial serve` with `seed` (None or "demo": the demo world) in `directory`;
        `public_url` is the base of the URLs the server returns (`--public-url`)."""
        directory.mkdir(parents=True, exist_ok=True)
        database_url = f"sqlite:///{directory / 'talksocial.db'}"
        operator_token = secrets.token_urlsafe(24)
        # `--flag=value`: a token may start with "-", which argparse would read as a flag.
        args = ["--database", database_url, f"--operator-token={operator_token}"]
        if seed is None or (isinstance(seed, str) and seed == DEMO):
            args.append("--demo")
        elif isinstance(seed, Mapping):
            seed_path = directory / "seed.json"
            seed_path.write_text(json.dumps(seed), encoding="utf-8")
            args += ["--seed", str(seed_path)]
        else:
            args += ["--seed", os.fspath(seed)]
        if public_url is not None:
            args += ["--public-url", public_url]
        server = ServerProcess.spawn(
            args, log_path=directory / "server.log", startup_seconds=_STARTUP_SECONDS
        )
        return cls(server, database_url, operator_token)

    def client(self, **kwargs: Any) -> KakaoClient:
        """A `KakaoClient` bound to this world (both base URLs); closed when the world stops.
        Takes `KakaoClient`'s keywords: `access_token=`, `admin_key=`, `rest_api_key=`, ..."""
        from talksocial.client import KakaoClient

        client = KakaoClient(api_base_url=self.base_url, auth_base_url=self.base_url, **kwargs)
        self._clients.append(client)
        return client

    def async_client(self, **kwargs: Any) -> AsyncKakaoClient:
        """An `AsyncKakaoClient` bound to this world; use it as `async with`."""
        from talksocial.client import AsyncKakaoClient

        return AsyncKakaoClient(api_base_url=self.base_url, auth_base_url=self.base_url, **kwargs)

    def issue_token(
        self, app_id: int, account_key: str, *, scopes: list[str] | tuple[str, ...] | None = None
    ) -> str:
        """A fresh access token of `account_key` in app `app_id` (`talksocial token issue`): the
        link is created if missing; `scopes` sets its agreed items (plus the app's required)."""
        args = talksocial_command() + ["token", "issue", "--app", str(app_id)]
        args += ["--account", account_key, "--database", self.database_url]
        if scopes is not None:
            args += ["--scopes", ",".join(scopes)]
        done = subprocess.run(args, capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"talksocial token issue failed: {done.stderr.strip()}")
        return done.stdout.strip().splitlines()[-1]

    def advance_clock(self, seconds: float) -> None:
        """Move the server's clock forward (tokens and codes expire as if time had passed)."""
        import httpx

        response = httpx.post(
            self.base_url + "/_talksocial/clock",
            json={"advance_seconds": seconds},
            headers={"X-Talksocial-Operator-Token": self.operator_token},
            timeout=30.0,
        )
        response.raise_for_status()

    def _control(self, method: str, path: str, **kwargs: Any) -> Any:
        import httpx

        response = httpx.request(
            method, self.base_url + "/_talksocial" + path,
            headers={"X-Talksocial-Operator-Token": self.operator_token}, timeout=30.0, **kwargs,
        )
        response.raise_for_status()
        return response.json() if response.content else None

    def messages(
        self, *, app: int | None = None, account: str | None = None, limit: int = 1000
    ) -> list[dict[str, Any]]:
        """The Talk messages delivered, newest first: each with `app`, `sender`, `receiver`
        (account keys), `endpoint`, the final `template_object` and `sent_at`. `account`
        matches the sender or the receiver."""
        params: dict[str, Any] = {"limit": limit}
        if app is not None:
            params["app"] = app
        if account is not None:
            params["account"] = account
        found: list[dict[str, Any]] = self._control("GET", "/messages", params=params)["messages"]
        return found

    def set_message_limits(self, app_id: int, **limits: int | None) -> None:
        """An app's daily message limits (`per_sender`, `per_receiver`, `per_pair`,
        `per_app`); the ones not named are Kakao's."""
        given = {k: v for k, v in limits.items() if v is not None}
        self._control("PATCH", f"/apps/{app_id}", json={"message_limits": given})

    def set_accepts_messages(self, app_id: int, account_key: str, accepts: bool) -> None:
        """Whether the account takes the app's Talk messages (False: sends to it fail, -530)."""
        self._control("PATCH", f"/links/{app_id}/{account_key}",
                      json={"accepts_messages": accepts})

    def unlink(self, app_id: int, account_key: str,
               referrer_type: str = "UNLINK_FROM_APPS") -> None:
        """End a link as the user disconnecting the app in their Kakao account (or, with
        `UNLINK_FROM_ADMIN`, as the operator): the app's unlink callback is called."""
        self._control("DELETE", f"/links/{app_id}/{account_key}",
                      params={"referrer_type": referrer_type})

    def delete_account(self, account_key: str) -> None:
        """Delete an account: each app it was linked to gets an ACCOUNT_DELETE callback."""
        self._control("DELETE", f"/accounts/{account_key}")

    def unlink_deliveries(self, app: int | None = None) -> list[dict[str, Any]]:
        """The unlink callback's deliveries, newest first (`status`, `response_code`, ...)."""
        params = {"app": app} if app is not None else {}
        found: list[dict[str, Any]] = self._control("GET", "/webhooks", params=params)[
            "deliveries"]
        return found

    def catch_unlink_callbacks(self, app_id: int, method: str = "POST") -> UnlinkCallbacks:
        """Registers a receiver in this process as the app's unlink callback and returns it:
        `calls` holds each call's fields (`app_id`, `user_id`, `referrer_type`) and its
        `authorization` header; `wait(n)` waits for n calls. Stopped with the world."""
        catcher = UnlinkCallbacks()
        self._receivers.append(catcher)
        self._control("PATCH", f"/apps/{app_id}",
                      json={"unlink_callback_url": catcher.url, "unlink_callback_method": method})
        return catcher

    def stop(self) -> None:
        for client in self._clients:
            client.close()
        self._clients.clear()
        for receiver in self._receivers:
            receiver.close()
        self._receivers.clear()
        super().stop()


class UnlinkCallbacks:
    """A small HTTP server on a loopback port that answers 200 to every unlink callback and
    records it (stdlib only: the plugin stays light)."""

    def __init__(self) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from urllib.parse import parse_qs, urlsplit

        self.calls: list[dict[str, str]] = []
        self._arrived = threading.Condition()
        catcher = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, body: bytes) -> None:
                raw = urlsplit(self.path).query if self.command == "GET" else body.decode()
                call = {k: v[0] for k, v in parse_qs(raw).items()}
                call["authorization"] = self.headers.get("Authorization", "")
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
                with catcher._arrived:
                    catcher.calls.append(call)
                    catcher._arrived.notify_all()

            def do_GET(self) -> None:
                self._answer(b"")

            def do_POST(self) -> None:
                self._answer(self.rfile.read(int(self.headers.get("Content-Length") or 0)))

            def log_message(self, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/unlinked"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def wait(self, count: int = 1, timeout: float = 10.0) -> list[dict[str, str]]:
        """The calls once `count` have arrived (or `timeout` seconds have passed)."""
        with self._arrived:
            self._arrived.wait_for(lambda: len(self.calls) >= count, timeout)
            return list(self.calls)

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def talksocial_seed(request: pytest.FixtureRequest) -> Seed:
    """The world `kakao_world` loads; `@pytest.mark.talksocial_world(seed)` or an override."""
    marker = request.node.get_closest_marker("talksocial_world")
    if marker is None:
        return DEMO
    seed: Seed = marker.args[0] if marker.args else marker.kwargs.get("seed", DEMO)
    return seed


@pytest.fixture
def kakao_world(
    talksocial_seed: Seed, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[KakaoWorld]:
    """A talksocial server of its own for this test, stopped afterwards (also on failure)."""
    world = KakaoWorld.start(talksocial_seed, tmp_path_factory.mktemp("kakao-world"))
    try:
        yield world
    finally:
        world.stop()


@pytest.fixture(scope="session")
def kakao_demo_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KakaoWorld]:
    """One demo-world server shared by the session: for tests that only read."""
    world = KakaoWorld.start(DEMO, tmp_path_factory.mktemp("kakao-demo-world"))
    try:
        yield world
    finally:
        world.stop()
