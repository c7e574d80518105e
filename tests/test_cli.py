"""The `talksocial` command line (docs/reference/command-line.md), run as scripts outside the project run it."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.storage import (
    ENV_DATABASE_URL,
    count,
    export,
    run_cli,
    seed_ok,
    snapshot,
    sqlite_url,
    write_seed,
)
from tests.support.server import LiveServer, Server, free_port, talksocial_command

WORLD: dict[str, Any] = {
    "apps": [
        {
            "id": 1001,
            "consent_items": {
                "profile_nickname": "required",
                "profile_image": "optional",
                "friends": "optional",
            },
        },
        {"id": 1002, "consent_items": {"profile": "optional"}},
    ],
    "accounts": [
        {"key": "ryan", "profile": {"nickname": "Ryan"},
         "friends": [{"account": "apeach"}, {"account": "jordy"}]},
        {"key": "apeach", "profile": {"nickname": "Apeach"},
         "friends": [{"account": "ryan"}, {"account": "jordy"}]},
        {"key": "jordy", "profile": {"nickname": "Jordy"}, "friends": [{"account": "apeach"}]},
    ],
    "links": [
        {"app": 1001, "account": "apeach", "user_id": 2, "scopes": ["profile_nickname", "friends"]},
        {"app": 1001, "account": "jordy", "user_id": 3, "scopes": ["profile_nickname", "friends"]},
    ],
    "tokens": [{"app": 1001, "account": "apeach", "access_token": "tok-apeach"}],
}


@pytest.fixture
def world_db(tmp_path: Path) -> Path:
    db = tmp_path / "world.db"
    seed_ok(write_seed(tmp_path / "world.json", WORLD), db)
    return db


def issue(db: Path, *args: str) -> str:
    result = run_cli("token", "issue", *args, "--database", sqlite_url(db))
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert re.fullmatch(r"[A-Za-z0-9_-]{32,}", token), result.stdout
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def friend_ids(server: Server, token: str) -> list[int]:
    r = server.get("/v1/api/talk/friends", headers=bearer(token))
    assert r.status_code == 200, r.text
    return [e["id"] for e in r.json()["elements"]]


def link_scopes(db: Path, app_id: int, key: str) -> list[str] | None:
    conn = sqlite3.connect(db)
    try:
        row = conn.execute(
            "SELECT l.scopes FROM links l JOIN accounts a ON a.id = l.account_id "
            "WHERE l.app_id = ? AND a.key = ?",
            (app_id, key),
        ).fetchone()
    finally:
        conn.close()
    return None if row is None else list(json.loads(row[0]))


# --- token issue --------------------------------------------------------------------------------


def test_token_issue_links_the_account_and_the_token_works(
    world_db: Path, server_on: Callable[[Path], Server]
) -> None:
    assert link_scopes(world_db, 1001, "ryan") is None
    server = server_on(world_db)
    token = issue(world_db, "--app", "1001", "--account", "ryan")
    # A new link agrees to the app's required items only.
    assert link_scopes(world_db, 1001, "ryan") == ["profile_nickname"]
    r = server.get("/v1/api/talk/profile", headers=bearer(token))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["nickName"] == "Ryan" and isinstance(body["id"], int)
    ryan_id = body["id"]
    assert ryan_id not in (2, 3)
    # Without `friends`, ryan is not in his friends' lists and may not list his own.
    assert friend_ids(server, "tok-apeach") == [3]
    r = server.get("/v1/api/talk/friends", headers=bearer(token))
    assert r.status_code == 403 and r.json()["code"] == -402

    # --scopes friends: required + named; the friend index follows at once.
    with_friends = issue(world_db, "--app", "1001", "--account", "ryan", "--scopes", "friends")
    assert link_scopes(world_db, 1001, "ryan") == ["profile_nickname", "friends"]
    assert sorted(friend_ids(server, "tok-apeach")) == sorted([ryan_id, 3])
    assert friend_ids(server, with_friends) == [2, 3]
    # The earlier token of the same link sees the same consent (it is the link's).
    assert friend_ids(server, token) == [2, 3]
    # Issuing again keeps the same app user id.
    again = server.get("/v1/api/talk/profile", headers=bearer(with_friends)).json()
    assert again["id"] == ryan_id

    # --scopes sets the agreed items, it does not add to them: friends is dropped again.
    issue(world_db, "--app", "1001", "--account", "ryan", "--scopes", "profile_image")
    assert link_scopes(world_db, 1001, "ryan") == ["profile_nickname", "profile_image"]
    assert friend_ids(server, "tok-apeach") == [3]
    r = server.get("/v1/api/talk/friends", headers=bearer(with_friends))
    assert r.status_code == 403 and r.json()["code"] == -402
    assert r.json()["allowed_scopes"] == ["profile_nickname", "profile_image"]
    assert token != with_friends


def test_token_issue_takes_a_comma_or_space_list_and_accepts_a_required_item(world_db: Path) -> None:
    issue(world_db, "--app", "1001", "--account", "ryan", "--scopes", "friends,profile_nickname")
    assert link_scopes(world_db, 1001, "ryan") == ["profile_nickname", "friends"]
    issue(world_db, "--app", "1001", "--account", "ryan", "--scopes", "profile_image friends")
    assert link_scopes(world_db, 1001, "ryan") == ["profile_nickname", "profile_image", "friends"]
    issue(world_db, "--app", "1001", "--account", "ryan", "--scopes", "")
    assert link_scopes(world_db, 1001, "ryan") == ["profile_nickname"]
    # Without --scopes an existing link keeps what it agreed to.
    issue(world_db, "--app", "1001", "--account", "jordy")
    assert link_scopes(world_db, 1001, "jordy") == ["profile_nickname", "friends"]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--app", "1001", "--account", "ryan", "--scopes", "talk_message"], "talk_message"),
        (["--app", "1001", "--account", "ryan", "--scopes", "friends,profile"], "'profile'"),
        (["--app", "1002", "--account", "ryan", "--scopes", "profile_nickname"], "profile_nickname"),
        (["--app", "1001", "--account", "ryan", "--scopes", "bogus"], "bogus"),
        (["--app", "4242", "--account", "ryan"], "unknown app 4242"),
        (["--app", "1001", "--account", "zed"], "unknown account 'zed'"),
    ],
)
def test_token_issue_refuses_what_the_world_does_not_allow(
    world_db: Path, args: list[str], words: str
) -> None:
    before = snapshot(world_db)
    result = run_cli("token", "issue", *args, "--database", sqlite_url(world_db))
    assert result.returncode != 0
    assert result.stdout == ""  # no token printed
    assert "Traceback" not in result.stderr
    assert words in result.stderr, result.stderr
    assert snapshot(world_db) == before


@pytest.mark.parametrize(
    "args",
    [
        ["--app", "x1001", "--account", "ryan"],
        ["--account", "ryan"],
        ["--app", "1001"],
    ],
)
def test_token_issue_rejects_malformed_arguments(world_db: Path, args: list[str]) -> None:
    result = run_cli("token", "issue", *args, "--database", sqlite_url(world_db))
    assert result.returncode != 0
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert "usage:" in result.stderr


# --- db upgrade ---------------------------------------------------------------------------------


def test_db_upgrade_creates_the_schema_and_is_idempotent(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    first = run_cli("db", "upgrade", "--database", sqlite_url(db))
    assert first.returncode == 0, first.stderr
    assert db.exists()
    conn = sqlite3.connect(db)
    try:
        tables = {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        (version,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    finally:
        conn.close()
    assert {"apps", "accounts", "links", "tokens", "friendships", "multi_profiles",
            "friend_rows", "friend_counts", "alembic_version"} <= tables
    before = snapshot(db)
    second = run_cli("db", "upgrade", "--database", sqlite_url(db))
    assert second.returncode == 0, second.stderr
    assert snapshot(db) == before
    assert version
    # The schema is the one the rest of the command uses.
    assert json.loads(export(db)) == {"apps": [], "accounts": [], "links": [], "tokens": []}


def test_db_upgrade_keeps_a_stored_world(world_db: Path) -> None:
    before = snapshot(world_db)
    result = run_cli("db", "upgrade", "--database", sqlite_url(world_db))
    assert result.returncode == 0, result.stderr
    assert snapshot(world_db) == before


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("nosuchdialect://x/y", "--database"),
        ("sqlite:////nonexistent-dir/sub/x.db", "database"),
    ],
)
def test_a_database_that_cannot_be_used_is_reported(url: str, words: str) -> None:
    result = run_cli("db", "upgrade", "--database", url)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    assert words in result.stderr


# --- serve --------------------------------------------------------------------------------------


def test_serve_with_a_bad_seed_exits_without_starting(tmp_path: Path) -> None:
    seed_file = write_seed(
        tmp_path / "bad.yaml",
        {"accounts": [{"key": "a", "friends": [{"account": "a"}, {"account": "b"}]}]},
    )
    db = tmp_path / "s.db"
    result = run_cli("serve", "--port", "1", "--seed", str(seed_file),
                     "--database", sqlite_url(db), timeout=60)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert f"{seed_file}: accounts[0].friends[0].account: " in result.stderr, result.stderr
    assert "listening" not in result.stdout and "curl" not in result.stdout
    missing = run_cli("serve", "--port", "1", "--seed", str(tmp_path / "none.json"),
                      "--database", sqlite_url(db), timeout=60)
    assert missing.returncode != 0
    assert f"cannot read {tmp_path / 'none.json'}" in missing.stderr


def test_serve_says_where_it_listens_and_how_to_try_it(
    make_live_server: Callable[..., LiveServer],
) -> None:
    server = make_live_server(demo=True)
    log = server.log()
    assert f"listening on {server.base_url}" in log, log
    curl = re.search(r'curl -s "([^"]+)" -H "Authorization: ([^"]+)"', log)
    assert curl is not None, log
    url, authorization = curl.groups()
    assert url.startswith(server.base_url + "/v1/api/talk/")
    # The line works as printed.
    r = httpx.get(url, headers={"Authorization": authorization}, timeout=30)
    assert r.status_code == 200, r.text
    assert r.json()["elements"]


def test_serve_with_a_seed_file_serves_it_and_shows_generated_tokens(
    tmp_path: Path, make_live_server: Callable[..., LiveServer]
) -> None:
    world = json.loads(json.dumps(WORLD))
    world["tokens"].append({"app": 1001, "account": "jordy"})
    server = make_live_server(seed=world)
    found = re.search(r"generated access token for app 1001, account 'jordy': (\S+)", server.log())
    assert found is not None, server.log()
    assert friend_ids(server, found.group(1)) == [2]
    assert friend_ids(server, "tok-apeach") == [3]


# --- the database URL ---------------------------------------------------------------------------


def test_the_database_comes_from_the_environment_when_no_option_is_given(tmp_path: Path) -> None:
    seed_file = write_seed(tmp_path / "w.json", WORLD)
    env_db = tmp_path / "from-env.db"
    env = {ENV_DATABASE_URL: sqlite_url(env_db)}
    result = run_cli("seed", str(seed_file), env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert count(env_db, "accounts") == 3
    assert not (tmp_path / "talksocial.db").exists()
    # Every command honours it...
    token = run_cli("token", "issue", "--app", "1001", "--account", "ryan", env=env, cwd=tmp_path)
    assert token.returncode == 0, token.stderr
    assert link_scopes(env_db, 1001, "ryan") == ["profile_nickname"]
    exported = run_cli("export", env=env, cwd=tmp_path)
    assert [a["key"] for a in json.loads(exported.stdout)["accounts"]] == ["ryan", "apeach", "jordy"]
    # ...and --database wins over it.
    other = tmp_path / "other.db"
    upgraded = run_cli("db", "upgrade", "--database", sqlite_url(other), env=env, cwd=tmp_path)
    assert upgraded.returncode == 0
    assert count(other, "accounts") == 0
    assert json.loads(export(other))["accounts"] == []
    # A bare path in the variable is an SQLite file.
    bare = run_cli("db", "upgrade", env={ENV_DATABASE_URL: str(tmp_path / "bare.db")}, cwd=tmp_path)
    assert bare.returncode == 0, bare.stderr
    assert (tmp_path / "bare.db").exists()
    assert not (tmp_path / "talksocial.db").exists()


def test_the_default_database_is_talksocial_db_in_the_working_directory(tmp_path: Path) -> None:
    seed_file = write_seed(tmp_path / "w.json", WORLD)
    result = run_cli("seed", str(seed_file), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert count(tmp_path / "talksocial.db", "accounts") == 3


def test_serve_uses_the_database_from_the_environment(tmp_path: Path) -> None:
    env_db = tmp_path / "only-env.db"
    seed_ok(write_seed(tmp_path / "w.json", WORLD), env_db)
    port = free_port()
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            talksocial_command() + ["serve", "--port", str(port)],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=tmp_path,
            start_new_session=True,
            env={**os.environ, ENV_DATABASE_URL: sqlite_url(env_db)},
        )
    try:
        base_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
            try:
                r = httpx.get(base_url + "/v1/api/talk/friends", headers=bearer("tok-apeach"),
                              timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert r.status_code == 200, r.text
        assert [e["id"] for e in r.json()["elements"]] == [3]
        assert str(env_db) in log_path.read_text()
        assert not (tmp_path / "talksocial.db").exists()
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)
    assert "Traceback" not in log_path.read_text()
