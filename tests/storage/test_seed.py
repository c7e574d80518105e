"""Seed files (docs/reference/seed-format.md) through `talksocial seed FILE` on real SQLite files."""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from talksocial.domain.secrets import verify_password
from tests.storage import (
    count,
    export,
    run_cli,
    run_cli_in_process,
    seed_ok,
    snapshot,
    sqlite_url,
    write_seed,
)
from tests.support.server import Server, talksocial_command

RYAN_PASSWORD = "ryan-secret-pw"
RYAN_TOKEN = "tok-ryan-plain"

#: A world with every kind of record, some values given and some left to be generated.
BASE: dict[str, Any] = {
    "apps": [
        {
            "id": 1001,
            "name": "Demo",
            "rest_api_key": "rk-1001",
            "admin_key": "ak-1001",
            "client_secret": "cs-1001",
            "redirect_uris": ["http://localhost:3000/callback"],
            "consent_items": {
                "profile_nickname": "required",
                "profile_image": "optional",
                "friends": "optional",
            },
        },
        {"id": 1002, "name": "Legacy", "consent_items": {"profile": "required", "friends": "required"}},
    ],
    "accounts": [
        {
            "key": "ryan",
            "profile": {
                "nickname": "Ryan",
                "profile_image_url": "https://img.example/ryan-640.jpg",
                "thumbnail_url": "https://img.example/ryan-110.jpg",
            },
            "account_profile": {"nickname": "Ryan K", "email": "ryan@example.com"},
            "password": RYAN_PASSWORD,
            "multi_profiles": [{"key": "work", "nickname": "Ryan (work)", "shown_to": ["apeach"]}],
            "friends": [
                {"account": "apeach", "favorite": True},
                {"account": "jordy", "hidden": False, "blocked": False},
            ],
        },
        {"key": "apeach", "profile": {"nickname": "Apeach"}, "friends": [{"account": "ryan"}]},
        {
            "key": "jordy",
            "talk_user": True,
            "profile": {"nickname": "Jordy"},
            "friends": [{"account": "ryan"}, {"account": "apeach"}],
        },
        {"key": "muzi", "talk_user": False},
    ],
    "links": [
        {
            "app": 1001,
            "account": "ryan",
            "user_id": 1234567,
            "uuid": "uuid-ryan-1001",
            "scopes": ["profile_nickname", "profile_image", "friends"],
        },
        {"app": 1001, "account": "apeach", "scopes": ["profile_nickname", "friends"]},
        {"app": 1001, "account": "jordy", "user_id": 7654321, "scopes": ["profile_nickname"]},
        {"app": 1002, "account": "jordy", "scopes": ["profile", "friends"]},
    ],
    "tokens": [
        {"app": 1001, "account": "ryan", "access_token": RYAN_TOKEN, "expires_in": 21599},
        {"app": 1001, "account": "apeach"},
    ],
}


def base() -> dict[str, Any]:
    return copy.deepcopy(BASE)


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def without_expiry(exported: str) -> dict[str, Any]:
    """The exported world without the tokens' expiry (an `expires_in` counts from each load)."""
    world: dict[str, Any] = json.loads(exported)
    for token in world["tokens"]:
        token.pop("expires_at")
    return world


@pytest.fixture(scope="module")
def base_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database holding BASE, copied by each test that needs it."""
    folder = tmp_path_factory.mktemp("base")
    db = folder / "base.db"
    seed_ok(write_seed(folder / "base.json", BASE), db)
    return db


def copy_db(source: Path, target: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{source}{suffix}").exists():
            shutil.copy(f"{source}{suffix}", f"{target}{suffix}")
    return target


# --- good files ---------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_a_good_file_loads_and_reloading_it_leaves_the_same_world(
    tmp_path: Path, suffix: str
) -> None:
    seed_file = write_seed(tmp_path / f"world{suffix}", BASE)
    db = tmp_path / "w.db"
    first = seed_ok(seed_file, db)
    assert "loaded" in first.stdout
    once = export(db)
    rows_once = snapshot(db)
    world = json.loads(once)
    assert [a["id"] for a in world["apps"]] == [1001, 1002]
    assert [a["key"] for a in world["accounts"]] == ["ryan", "apeach", "jordy", "muzi"]
    assert len(world["links"]) == 4 and len(world["tokens"]) == 2
    ryan = world["accounts"][0]
    assert ryan["multi_profiles"] == [
        {"key": "work", "nickname": "Ryan (work)", "shown_to": ["apeach"]}
    ]
    assert ryan["friends"][0] == {
        "account": "apeach", "favorite": True, "hidden": False, "blocked": False,
    }
    assert world["accounts"][3]["talk_user"] is False

    second = seed_ok(seed_file, db)
    assert "generated access token" not in second.stdout  # the token generated first is kept
    twice = export(db)
    assert without_expiry(twice) == without_expiry(once)
    # Only the expiry of `expires_in` tokens moves, and only forwards (it counts again).
    for before, after in zip(json.loads(once)["tokens"], json.loads(twice)["tokens"], strict=True):
        assert instant(after["expires_at"]) >= instant(before["expires_at"])
    # Beyond the export: the stored rows (friend index, counts, hashes) are the same too.
    rows_twice = snapshot(db)
    for table in rows_once:
        if table != "tokens":
            assert rows_twice[table] == rows_once[table], table


def test_reloading_a_file_with_fixed_expiry_gives_an_identical_export(tmp_path: Path) -> None:
    world = base()
    world["tokens"] = [
        {"app": 1001, "account": "ryan", "access_token": RYAN_TOKEN,
         "expires_at": "2031-05-06T07:08:09Z"},
        {"app": 1002, "account": "jordy", "access_token_sha256": sha256("tok-jordy"),
         "expires_at": "2030-01-01T09:00:00+09:00"},
    ]
    seed_file = write_seed(tmp_path / "fixed.json", world)
    db = tmp_path / "f.db"
    seed_ok(seed_file, db)
    once = export(db)
    seed_ok(seed_file, db)
    assert export(db) == once
    tokens = json.loads(once)["tokens"]
    assert tokens[1]["expires_at"] == "2030-01-01T00:00:00Z"


def test_yaml_and_json_declare_the_same_world(tmp_path: Path) -> None:
    world = base()
    world["tokens"] = [
        {"app": 1001, "account": "ryan", "access_token": RYAN_TOKEN,
         "expires_at": "2031-05-06T07:08:09Z"},
    ]
    world["links"][1]["user_id"] = 555
    world["links"][1]["uuid"] = "uuid-apeach"
    world["links"][2]["uuid"] = "uuid-jordy-1001"
    world["links"][3]["user_id"] = 556
    world["links"][3]["uuid"] = "uuid-jordy-1002"
    for app in world["apps"]:
        app.setdefault("rest_api_key", f"rk-{app['id']}")
        app.setdefault("admin_key", f"ak-{app['id']}")
        app.setdefault("javascript_key", f"jk-{app['id']}")
        app.setdefault("native_app_key", f"nk-{app['id']}")
    del world["accounts"][0]["password"]  # a new salt on a new database
    seed_ok(write_seed(tmp_path / "w.json", world), tmp_path / "j.db")
    yaml_text = yaml.safe_dump(world, allow_unicode=True, sort_keys=False)
    # Written by hand, YAML's date-time is unquoted (a timestamp to the YAML reader).
    yaml_text = yaml_text.replace("'2031-05-06T07:08:09Z'", "2031-05-06T07:08:09Z")
    assert "expires_at: 2031-05-06T07:08:09Z" in yaml_text
    (tmp_path / "w.yml").write_text(yaml_text, encoding="utf-8")
    seed_ok(tmp_path / "w.yml", tmp_path / "y.db")
    assert export(tmp_path / "y.db") == export(tmp_path / "j.db")


def test_generated_keys_ids_uuids_and_tokens_are_kept_on_reload(
    tmp_path: Path, server_on: Callable[[Path], Server]
) -> None:
    world = {
        "apps": [{"id": 7, "consent_items": {"profile_nickname": "required", "friends": "optional"}}],
        "accounts": [{"key": "a", "friends": [{"account": "b"}]},
                     {"key": "b", "friends": [{"account": "a"}]}],
        "links": [{"app": 7, "account": "a", "scopes": ["profile_nickname", "friends"]},
                  {"app": 7, "account": "b", "scopes": ["profile_nickname", "friends"]}],
        "tokens": [{"app": 7, "account": "a"}, {"app": 7, "account": "b", "expires_at": "2040-01-01T00:00:00Z"}],
    }
    seed_file = write_seed(tmp_path / "gen.json", world)
    db = tmp_path / "g.db"
    first = seed_ok(seed_file, db)
    printed = re.findall(r"generated access token for app 7, account '(\w)': (\S+)", first.stdout)
    assert [key for key, _ in printed] == ["a", "b"]
    tokens = dict(printed)
    assert len(set(tokens.values())) == 2 and all(len(t) >= 32 for t in tokens.values())
    once = json.loads(export(db))
    app = once["apps"][0]
    keys = [app[k] for k in ("rest_api_key", "admin_key", "javascript_key", "native_app_key")]
    assert all(len(k) >= 32 for k in keys) and len(set(keys)) == 4
    ids = [link["user_id"] for link in once["links"]]
    uuids = [link["uuid"] for link in once["links"]]
    assert len(set(ids)) == 2 and all(isinstance(i, int) and i > 0 for i in ids)
    assert len(set(uuids)) == 2 and all(len(u) >= 16 for u in uuids)
    assert [t["access_token_sha256"] for t in once["tokens"]] == [
        sha256(tokens["a"]), sha256(tokens["b"])
    ]

    second = seed_ok(seed_file, db)
    assert "generated access token" not in second.stdout
    assert without_expiry(export(db)) == without_expiry(json.dumps(once))

    # The printed tokens are live, and the ids are the ones the API answers with.
    server = server_on(db)
    me = server.get("/v1/api/talk/profile", headers={"Authorization": f"Bearer {tokens['a']}"})
    assert me.status_code == 200, me.text
    assert me.json()["id"] == ids[0]
    friends = server.get("/v1/api/talk/friends",
                         headers={"Authorization": f"Bearer {tokens['b']}"})
    assert friends.status_code == 200, friends.text
    assert [(e["id"], e["uuid"]) for e in friends.json()["elements"]] == [(ids[0], uuids[0])]


def test_a_second_file_may_refer_to_the_stored_world_and_move_ids(tmp_path: Path, base_db: Path) -> None:
    db = copy_db(base_db, tmp_path / "w.db")
    stored = json.loads(export(db))
    # Swap two stored user ids and uuids; refer to stored apps and accounts only.
    update = {
        "links": [
            {"app": 1001, "account": "ryan", "user_id": 7654321, "uuid": "uuid-x",
             "scopes": ["profile_nickname"]},
            {"app": 1001, "account": "jordy", "user_id": 1234567, "uuid": "uuid-ryan-1001",
             "scopes": ["profile_nickname", "friends"]},
        ],
        "tokens": [{"app": 1002, "account": "jordy", "access_token": "tok-jordy-2"}],
    }
    seed_ok(write_seed(tmp_path / "update.json", update), db)
    after = json.loads(export(db))
    links = {(lk["app"], lk["account"]): lk for lk in after["links"]}
    assert links[(1001, "ryan")]["user_id"] == 7654321
    assert links[(1001, "ryan")]["uuid"] == "uuid-x"
    assert links[(1001, "jordy")]["user_id"] == 1234567
    assert links[(1001, "jordy")]["uuid"] == "uuid-ryan-1001"
    assert links[(1001, "apeach")] == next(
        lk for lk in stored["links"] if (lk["app"], lk["account"]) == (1001, "apeach")
    )
    assert after["accounts"] == stored["accounts"]
    assert sha256("tok-jordy-2") in {t["access_token_sha256"] for t in after["tokens"]}


# --- rejected files -----------------------------------------------------------------------------

Mutation = Callable[[dict[str, Any]], Any]


def _set(path: str, value: Any) -> Mutation:
    """Sets `a.b[0].c` in the document (creating the last key)."""

    def mutate(doc: dict[str, Any]) -> Any:
        parts = re.findall(r"[^.\[\]]+|\[\d+\]", path)
        target: Any = doc
        for part in parts[:-1]:
            target = target[int(part[1:-1])] if part.startswith("[") else target[part]
        last = parts[-1]
        if last.startswith("["):
            target[int(last[1:-1])] = value
        else:
            target[last] = value
        return doc

    return mutate


def _then(*mutations: Mutation) -> Mutation:
    def mutate(doc: dict[str, Any]) -> Any:
        for m in mutations:
            doc = m(doc)
        return doc

    return mutate


def _append(path: str, value: Any) -> Mutation:
    def mutate(doc: dict[str, Any]) -> Any:
        target: Any = doc
        for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
            target = target[int(part[1:-1])] if part.startswith("[") else target[part]
        target.append(copy.deepcopy(value))
        return doc

    return mutate


def _replace(doc: Any) -> Mutation:
    return lambda _base: copy.deepcopy(doc)


NEW_LINK = {"app": 1001, "account": "muzi", "scopes": ["profile_nickname"]}

#: (id, change to BASE loaded over the stored BASE, the path the message must name, words).
REJECTIONS: list[tuple[str, Mutation, str, str]] = [
    ("unknown app in a link", _set("links[0].app", 9999), "links[0].app", "unknown app 9999"),
    ("unknown app in a token", _set("tokens[1].app", 4242), "tokens[1].app", "unknown app"),
    ("unknown account in a friend list", _set("accounts[2].friends[0].account", "zed"),
     "accounts[2].friends[0].account", "unknown account 'zed'"),
    ("unknown account in a link", _set("links[1].account", "zed"), "links[1].account", "unknown account"),
    ("unknown account in a token", _set("tokens[0].account", "zed"), "tokens[0].account", "unknown account"),
    ("token for an account not linked to the app", _set("tokens[0].app", 1002), "tokens[0]", "not linked"),
    ("duplicate app id", _set("apps[1].id", 1001), "apps[1].id", "duplicate"),
    ("duplicate account key", _set("accounts[3].key", "jordy"), "accounts[3].key", "duplicate"),
    ("duplicate link", _append("links", {"app": 1002, "account": "jordy", "scopes": ["profile"]}),
     "links[4]", "duplicate"),
    ("duplicate user_id in an app", _set("links[1].user_id", 1234567), "links[1].user_id", "duplicate"),
    ("duplicate uuid in an app", _set("links[2].uuid", "uuid-ryan-1001"), "links[2].uuid", "duplicate"),
    ("duplicate app key", _set("apps[1].rest_api_key", "ak-1001"), "apps[1].rest_api_key", "duplicate"),
    ("duplicate token", _append("tokens", {"app": 1001, "account": "ryan",
                                            "access_token_sha256": sha256(RYAN_TOKEN)}),
     "tokens[2]", "duplicate"),
    ("duplicate friend", _append("accounts[1].friends", {"account": "ryan"}),
     "accounts[1].friends[1].account", "duplicate"),
    ("duplicate multi-profile key",
     _append("accounts[0].multi_profiles", {"key": "work", "nickname": "again"}),
     "accounts[0].multi_profiles[1].key", "duplicate"),
    ("a scope the app does not use", _append("links[0].scopes", "talk_message"),
     "links[0].scopes[3]", "does not use 'talk_message'"),
    ("the other profile style", _set("links[3].scopes", ["profile", "friends", "profile_nickname"]),
     "links[3].scopes[2]", "does not use"),
    ("a link missing a required item", _set("links[0].scopes", ["friends"]),
     "links[0].scopes", "required item 'profile_nickname'"),
    ("shown_to naming an account that is not a friend",
     _set("accounts[0].multi_profiles[0].shown_to", ["apeach", "muzi"]),
     "accounts[0].multi_profiles[0].shown_to[1]", "not in 'ryan'"),
    ("one friend in two shown_to lists",
     _append("accounts[0].multi_profiles", {"key": "home", "nickname": "R", "shown_to": ["jordy", "apeach"]}),
     "accounts[0].multi_profiles[1].shown_to[1]", "already"),
    ("more than 3 multi-profiles",
     _set("accounts[1].multi_profiles", [{"nickname": f"n{i}"} for i in range(4)]),
     "accounts[1].multi_profiles", "at most 3"),
    ("profile together with the split items",
     _set("apps[1].consent_items", {"profile": "required", "profile_image": "optional", "friends": "required"}),
     "apps[1].consent_items", "never both"),
    ("an unknown consent item", _set("apps[0].consent_items.stories", "optional"),
     "apps[0].consent_items", "stories"),
    ("a consent setting other than required/optional", _set("apps[0].consent_items.friends", "maybe"),
     "apps[0].consent_items", "friends"),
    ("an unknown top-level field", _set("users", []), "users", "unknown field"),
    ("an unknown account field", _set("accounts[0].nick", "R"), "accounts[0].nick", "unknown field"),
    ("an unknown friend field", _set("accounts[0].friends[1].muted", True),
     "accounts[0].friends[1].muted", "unknown field"),
    ("an unknown token field", _set("tokens[0].refresh_token", "x"), "tokens[0].refresh_token", "unknown field"),
    ("an id as a string", _set("apps[0].id", "1001"), "apps[0].id", "integer"),
    ("an id as a boolean", _set("links[0].user_id", True), "links[0].user_id", "integer"),
    ("a negative id", _set("links[0].user_id", -4), "links[0].user_id", "positive"),
    ("an id past 64 bits", _set("links[0].user_id", 2**64), "links[0].user_id", "64-bit"),
    ("a flag as a string", _set("accounts[3].talk_user", "yes"), "accounts[3].talk_user", "boolean"),
    ("a flag as a number", _set("accounts[0].friends[0].favorite", 1),
     "accounts[0].friends[0].favorite", "boolean"),
    ("a list as an object", _set("links", {"app": 1001}), "links", "list"),
    ("an account as a string", _set("accounts[2]", "jordy"), "accounts[2]", "object"),
    ("a nickname as a number", _set("accounts[1].profile.nickname", 7),
     "accounts[1].profile.nickname", "string"),
    ("a multi-profile without a nickname", _set("accounts[0].multi_profiles[0]", {"key": "x"}),
     "accounts[0].multi_profiles[0].nickname", "required"),
    ("an app without an id", _set("apps[1]", {"name": "x"}), "apps[1].id", "required"),
    ("an account without a key", _set("accounts[3]", {"talk_user": True}), "accounts[3].key", "required"),
    ("both plain and hashed token", _set("tokens[0].access_token_sha256", sha256("x")),
     "tokens[0].access_token", "either"),
    ("a hash that is not hex", _set("tokens[1].access_token_sha256", "zz" * 32),
     "tokens[1].access_token_sha256", "hex"),
    ("both expiry forms", _set("tokens[0].expires_at", "2030-01-01T00:00:00Z"),
     "tokens[0].expires_in", "either"),
    ("a date that is not ISO 8601", _set("tokens[1].expires_at", "next tuesday"),
     "tokens[1].expires_at", "ISO 8601"),
    ("an expiry past any date", _set("tokens[1].expires_in", 10**30), "tokens[1].expires_in", "within"),
    ("both password forms", _set("accounts[0].password_hash", "scrypt$1$1$1$AA==$AA=="),
     "accounts[0].password", "either"),
    ("a password hash this server did not write", _set("accounts[1].password_hash", "$2b$12$abc"),
     "accounts[1].password_hash", "hash"),
    ("an account as its own friend", _set("accounts[1].friends[0].account", "apeach"),
     "accounts[1].friends[0].account", "own friend"),
    # Against the stored world: the file may not take what a stored record keeps.
    ("a user_id a stored link keeps",
     _replace({"links": [dict(NEW_LINK, user_id=1234567)]}), "links[0].user_id", "duplicate"),
    ("a uuid a stored link keeps",
     _replace({"links": [dict(NEW_LINK, uuid="uuid-ryan-1001")]}), "links[0].uuid", "duplicate"),
    ("a key a stored app keeps",
     _replace({"apps": [{"id": 3, "admin_key": "rk-1001"}]}), "apps[0].admin_key", "duplicate"),
    ("consent items a stored link no longer fits",
     _replace({"apps": [{"id": 1001, "consent_items": {"profile_nickname": "required"}}]}),
     "apps[0].consent_items", "no longer use"),
    ("a new required item stored links lack",
     _replace({"apps": [{"id": 1001, "consent_items": {"profile_nickname": "required",
                                                       "profile_image": "optional",
                                                       "friends": "required"}}]}),
     "apps[0].consent_items", "required item 'friends'"),
    ("a token of a stored account not linked", _replace({"tokens": [{"app": 1001, "account": "muzi"}]}),
     "tokens[0]", "not linked"),
]


def assert_rejected(
    result: subprocess.CompletedProcess[str], seed_file: Path, fault_path: str, words: str
) -> None:
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    assert "loaded" not in result.stdout
    message = result.stderr.strip()
    # `talksocial: FILE: PATH: why`
    assert f"{seed_file}: {fault_path}: " in message, message
    assert words in message, message


@pytest.mark.parametrize(
    ("mutation", "fault_path", "words"),
    [pytest.param(m, p, w, id=name) for name, m, p, w in REJECTIONS],
)
def test_a_bad_file_is_rejected_whole_with_the_path_of_the_fault(
    tmp_path: Path, base_db: Path, mutation: Mutation, fault_path: str, words: str
) -> None:
    db = copy_db(base_db, tmp_path / "w.db")
    before = snapshot(db)
    # Every bad file also carries good new records before the fault, which must not land.
    doc = mutation(base())
    if isinstance(doc, dict) and isinstance(doc.get("accounts", []), list):
        doc.setdefault("accounts", []).insert(0, {"key": "newcomer"})
        if fault_path.startswith("accounts["):
            index = int(fault_path[len("accounts["):].split("]")[0])
            fault_path = f"accounts[{index + 1}]" + fault_path.split("]", 1)[1]
    seed_file = write_seed(tmp_path / "bad.json", doc)
    assert_rejected(run_cli_in_process("seed", str(seed_file), "--database", sqlite_url(db)),
                    seed_file, fault_path, words)
    assert snapshot(db) == before


@pytest.mark.parametrize(
    ("mutation", "fault_path", "words"),
    [
        pytest.param(m, p, w, id=name)
        for name, m, p, w in REJECTIONS
        if name in ("unknown account in a friend list", "one friend in two shown_to lists",
                    "a link missing a required item", "an unknown account field")
    ],
)
def test_a_bad_yaml_file_is_rejected_the_same_way(
    tmp_path: Path, base_db: Path, mutation: Mutation, fault_path: str, words: str
) -> None:
    db = copy_db(base_db, tmp_path / "w.db")
    before = snapshot(db)
    seed_file = write_seed(tmp_path / "bad.yaml", mutation(base()))
    assert_rejected(run_cli_in_process("seed", str(seed_file), "--database", sqlite_url(db)),
                    seed_file, fault_path, words)
    assert snapshot(db) == before


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("broken.json", b'{"apps": [}', "not valid JSON"),
        ("twice.json", b'{"apps": [], "apps": []}', "'apps' appears twice"),
        ("twice.yaml", b"apps: []\naccounts: []\napps: []\n", "'apps' appears twice"),
        ("trailing.json", b'{"apps": []} x', "not valid JSON"),
        ("yaml-in-json.json", b"apps: []\n", "not valid JSON"),
        ("broken.yaml", b"apps: [\n  - id: 1\n    name: : :\n", "not valid YAML"),
        ("tabs.yml", b"apps:\n\t- id: 1\n", "not valid YAML"),
        ("latin1.json", '{"accounts": [{"key": "caf\u00e9"}]}'.encode("latin-1"), "UTF-8"),
        ("list.json", b"[]", "$: must be an object"),
        ("empty.yaml", b"", "$: must be an object"),
        ("scalar.yaml", b"just words\n", "$: must be an object"),
    ],
)
def test_a_file_that_is_not_a_seed_document_is_rejected(
    tmp_path: Path, base_db: Path, name: str, content: bytes, words: str
) -> None:
    db = copy_db(base_db, tmp_path / "w.db")
    before = snapshot(db)
    seed_file = tmp_path / name
    seed_file.write_bytes(content)
    result = run_cli_in_process("seed", str(seed_file), "--database", sqlite_url(db))
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    assert str(seed_file) in result.stderr and words in result.stderr, result.stderr
    assert snapshot(db) == before


def test_a_missing_file_is_reported(tmp_path: Path) -> None:
    result = run_cli_in_process("seed", str(tmp_path / "nope.json"), "--database", sqlite_url(tmp_path / "x.db"))
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert f"cannot read {tmp_path / 'nope.json'}" in result.stderr


# --- one transaction, also when killed ----------------------------------------------------------


def big_world(accounts: int, friends: int) -> dict[str, Any]:
    keys = [f"big{i}" for i in range(accounts)]
    return {
        "apps": [{"id": 9, "consent_items": {"profile_nickname": "required", "friends": "optional"}}],
        "accounts": [
            {"key": key, "profile": {"nickname": f"Big {i}"},
             "friends": [{"account": keys[(i + j + 1) % accounts]} for j in range(friends)]}
            for i, key in enumerate(keys)
        ],
        "links": [{"app": 9, "account": key, "scopes": ["profile_nickname", "friends"]}
                  for key in keys],
    }


def wal_size(db: Path) -> int:
    wal = Path(f"{db}-wal")
    return wal.stat().st_size if wal.exists() else 0


def test_a_load_killed_half_way_writes_nothing(tmp_path: Path, base_db: Path) -> None:
    """The load is one transaction: SIGKILL in the middle of writing leaves the stored world
    as it was (SQLite's WAL recovery drops the uncommitted frames)."""
    accounts = 2000
    for _attempt in range(3):
        db = copy_db(base_db, tmp_path / f"k{accounts}.db")
        before = snapshot(db)
        seed_file = write_seed(tmp_path / f"big{accounts}.json", big_world(accounts, 50))
        start_wal = wal_size(db)
        process = subprocess.Popen(
            talksocial_command() + ["seed", str(seed_file), "--database", sqlite_url(db)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
            env={k: v for k, v in os.environ.items() if k != "TALKSOCIAL_DATABASE_URL"},
        )
        # Kill once the writer has spilled a good part of its uncommitted transaction into the
        # WAL: that is "half-way", with pages of the new world already on disk.
        deadline = time.monotonic() + 120
        killed_with_wal = 0
        while time.monotonic() < deadline and process.poll() is None:
            size = wal_size(db)
            if size - start_wal > 1_000_000:
                os.kill(process.pid, signal.SIGKILL)
                killed_with_wal = size
                break
            time.sleep(0.005)
        process.wait(timeout=60)
        if killed_with_wal and process.returncode == -signal.SIGKILL:
            break
        # The load finished (or never spilled) before the kill: try a bigger world.
        assert process.returncode == 0, process.stderr.read() if process.stderr else ""
        accounts *= 2
    else:
        pytest.fail("could not kill the load half-way")

    assert snapshot(db) == before  # opening the database runs the WAL recovery
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT count(*) FROM accounts WHERE key LIKE 'big%'").fetchone() == (0,)
    finally:
        conn.close()
    # The database is usable afterwards: a load runs to the end.
    seed_ok(write_seed(tmp_path / "small.json", big_world(30, 3)), db)
    assert count(db, "accounts") == len(BASE["accounts"]) + 30


def test_a_rejected_file_under_serve_starts_nothing(tmp_path: Path) -> None:
    """`serve --demo --seed BAD` is one unit too: neither the demo world nor the file lands."""
    db = tmp_path / "w.db"
    assert run_cli_in_process("db", "upgrade", "--database", sqlite_url(db)).returncode == 0
    before = snapshot(db)
    bad = {"accounts": [{"key": "x", "friends": [{"account": "ryan"}]}],
           "links": [{"app": 9999, "account": "x"}]}
    seed_file = write_seed(tmp_path / "bad.json", bad)
    result = run_cli("serve", "--port", "1", "--demo", "--seed", str(seed_file),
                     "--database", sqlite_url(db), timeout=60)
    assert_rejected(result, seed_file, "links[0].app", "unknown app 9999")
    assert "listening" not in result.stdout
    assert count(db, "accounts") == 0
    assert snapshot(db) == before


# --- secrets ------------------------------------------------------------------------------------


def test_tokens_plain_hashed_and_expired_answer_as_declared(
    tmp_path: Path, server_on: Callable[[Path], Server]
) -> None:
    world = base()
    world["tokens"] = [
        {"app": 1001, "account": "ryan", "access_token": RYAN_TOKEN, "expires_in": 21599},
        {"app": 1001, "account": "ryan", "access_token_sha256": sha256("tok-hashed"),
         "expires_at": "2099-01-01T00:00:00+09:00"},
        {"app": 1001, "account": "apeach", "access_token": "tok-zero", "expires_in": 0},
        {"app": 1001, "account": "apeach", "access_token": "tok-negative", "expires_in": -3600},
        {"app": 1001, "account": "jordy", "access_token": "tok-past",
         "expires_at": "2001-02-03T04:05:06Z"},
    ]
    db = tmp_path / "s.db"
    seed_ok(write_seed(tmp_path / "secrets.yaml", world), db)
    server = server_on(db)

    def profile(token: str) -> Any:
        return server.get("/v1/api/talk/profile", headers={"Authorization": f"Bearer {token}"})

    for token in (RYAN_TOKEN, "tok-hashed"):
        r = profile(token)
        assert r.status_code == 200, r.text
        assert r.json()["id"] == 1234567 and r.json()["nickName"] == "Ryan"
    for token in ("tok-zero", "tok-negative", "tok-past"):
        r = profile(token)
        assert r.status_code == 401
        assert r.json() == {"msg": "this access token is already expired", "code": -401,
                            "reason": "ACCESS_TOKEN_EXPIRED"}
    r = profile(sha256("tok-hashed"))  # the hash itself is no token
    assert r.json() == {"msg": "this access token does not exist", "code": -401}


def test_passwords_and_tokens_are_stored_and_exported_hashed_only(tmp_path: Path) -> None:
    world = base()
    world["accounts"][1]["password"] = "apeach-pw"
    db = tmp_path / "p.db"
    seed_ok(write_seed(tmp_path / "p.json", world), db)
    conn = sqlite3.connect(db)
    try:
        stored = dict(conn.execute("SELECT key, password_hash FROM accounts").fetchall())
        token_columns = conn.execute("SELECT * FROM tokens").fetchall()
    finally:
        conn.close()
    assert stored["jordy"] is None
    for key, password in (("ryan", RYAN_PASSWORD), ("apeach", "apeach-pw")):
        assert password not in stored[key]
        assert stored[key].startswith("scrypt$")
        assert verify_password(password, stored[key])
        assert not verify_password(password + "x", stored[key])
    assert stored["ryan"] != stored["apeach"]
    assert RYAN_TOKEN not in repr(token_columns)
    # The same password twice gets different salts.
    world["accounts"][2]["password"] = RYAN_PASSWORD
    seed_ok(write_seed(tmp_path / "p2.json", world), db)
    conn = sqlite3.connect(db)
    try:
        again = dict(conn.execute("SELECT key, password_hash FROM accounts").fetchall())
    finally:
        conn.close()
    assert again["ryan"] == stored["ryan"]  # kept on reload
    assert again["jordy"] != again["ryan"] and verify_password(RYAN_PASSWORD, again["jordy"])

    exported = export(db)
    for secret in (RYAN_PASSWORD, "apeach-pw", RYAN_TOKEN):
        assert secret not in exported
    doc = json.loads(exported)
    by_key = {a["key"]: a for a in doc["accounts"]}
    assert "password" not in by_key["ryan"]
    assert by_key["ryan"]["password_hash"] == stored["ryan"]
    assert all("access_token" not in t for t in doc["tokens"])
    assert sha256(RYAN_TOKEN) in {t["access_token_sha256"] for t in doc["tokens"]}


def test_export_seed_export_gives_the_same_file(
    tmp_path: Path, base_db: Path, server_on: Callable[[Path], Server]
) -> None:
    db = copy_db(base_db, tmp_path / "w.db")
    # Also a token and a link made outside the file.
    issued = run_cli_in_process("token", "issue", "--app", "1002", "--account", "ryan",
                     "--database", sqlite_url(db))
    assert issued.returncode == 0, issued.stderr
    first = export(db)
    exported_file = tmp_path / "exported.json"
    exported_file.write_text(first, encoding="utf-8")
    fresh = tmp_path / "fresh.db"
    seed_ok(exported_file, fresh)
    assert export(fresh) == first
    # And the copy works like the original: the password, the tokens, the friend index.
    assert snapshot(fresh)["friend_rows"] == snapshot(db)["friend_rows"]
    conn = sqlite3.connect(fresh)
    try:
        (ryan_hash,) = conn.execute("SELECT password_hash FROM accounts WHERE key='ryan'").fetchone()
    finally:
        conn.close()
    assert verify_password(RYAN_PASSWORD, ryan_hash)
    server = server_on(fresh)
    for token in (RYAN_TOKEN, issued.stdout.strip()):
        r = server.get("/v1/api/talk/profile", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200, r.text


def test_app_keys_and_email_flags_round_trip(tmp_path: Path) -> None:
    """The JavaScript and native app keys and the account profile's email flags load and export
    (a flag only when false), and a key is unique among every key of every app."""
    world = {
        "apps": [
            {"id": 1, "rest_api_key": "rk-1", "admin_key": "ak-1", "javascript_key": "jk-1",
             "native_app_key": "nk-1"},
            {"id": 2, "rest_api_key": "rk-2", "admin_key": "ak-2"},
        ],
        "accounts": [
            {"key": "a", "account_profile": {"email": "a@example.com", "email_verified": False}},
            {"key": "b", "account_profile": {"email": "b@example.com"}},
        ],
    }
    db = tmp_path / "k.db"
    seed_ok(write_seed(tmp_path / "k.json", world), db)
    out = json.loads(export(db))
    assert out["apps"][0]["javascript_key"] == "jk-1"
    assert out["apps"][0]["native_app_key"] == "nk-1"
    assert len(out["apps"][1]["javascript_key"]) >= 32
    profiles = {a["key"]: a["account_profile"] for a in out["accounts"]}
    assert profiles["a"] == {"email": "a@example.com", "email_verified": False}
    assert profiles["b"] == {"email": "b@example.com"}
    # Loading the export again changes nothing.
    seed_ok(write_seed(tmp_path / "again.json", out), db)
    assert json.loads(export(db)) == out
    clash = write_seed(tmp_path / "clash.json", {"apps": [{"id": 3, "javascript_key": "rk-1"}]})
    result = run_cli("seed", str(clash), "--database", sqlite_url(db))
    assert_rejected(result, clash, "apps[0].javascript_key", "duplicate key")
    flag = write_seed(
        tmp_path / "flag.json",
        {"accounts": [{"key": "c", "account_profile": {"email_valid": "yes"}}]},
    )
    result = run_cli("seed", str(flag), "--database", sqlite_url(db))
    assert_rejected(result, flag, "accounts[0].account_profile.email_valid", "boolean")
