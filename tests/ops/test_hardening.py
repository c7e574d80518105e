"""A crashed worker, a hostile web page and a hostile network, against a real `talksocial serve`
on loopback (docs/server/security.md): each test sends the request shapes an attacker or a
careless network would."""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from talksocial.demo import DEMO_ACCESS_TOKEN
from tests.support.server import LiveServer, serving

FRIENDS = "/v1/api/talk/friends?limit=3"
BEARER = {"Authorization": f"Bearer {DEMO_ACCESS_TOKEN}"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serving(tmp_path_factory.mktemp("hardening"), demo=True,
                 extra_args=["--body-timeout", "2"]) as live:
        yield live


def _host_port(server: LiveServer) -> tuple[str, int]:
    netloc = server.base_url.removeprefix("http://")
    host, _, port = netloc.rpartition(":")
    return host, int(port)


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces, so split after its closing paren.
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


# --- 1. a worker killed with -9 is replaced ----------------------------------------------------


def test_a_worker_killed_with_sigkill_is_replaced_and_the_server_keeps_serving(
    tmp_path: Path,
) -> None:
    with serving(tmp_path, demo=True, workers=2) as live:
        deadline = time.monotonic() + 30
        workers = _children(live.process.pid)
        while len(workers) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
            workers = _children(live.process.pid)
        assert len(workers) >= 2, workers

        stop = threading.Event()
        failures: list[str] = []
        answered = [0]

        def load() -> None:
            with httpx.Client(base_url=live.base_url, timeout=10) as client:
                while not stop.is_set():
                    try:
                        response = client.get(FRIENDS, headers=BEARER)
                        answered[0] += response.status_code == 200
                    except httpx.HTTPError as exc:  # the killed worker's connections
                        failures.append(repr(exc))

        threads = [threading.Thread(target=load) for _ in range(4)]
        for thread in threads:
            thread.start()
        try:
            time.sleep(1.0)
            os.kill(workers[0], signal.SIGKILL)
            time.sleep(3.0)  # granian notices, respawns
            before = answered[0]
            time.sleep(2.0)
            assert answered[0] > before, "no request answered after the worker was killed"
        finally:
            stop.set()
            for thread in threads:
                thread.join()
        assert live.process.poll() is None, live.log()
        # Every later request is served, by the survivor and the replacement alike.
        with httpx.Client(base_url=live.base_url, timeout=10) as client:
            for _ in range(40):
                assert client.get(FRIENDS, headers=BEARER).status_code == 200
        replaced = _children(live.process.pid)
        assert len(replaced) >= 2 and workers[0] not in replaced, (workers, replaced)


# --- 2. DNS rebinding: the control plane and console answer no foreign Host -------------------


def test_a_foreign_host_gets_no_control_plane_and_no_console(server: LiveServer) -> None:
    _, port = _host_port(server)
    rebind = {"Host": f"rebind.attacker.example:{port}"}
    apps = server.get("/_talksocial/apps", headers=rebind)
    assert apps.status_code == 403, apps.text
    assert "admin_key" not in apps.text and "ak-" not in apps.text
    console = server.get("/console", headers=rebind)
    assert console.status_code == 403
    assert "set-cookie" not in console.headers
    login = server.post("/console/login", headers=rebind, data={"token": "x"})
    assert login.status_code == 403 and "set-cookie" not in login.headers
    # Loopback names and addresses are this server.
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}"):
        assert server.get("/_talksocial/apps", headers={"Host": host}).status_code == 200
    # The Kakao APIs keep answering whatever the Host (their URLs fall back to the bind address).
    friends = server.get(FRIENDS, headers={**BEARER, **rebind})
    assert friends.status_code == 200
    assert "attacker" not in friends.text


def test_allowed_hosts_open_the_control_plane_to_those_names(tmp_path: Path) -> None:
    with serving(tmp_path, demo=True, extra_args=["--allowed-hosts", "talk.dev.test"]) as live:
        _, port = _host_port(live)
        ok = live.get("/_talksocial/apps", headers={"Host": f"talk.dev.test:{port}"})
        assert ok.status_code == 200
        other = live.get("/_talksocial/apps", headers={"Host": f"other.dev.test:{port}"})
        assert other.status_code == 403


# --- 3. cross-site writes to the control plane ------------------------------------------------


def _account_keys(server: LiveServer) -> set[str]:
    response = server.get("/_talksocial/accounts")
    assert response.status_code == 200
    return {a["key"] for a in response.json()["accounts"]}


@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        ({"Content-Type": "text/plain"}, b'{"key": "xsite1"}', 415),
        ({"Content-Type": "application/x-www-form-urlencoded"}, b"key=xsite2", 415),
        ({"Content-Type": "multipart/form-data; boundary=x"},
         b'--x\r\nContent-Disposition: form-data; name="key"\r\n\r\nxsite3\r\n--x--\r\n', 415),
        ({"Content-Type": "application/json", "Origin": "null"}, b'{"key": "xsite4"}', 403),
        ({"Content-Type": "application/json", "Origin": "https://evil.example"},
         b'{"key": "xsite5"}', 403),
        ({"Content-Type": "application/json", "Sec-Fetch-Site": "cross-site"},
         b'{"key": "xsite6"}', 403),
        ({"Content-Type": "text/plain", "Origin": "http://localhost:3000"},
         b'{"key": "xsite7"}', 403),
    ],
)
def test_cross_site_shapes_cannot_write(
    server: LiveServer, headers: dict[str, str], body: bytes, status: int
) -> None:
    before = _account_keys(server)
    response = server.post("/_talksocial/accounts", content=body, headers=headers)
    assert response.status_code == status, response.text
    assert response.json()["code"] == (-2 if status == 415 else -403)
    if status == 415:
        assert "Content-Type: application/json" in response.json()["msg"]
    assert _account_keys(server) == before
    # Nor can such a page reset or fault the world.
    reset = server.post("/_talksocial/reset", content=b"{}", headers=headers)
    assert reset.status_code == status


def test_same_origin_json_writes_and_bodyless_posts_pass(server: LiveServer) -> None:
    same = server.post("/_talksocial/accounts", json={"key": "same-origin"},
                       headers={"Origin": server.base_url, "Sec-Fetch-Site": "same-origin"})
    assert same.status_code == 201, same.text
    assert server.post("/_talksocial/reset").status_code == 200  # curl -X POST, no body
    assert "same-origin" not in _account_keys(server)


# --- 4. request bodies: size and time ----------------------------------------------------------


def _raw(server: LiveServer, request: bytes, *, timeout: float = 10.0) -> bytes:
    host, port = _host_port(server)
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(request)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            chunks.append(chunk)
            if b"\r\n\r\n" in b"".join(chunks) and b'"code"' in b"".join(chunks):
                break
        return b"".join(chunks)


def test_a_declared_100_mb_body_is_refused_at_once(server: LiveServer) -> None:
    started = time.monotonic()
    answer = _raw(server, (
        b"POST /v2/api/talk/profiles HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Authorization: KakaoAK x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: 104857600\r\n\r\n"
    ))
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert time.monotonic() - started < 3


def test_a_streamed_body_past_the_limit_is_refused(server: LiveServer) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(40):
            yield b"a" * 65536  # 2.5 MiB in all, no Content-Length

    response = httpx.post(server.base_url + "/oauth/token", content=chunks(),
                          headers={"Content-Type": "application/x-www-form-urlencoded"},
                          timeout=30)
    assert response.status_code == 413
    assert response.json()["code"] == -1


def test_the_import_takes_a_body_larger_than_the_api_limit(server: LiveServer) -> None:
    big = b'{"apps": [], "accounts": [], "padding": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    response = server.post("/_talksocial/import", content=big,
                           headers={"Content-Type": "application/json"})
    assert response.status_code != 413
    assert response.status_code < 500


def test_a_stalled_body_gets_408_and_others_are_served_meanwhile(server: LiveServer) -> None:
    host, port = _host_port(server)
    stalled = socket.create_connection((host, port), timeout=10)
    try:
        stalled.sendall(
            b"POST /oauth/token HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n"
            b"grant_type=auth"
        )
        started = time.monotonic()
        assert server.get(FRIENDS, headers=BEARER).status_code == 200
        answer = stalled.recv(65536)
        assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
        assert 1.5 < time.monotonic() - started < 8  # --body-timeout 2
    finally:
        stalled.close()


def test_a_thousand_idle_half_sent_posts_do_not_starve_other_clients(server: LiveServer) -> None:
    host, port = _host_port(server)
    idle: list[socket.socket] = []
    try:
        for _ in range(1100):
            sock = socket.create_connection((host, port), timeout=10)
            sock.sendall(
                b"POST /v2/api/talk/profiles HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 50\r\n\r\n"
                b"target_ids="
            )
            idle.append(sock)
        started = time.monotonic()
        response = server.get(FRIENDS, headers=BEARER)
        assert response.status_code == 200
        assert time.monotonic() - started < 3
    finally:
        for sock in idle:
            sock.close()


# --- 7. the lower items ------------------------------------------------------------------------


def test_405_names_the_allowed_methods(server: LiveServer) -> None:
    response = server.request("DELETE", "/v1/api/talk/friends", headers=BEARER)
    assert response.status_code == 405
    assert set(response.headers["allow"].replace(" ", "").split(",")) >= {"GET"}
    assert response.json()["code"] == -1


def test_a_client_that_disconnects_mid_body_is_no_internal_error(server: LiveServer) -> None:
    host, port = _host_port(server)
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(
            b"POST /v2/api/talk/profiles HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Authorization: KakaoAK ak-demo\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 500\r\n\r\n"
            b"target_id_type=user_id&"
        )
        time.sleep(0.3)
    time.sleep(0.5)
    assert server.get(FRIENDS, headers=BEARER).status_code == 200
    log = server.log()
    assert "internal error" not in log
    assert "Traceback" not in log


# --- 7. integers past 64 bits, echoed input, masked secrets, Cache-Control ---------------------


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", f"/_talksocial/apps/{2**64}", None),
        ("DELETE", f"/_talksocial/apps/{2**70}", None),
        ("GET", f"/_talksocial/faults/{2**64}", None),
        ("GET", f"/_talksocial/links/{2**64}/muzi", None),
        ("GET", "/_talksocial/apps/" + "9" * 5000, None),
        ("GET", "/_talksocial/journal?limit=" + "9" * 5000, None),
        ("GET", f"/_talksocial/links?app={2**64}", None),
        ("POST", "/_talksocial/apps", {"id": 2**64, "name": "big"}),
        ("POST", "/_talksocial/links", {"app": 2**64, "account": "muzi"}),
        ("POST", "/_talksocial/tokens", {"app": 1001, "account": "muzi", "lifetime": 2**64}),
        ("POST", "/_talksocial/faults", {"endpoint": "/x", "latency_ms": 2**64}),
        ("PUT", "/_talksocial/quotas/1001/talk_friends", {"daily_limit": 2**64}),
        ("PUT", "/_talksocial/accounts/muzi/friends/ryan", {"favorite": True, "x": -(2**64)}),
        ("POST", "/_talksocial/clock", {"advance_seconds": 2**64}),
    ],
)
def test_integers_past_64_bits_are_bad_input(
    server: LiveServer, method: str, path: str, body: object
) -> None:
    response = server.request(method, path, json=body)
    assert response.status_code in (400, 404), response.text
    assert response.json()["code"] in (-1, -2)
    assert response.json()["code"] == -2 or response.status_code == 404
    assert "Traceback" not in server.log() and "internal error" not in server.log()


def test_an_error_body_does_not_echo_a_megabyte_of_input(server: LiveServer) -> None:
    hostile = "9" * 1_000_000
    for response in (
        server.get("/v1/api/talk/friends", params={"limit": "x" + hostile[:60_000]},
                   headers=BEARER),
        server.post("/v2/api/talk/profiles", headers={"Authorization": "KakaoAK ak-demo"},
                    data={"target_id_type": "user_id", "target_ids": "[" + hostile + "x]"}),
        server.post("/oauth/token", data={"grant_type": "x" * 900_000}),
    ):
        assert response.status_code in (400, 401, 413), response.text[:300]
        assert len(response.content) < 1000, len(response.content)


def test_the_journal_keeps_no_secret_from_a_query_string(server: LiveServer) -> None:
    secrets = {"admin_key": "ak-demo", "operator_token": "op-secret-1",
               "access_token": DEMO_ACCESS_TOKEN, "client_secret": "cs-secret-2",
               "whatever_new": "unforeseen-secret-3"}
    server.get("/v1/api/talk/friends", params={"limit": "2", **secrets}, headers=BEARER)
    journal = server.get("/_talksocial/journal?limit=50")
    assert journal.status_code == 200
    entries = [e for e in journal.json()["entries"] if "whatever_new" in e["path"]]
    assert entries, journal.text[:2000]
    for value in secrets.values():
        assert value not in journal.text
    assert "limit=2" in entries[0]["path"]


def test_token_answers_are_not_cached(server: LiveServer) -> None:
    for data in ({"grant_type": "authorization_code", "client_id": "x", "code": "nope"},
                 {"grant_type": "nonsense"}):
        response = server.post("/oauth/token", data=data)
        assert response.status_code in (400, 401)
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["pragma"] == "no-cache"


# --- 7. NUL characters (PostgreSQL refuses them in text): bad input, on both databases ----------


def test_nul_characters_are_bad_input_never_an_internal_error(server: LiveServer) -> None:
    from talksocial.demo import DEMO_REST_API_KEY

    authorize = server.get(
        "/oauth/authorize",
        params={"client_id": DEMO_REST_API_KEY, "response_type": "code", "nonce": "a\x00b",
                "redirect_uri": "http://localhost:3000/callback"},
    )
    assert authorize.status_code == 400
    assert authorize.headers["content-type"].startswith("text/html")
    assert "KOE001" in authorize.text

    api = server.get("/v1/api/talk/friends", params={"order": "asc\x00"}, headers=BEARER)
    assert (api.status_code, api.json()["code"]) == (400, -2)
    form = server.post("/v2/api/talk/profiles", headers={"Authorization": "KakaoAK ak-demo"},
                       data={"target_id_type": "user_id", "target_ids": "[1]", "x\x00": "1"})
    assert form.status_code in (400, 401) and form.json()["code"] in (-2, -401)
    token = server.post("/oauth/token", params={"grant_type": "authorization_code\x00"})
    assert token.status_code == 400 and token.json()["error_code"] == "KOE001"

    for method, path, body in [
        ("POST", "/_talksocial/accounts", {"key": "nul\x00key"}),
        ("POST", "/_talksocial/accounts", {"key": "nulnick", "profile": {"nickname": "a\x00"}}),
        ("PUT", "/_talksocial/accounts/muzi/profile", {"nickname": "Mu\x00zi"}),
        ("POST", "/_talksocial/apps", {"id": 4242, "name": "\x00"}),
        ("PATCH", "/_talksocial/apps/1001", {"\x00": 1}),
    ]:
        response = server.request(method, path, json=body)
        assert (response.status_code, response.json()["code"]) == (400, -2), (path, response.text)

    login = server.post("/oauth/login", data={"account": "muzi\x00", "password": "x",
                                              "csrf_token": "x", "q": "client_id=\x00"})
    assert login.status_code < 500
    log = server.log()
    assert "Traceback" not in log and "internal error" not in log and "database error" not in log


# --- 7. a read-only database: healthz tells the balancer, pages stay HTML ------------------------


def test_a_read_only_database_is_unhealthy_and_pages_stay_html(tmp_path: Path) -> None:
    from tests.support.server import ENV_TEST_POSTGRES

    pg = os.environ.get(ENV_TEST_POSTGRES)
    if not pg:
        pytest.skip("PostgreSQL pass only (root writes to a read-only SQLite file anyway)")
    import psycopg

    with serving(tmp_path, demo=True) as live:
        assert live.get("/healthz").status_code == 200
        name = live.database_url.rsplit("/", 1)[1]
        admin = pg.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
            # The server's connections reconnect, and come back read-only.
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                         "WHERE datname = %s AND pid <> pg_backend_pid()", (name,))
        deadline = time.monotonic() + 10
        health = live.get("/healthz")
        while health.status_code == 200 and time.monotonic() < deadline:
            time.sleep(0.2)
            health = live.get("/healthz")
        assert health.status_code == 503 and health.json() == {"status": "unavailable"}
        # A write the API answers as Kakao does, -1 with HTTP 400.
        logout = live.post("/v1/user/logout", headers=BEARER)
        assert (logout.status_code, logout.json()["code"]) == (400, -1)
        # The login page a browser opens stays a page.
        from talksocial.demo import DEMO_REST_API_KEY

        page = live.post("/oauth/login", data={"account": "muzi", "password": "x",
                                               "csrf_token": "x", "q": f"client_id={DEMO_REST_API_KEY}"})
        assert page.headers["content-type"].startswith("text/html"), page.text[:300]
        assert "Traceback" not in live.log()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = off')
