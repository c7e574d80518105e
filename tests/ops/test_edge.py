"""A server behind a load balancer: GET /healthz, the access log, trusted proxies' headers and
the Host rule for the URLs the API returns (docs/server/operations.md#host-rule)."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.ops.worlds import CLIENT, TOKEN, small_world
from tests.support.login_browser import LoginBrowser, exchange
from tests.support.server import (
    ENV_TEST_POSTGRES,
    LiveServer,
    Server,
    start_server,
    talksocial_command,
)
from tests.support.worlds import JSON_CT, bearer, expect

FRIENDS = "/v1/api/talk/friends"


def after_url(server: Server, headers: dict[str, str]) -> str:
    response = server.get(FRIENDS, params={"limit": 1}, headers={**bearer(TOKEN), **headers})
    body = expect(response, 200)
    url: str = body["after_url"]
    return url


def base_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def issuer(server: Server, headers: dict[str, str]) -> str:
    response = server.get("/.well-known/openid-configuration", headers=headers)
    assert response.status_code == 200, response.text
    value: str = response.json()["issuer"]
    return value


def access_lines(server: Server) -> list[str]:
    return [line for line in server.log().splitlines() if line.startswith('127.0.0.1 "')]


def test_healthz_and_access_log(make_live_server: Callable[..., LiveServer]) -> None:
    # Live: the access log is what the process prints.
    server = make_live_server(seed=small_world())
    response = server.get("/healthz")
    assert response.status_code == 200
    assert response.headers["content-type"] == JSON_CT
    assert response.json() == {"status": "ok"}

    # A code travels in the query of /oauth/token here: the log must not show it.
    code = LoginBrowser(server).code(CLIENT, "login0")["code"]
    assert exchange(server, CLIENT, code).status_code == 200
    server.post("/oauth/token", params={"grant_type": "authorization_code", "code": "sEcReT-1",
                                        "client_id": CLIENT, "limit": "9"})
    server.get(FRIENDS, params={"limit": 2, "offset": 1}, headers=bearer(TOKEN))
    server.get(FRIENDS, headers=bearer("no-such-token"))

    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and len(access_lines(server)) < 8:
        time.sleep(0.1)
    lines = access_lines(server)
    log = server.log()
    assert code not in log and "sEcReT-1" not in log and TOKEN not in log
    assert any(line.startswith('127.0.0.1 "GET /healthz" 200 ') for line in lines), lines
    assert any(
        line.startswith('127.0.0.1 "POST /oauth/token?grant_type=authorization_code&code=***'
                        f'&client_id={CLIENT}&limit=9" 400 ')
        for line in lines
    ), lines
    assert any(
        line.startswith(f'127.0.0.1 "GET {FRIENDS}?limit=2&offset=1" 200 ') for line in lines
    ), lines
    assert any(line.startswith(f'127.0.0.1 "GET {FRIENDS}" 401 ') for line in lines), lines
    # One line per request, each ending in its duration.
    for line in lines:
        assert line.endswith("ms") and float(line.rsplit(" ", 1)[1][:-2]) >= 0


def test_no_access_log(make_live_server: Callable[..., LiveServer]) -> None:
    server = make_live_server(seed=small_world(), extra_args=["--no-access-log"])
    assert server.get("/healthz").status_code == 200
    assert server.get(FRIENDS, headers=bearer(TOKEN)).status_code == 200
    time.sleep(0.5)
    assert access_lines(server) == []


def test_a_spoofed_host_cannot_point_urls_at_another_site(
    make_server: Callable[..., Server],
) -> None:
    server = make_server(seed=small_world())
    port = urlsplit(server.base_url).port
    own = server.base_url  # http://127.0.0.1:PORT, the bind address

    assert base_of(after_url(server, {})) == own
    # Loopback names are this machine: taken as sent.
    assert base_of(after_url(server, {"Host": f"localhost:{port}"})) == f"http://localhost:{port}"
    # Any other site falls back to the bind address, in every URL the server returns.
    for spoofed in ("evil.example", f"evil.example:{port}", "evil.example@127.0.0.1",
                    "127.0.0.1.evil.example", "localhost.evil.example", "[::1]x"):
        assert base_of(after_url(server, {"Host": spoofed})) == own, spoofed
        assert issuer(server, {"Host": spoofed}) == own, spoofed
    # Forwarded headers from a peer that is not a trusted proxy are ignored.
    forwarded = {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}
    assert base_of(after_url(server, forwarded)) == own


def test_allowed_hosts_and_trusted_proxies(make_server: Callable[..., Server]) -> None:
    server = make_server(
        seed=small_world(),
        extra_args=["--allowed-hosts", "api.example.test, *.corp.test",
                    "--forwarded-allow-ips", "10.0.0.0/8,127.0.0.1"],
    )
    own = server.base_url
    assert base_of(after_url(server, {"Host": "api.example.test"})) == "http://api.example.test"
    assert base_of(after_url(server, {"Host": "eu.corp.test:8443"})) == "http://eu.corp.test:8443"
    assert base_of(after_url(server, {"Host": "corp.test.evil"})) == own
    assert base_of(after_url(server, {"Host": "evil.example"})) == own

    # The test client is 127.0.0.1, a trusted proxy here: its X-Forwarded-* apply, the last
    # entry (the one the nearest proxy wrote) wins, and the host obeys the same rule.
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "api.example.test"}
    assert base_of(after_url(server, forwarded)) == "https://api.example.test"
    assert issuer(server, forwarded) == "https://api.example.test"
    chained = {"X-Forwarded-Proto": "http, https", "X-Forwarded-Host": "evil.example, x.corp.test"}
    assert base_of(after_url(server, chained)) == "https://x.corp.test"
    spoofed = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"}
    assert base_of(after_url(server, spoofed)) == own  # the bind address, as served
    assert base_of(after_url(server, {"X-Forwarded-Proto": "gopher"})) == own

    # Over https (as the proxy says) the login cookie is Secure.
    page = server.get("/oauth/authorize", headers={"X-Forwarded-Proto": "https"},
                      params={"client_id": CLIENT, "response_type": "code",
                              "redirect_uri": "http://localhost:3000/callback"})
    assert page.status_code == 200
    assert "secure" in page.headers["set-cookie"].lower()


def test_a_public_url_wins_over_every_header(make_server: Callable[..., Server]) -> None:
    server = make_server(
        seed=small_world(),
        extra_args=["--public-url", "https://talk.example.test/", "--forwarded-allow-ips", "*"],
    )
    for headers in ({}, {"Host": "evil.example"},
                    {"X-Forwarded-Host": "localhost", "X-Forwarded-Proto": "http"}):
        assert base_of(after_url(server, headers)) == "https://talk.example.test"


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--forwarded-allow-ips", "10.0.0.0/8,not-an-address"], "--forwarded-allow-ips"),
        (["--db-pool-size", "0"], "--db-pool-size must be at least 1"),
    ],
)
def test_bad_edge_flags_are_refused(tmp_path: Path, flags: list[str], message: str) -> None:
    result = subprocess.run(
        [*talksocial_command(), "serve", "--database", f"sqlite:///{tmp_path / 'x.db'}", *flags],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert not (tmp_path / "x.db").exists()


def test_healthz_answers_503_when_the_database_does_not(tmp_path: Path) -> None:
    server = start_server(tmp_path, seed=small_world())
    try:
        assert server.get("/healthz").json() == {"status": "ok"}
        if os.environ.get(ENV_TEST_POSTGRES):
            import psycopg

            admin = os.environ[ENV_TEST_POSTGRES].replace("postgresql+psycopg://", "postgresql://")
            name = server.database_url.rsplit("/", 1)[1]
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        else:
            # The database file turns to garbage under the running server.
            path = Path(server.database_url.removeprefix("sqlite:///"))
            with path.open("r+b") as f:
                f.write(b"this is not a database" * 512)
        deadline = time.monotonic() + 10
        response = server.get("/healthz")
        while response.status_code == 200 and time.monotonic() < deadline:
            time.sleep(0.2)
            response = server.get("/healthz")
        assert response.status_code == 503
        assert response.headers["content-type"] == JSON_CT
        assert response.json() == {"status": "unavailable"}
    finally:
        server.stop()
    # (The log may carry the control plane's failed background flushes: not asserted.)
