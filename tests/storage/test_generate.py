"""`talksocial generate` at a small size: determinism, the friend index it writes in bulk against
`friend_index.refresh_all`, the world's invariants, and a real server serving it.

The full-size runs (1 million friend entries on SQLite, 10 million on PostgreSQL) are measured
by scripts/measure-generator.sh, outside `make test`."""

from __future__ import annotations

import json
import os
import random
import sqlite3
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from talksocial.storage import friend_index
from talksocial.storage.db import make_engine, make_sessionmaker, transaction
from talksocial.storage.generate import _NICKNAME_KINDS, nickname
from tests.storage import export, run_cli_in_process, snapshot, sqlite_url
from tests.support.inprocess import start_inprocess_server
from tests.support.server import ENV_TEST_POSTGRES, fresh_database_url

ACCOUNTS = 400
FRIENDS = 24
HUBS = (40, 300)


def generate(
    url: str, manifest_path: Path, *extra: str, seed: int = 7
) -> tuple[dict[str, Any], str]:
    """Runs the command (in this process); returns the manifest and stdout."""
    result = run_cli_in_process(
        "generate",
        "--accounts", str(ACCOUNTS),
        "--friends-per-account", str(FRIENDS),
        "--apps", "3",
        "--seed-random", str(seed),
        "--hub-owners", ",".join(map(str, HUBS)),
        "--token-owners", "2",
        "--database", url,
        "--manifest", str(manifest_path),
        *extra,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    return manifest, result.stdout


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], str]:
    """One generated SQLite world shared by the read-only tests of this module."""
    tmp = tmp_path_factory.mktemp("generated")
    db = tmp / "world.db"
    manifest, stdout = generate(sqlite_url(db), tmp / "manifest.json")
    return db, manifest, stdout


def query(db: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


# --- determinism --------------------------------------------------------------------------------


def test_same_seed_gives_the_same_world_and_another_seed_another(
    tmp_path: Path, world: tuple[Path, dict[str, Any], str]
) -> None:
    db, shared, _ = world
    manifest = dict(shared)
    again = tmp_path / "again.db"
    manifest_again, _ = generate(sqlite_url(again), tmp_path / "m1.json", "--no-progress")
    # Every row of every table, ids and friend index included, not only the export.
    assert snapshot(again) == snapshot(db)
    assert export(again) == export(db)
    for timing in ("elapsed_seconds", "phases"):
        manifest.pop(timing)
        manifest_again.pop(timing)
    assert manifest_again == manifest

    other = tmp_path / "other.db"
    manifest_other, _ = generate(
        sqlite_url(other), tmp_path / "m2.json", "--no-progress", seed=8
    )
    assert export(other) != export(db)
    tokens = {o["access_token"] for o in manifest["owners"]}
    assert not tokens & {o["access_token"] for o in manifest_other["owners"]}


# --- the friend index ---------------------------------------------------------------------------


def test_bulk_friend_index_equals_refresh_all(
    tmp_path: Path, world: tuple[Path, dict[str, Any], str]
) -> None:
    source, _, _ = world
    db = tmp_path / "copy.db"
    src = sqlite3.connect(source)
    dst = sqlite3.connect(db)
    src.backup(dst)
    src.close()
    dst.close()
    before = snapshot(db)
    assert len(before["friend_rows"]) > ACCOUNTS * FRIENDS // 2
    engine = make_engine(sqlite_url(db))
    try:
        with transaction(make_sessionmaker(engine)) as session:
            friend_index.refresh_all(session)
    finally:
        engine.dispose()
    after = snapshot(db)
    assert after["friend_rows"] == before["friend_rows"]
    assert after["friend_counts"] == before["friend_counts"]
    assert after == before


def test_the_index_shows_multi_profiles_and_leaves_out_unlistable_entries(
    world: tuple[Path, dict[str, Any], str],
) -> None:
    """The cases the index must get right are present in the world at all."""
    db, _, _ = world
    # A friend who shows the owner a multi-profile appears under its nickname.
    shown = query(
        db,
        "SELECT count(*) FROM friend_rows r JOIN friendships f ON f.owner_id = r.friend_id "
        "AND f.friend_id = r.owner_id JOIN multi_profiles m ON m.id = f.shown_profile_id "
        "WHERE r.nickname = m.nickname",
    )[0][0]
    assert shown > 0
    hidden = query(db, "SELECT count(*) FROM friendships WHERE hidden OR blocked")[0][0]
    assert hidden > 0
    listed_hidden = query(
        db,
        "SELECT count(*) FROM friend_rows r JOIN friendships f ON f.owner_id = r.owner_id "
        "AND f.friend_id = r.friend_id WHERE f.hidden OR f.blocked",
    )[0][0]
    assert listed_hidden == 0
    not_talk = query(db, "SELECT count(*) FROM accounts WHERE NOT talk_user")[0][0]
    assert not_talk > 0
    assert query(
        db,
        "SELECT count(*) FROM friend_rows r JOIN accounts a ON a.id = r.friend_id "
        "WHERE NOT a.talk_user",
    )[0][0] == 0
    no_consent = query(
        db, "SELECT count(*) FROM links WHERE scopes NOT LIKE '%\"friends\"%'"
    )[0][0]
    assert no_consent > 0
    assert query(
        db,
        "SELECT count(*) FROM friend_rows r JOIN links l ON l.app_id = r.app_id "
        "AND l.account_id = r.friend_id WHERE l.scopes NOT LIKE '%\"friends\"%'",
    )[0][0] == 0
    unlinked = query(
        db,
        "SELECT count(*) FROM accounts a WHERE NOT EXISTS "
        "(SELECT 1 FROM links l WHERE l.account_id = a.id AND l.app_id = 900001)",
    )[0][0]
    assert unlinked > 0


# --- invariants -----------------------------------------------------------------------------------


def test_counts_ids_and_owners_hold(world: tuple[Path, dict[str, Any], str]) -> None:
    db, manifest, stdout = world
    assert query(db, "PRAGMA foreign_key_check") == []
    assert query(db, "PRAGMA integrity_check") == [("ok",)]
    # Stored counts are exactly the listable rows, and no owner with rows lacks a count.
    assert query(
        db,
        "SELECT app_id, owner_id, count(*), sum(favorite) FROM friend_rows "
        "GROUP BY app_id, owner_id ORDER BY 1, 2",
    ) == query(
        db,
        "SELECT app_id, owner_id, total_count, favorite_count FROM friend_counts ORDER BY 1, 2",
    )
    for column in ("user_id", "uuid"):
        assert query(
            db, f"SELECT app_id, {column} FROM links GROUP BY app_id, {column} HAVING count(*) > 1"
        ) == []
    # Rows carry the friend's app-scoped ids of that app.
    assert query(
        db,
        "SELECT count(*) FROM friend_rows r JOIN links l ON l.app_id = r.app_id AND "
        "l.account_id = r.friend_id WHERE l.user_id != r.user_id OR l.uuid != r.uuid",
    )[0][0] == 0
    assert query(db, "SELECT count(*) FROM friendships WHERE owner_id = friend_id")[0][0] == 0
    sizes = dict(query(db, "SELECT owner_id, count(*) FROM friendships GROUP BY owner_id"))
    assert len(sizes) == ACCOUNTS
    hub_ids = set(range(1, len(HUBS) + 1))
    assert {size for owner, size in sizes.items() if owner not in hub_ids} == {FRIENDS}
    # Each account shows each friend at most one multi-profile (structural), and only its own.
    assert query(
        db,
        "SELECT count(*) FROM friendships f JOIN multi_profiles m ON m.id = f.shown_profile_id "
        "WHERE m.account_id != f.owner_id",
    )[0][0] == 0

    assert manifest["format"] == "talksocial-generate-manifest/1"
    assert manifest["app_id"] == 900001
    assert [app["id"] for app in manifest["apps"]] == [900001, 900002, 900003]
    owners = manifest["owners"]
    assert len(owners) == (len(HUBS) + 2) * 3
    stored = {
        (app, owner): (total, favorites)
        for app, owner, total, favorites in query(
            db, "SELECT app_id, owner_id, total_count, favorite_count FROM friend_counts"
        )
    }
    for owner in owners:
        key = (owner["app_id"], owner["account_id"])
        assert (owner["total_count"], owner["favorite_count"]) == stored.get(key, (0, 0))
        assert query(
            db,
            "SELECT l.user_id, l.uuid, a.key FROM links l JOIN accounts a ON a.id = l.account_id "
            "WHERE l.app_id = ? AND l.account_id = ?",
            owner["app_id"], owner["account_id"],
        ) == [(owner["user_id"], owner["uuid"], owner["account_key"])]
        assert owner["access_token"] in stdout
    hubs = [o for o in owners if o["role"] == "hub" and o["app_id"] == 900001]
    assert [(o["hub_friends"], o["total_count"]) for o in hubs] == [(h, h) for h in HUBS]
    # Tokens are stored only as hashes.
    tokens = {t for (t,) in query(db, "SELECT token_sha256 FROM tokens")}
    assert not tokens & {o["access_token"] for o in owners}
    assert len(tokens) == len(owners)


def test_nicknames_mix_scripts_in_the_documented_shares() -> None:
    rng = random.Random(1)
    names = [nickname(rng) for _ in range(20_000)]

    def share(test: Any) -> float:
        return sum(1 for name in names if test(name)) / len(names)

    def script(name: str, word: str) -> bool:
        return any(word in unicodedata.name(c, "") for c in name)

    expected = dict((kind, percent / 100) for percent, kind in _NICKNAME_KINDS)
    assert abs(sum(expected.values()) - 1) < 1e-9
    hangul = share(lambda n: script(unicodedata.normalize("NFC", n), "HANGUL"))
    assert 0.70 < hangul < 0.85
    latin = share(lambda n: script(n, "LATIN"))
    assert 0.18 < latin < 0.35
    kana = share(lambda n: script(n, "HIRAGANA") or script(n, "KATAKANA"))
    assert 0.04 < kana < 0.08
    emoji = share(lambda n: any(ord(c) >= 0x1F000 or c in "☕⭐⚽❤" for c in n))
    assert 0.07 < emoji < 0.14
    digits = share(lambda n: any(c.isdigit() for c in n))
    assert 0.05 < digits < 0.15
    assert share(lambda n: script(n, "CJK UNIFIED IDEOGRAPH")) > 0.01
    assert share(lambda n: script(n, "CYRILLIC") or script(n, "THAI")) > 0.003
    # Common names repeat, as they do: ties are broken by user_id on the wire.
    assert Counter(names).most_common(1)[0][1] > 5


# --- refusals -----------------------------------------------------------------------------------


def test_refuses_a_database_that_holds_a_world_and_impossible_hubs(tmp_path: Path) -> None:
    db = tmp_path / "small.db"
    first = run_cli_in_process(
        "generate", "--accounts", "30", "--friends-per-account", "5", "--no-progress",
        "--database", sqlite_url(db),
    )
    assert first.returncode == 0, first.stderr
    before = snapshot(db)
    second = run_cli_in_process(
        "generate", "--accounts", "30", "--friends-per-account", "5", "--no-progress",
        "--database", sqlite_url(db),
    )
    assert second.returncode == 2
    assert "empty database" in second.stderr and "Traceback" not in second.stderr
    assert snapshot(db) == before

    hub = run_cli_in_process(
        "generate", "--accounts", "100", "--friends-per-account", "5", "--no-progress",
        "--hub-owners", "100", "--database", sqlite_url(tmp_path / "hub.db"),
    )
    assert hub.returncode == 2
    assert "listable accounts" in hub.stderr and "--accounts" in hub.stderr
    for bad in (["--friends-per-account", "30"], ["--hub-owners", "x"], ["--apps", "0"]):
        args = ["generate", "--accounts", "30", "--friends-per-account", "5", "--no-progress",
                "--database", sqlite_url(tmp_path / "bad.db")]
        result = run_cli_in_process(*args, *bad)
        assert result.returncode == 2, bad
        assert "Traceback" not in result.stderr


# --- served over HTTP ---------------------------------------------------------------------------


def test_a_generated_world_serves_over_http(tmp_path: Path) -> None:
    """On the suite's database (PostgreSQL in the PG pass): pages walked through a real server
    equal the index, in the collation order, with the stored counts."""
    url = fresh_database_url(tmp_path)
    manifest, _ = generate(url, tmp_path / "manifest.json", "--no-progress")
    server = start_inprocess_server(tmp_path / "server", database_url=url)
    try:
        hub = next(o for o in manifest["owners"] if o["hub_friends"] == HUBS[1])
        regular = next(
            o for o in manifest["owners"] if o["role"] == "regular" and o["app_id"] == 900001
        )
        for owner in (hub, regular):
            headers = {"Authorization": f"Bearer {owner['access_token']}"}
            seen: list[dict[str, Any]] = []
            path: str | None = "/v1/api/talk/friends?limit=100&friend_order=nickname"
            while path:
                response = server.get(path, headers=headers)
                assert response.status_code == 200, response.text
                body = response.json()
                assert body["total_count"] == owner["total_count"]
                assert body["favorite_count"] == owner["favorite_count"]
                seen += body["elements"]
                after = body.get("after_url")
                path = after.removeprefix(server.base_url) if after else None
            assert len(seen) == owner["total_count"] > 0
            ids = [e["id"] for e in seen]
            assert len(set(ids)) == len(ids)
            assert all(e["uuid"] and isinstance(e["favorite"], bool) for e in seen)
            expected = _index_order(url, owner["app_id"], owner["account_id"])
            assert [(e["id"], e["profile_nickname"]) for e in seen] == expected
            profile = server.get("/v1/api/talk/profile", headers=headers)
            assert profile.status_code == 200, profile.text
        # The app's admin key is the manifest's.
        targets = json.dumps([regular["user_id"]])
        profiles = server.get(
            "/v2/api/talk/profiles",
            params={
                "target_ids": targets, "target_id_type": "user_id", "viewer_id": hub["user_id"]
            },
            headers={"Authorization": f"KakaoAK {manifest['admin_key']}"},
        )
        assert profiles.status_code == 200, profiles.text
        assert str(regular["user_id"]) in profiles.text
    finally:
        server.stop()
    assert "Traceback" not in server.log(), server.log()


def _index_order(url: str, app_id: int, owner_id: int) -> list[tuple[int, str]]:
    """The owner's rows by (ko_key, user_id), read back through the engine of the database."""
    from sqlalchemy import text

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT user_id, nickname, ko_key FROM friend_rows "
                    "WHERE app_id = :a AND owner_id = :o"
                ),
                {"a": app_id, "o": owner_id},
            ).all()
    finally:
        engine.dispose()
    return [(r[0], r[1]) for r in sorted(rows, key=lambda r: (bytes(r[2]), r[0]))]


@pytest.mark.postgres
@pytest.mark.skipif(not os.environ.get(ENV_TEST_POSTGRES), reason="needs the PostgreSQL pass")
def test_postgresql_gets_the_same_world_as_sqlite(
    tmp_path: Path, world: tuple[Path, dict[str, Any], str]
) -> None:
    db, _, _ = world
    url = fresh_database_url(tmp_path)
    generate(url, tmp_path / "manifest.json", "--no-progress")
    result = run_cli_in_process("export", "--database", url)
    assert result.returncode == 0, result.stderr
    assert result.stdout == export(db)
