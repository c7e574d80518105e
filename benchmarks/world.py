"""The benchmark's world: written by `talksocial generate` once, cached under
`.bench/worlds/<key>/` (git-ignored) and reused by every later `make bench`. The key hashes the
generator's version (its manifest format and the source of `storage/generate.py` and of the
friend index it reproduces) and the parameters, so a changed generator never serves an old world.

A hub owner with 100,000 listable friends needs 100,000 listable accounts besides itself; in a
generated world about 79% of the accounts are listable (some are not Talk users, not linked or
did not agree to `friends`), so the full world has 130,000 accounts (the generator asks for at
least 128,355).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class WorldSpec:
    """`talksocial generate --accounts --friends-per-account --hub-owners --seed-random`;
    `targets`: how many user ids the profiles-by-user-list request names (friends of the
    middle hub owner, who is its viewer)."""

    accounts: int = 130_000
    friends_per_account: int = 10
    owners: tuple[int, ...] = (100, 10_000, 100_000)
    targets: int = 100
    seed: int = 6

    def key(self, generator: str) -> str:
        raw = json.dumps({"generator": generator, **asdict(self)}, sort_keys=True)
        return hashlib.sha256(raw.encode()).hexdigest()[:16]


#: The world of tests/bench/test_bench_requests.py: the same requests, smaller lists.
SMALL = WorldSpec(accounts=1_400, friends_per_account=5, owners=(100, 300, 1_000))


@dataclass
class World:
    """What the benchmark needs to address a generated world."""

    database_url: str
    generator: str
    app_id: int
    admin_key: str
    #: listable friends -> the hub owner's account key, user id and access token
    owners: dict[int, dict[str, Any]]
    #: user ids named by the profiles request, and the viewer
    target_user_ids: list[int]
    viewer_user_id: int
    accounts: int
    counts: dict[str, int] = field(default_factory=dict)

    def token(self, friends: int) -> str:
        return str(self.owners[friends]["access_token"])


def generator_version() -> str:
    from talksocial.storage import friend_index, generate

    digest = hashlib.sha256()
    for module in (generate, friend_index):
        digest.update(Path(str(module.__file__)).read_bytes())
    return f"{generate.MANIFEST_FORMAT}+{digest.hexdigest()[:12]}"


def _generate(directory: Path, spec: WorldSpec, log: Any) -> World:
    db = directory / "world.db"
    manifest_path = directory / "manifest.json"
    url = f"sqlite:///{db}"
    command = [
        sys.executable, "-m", "talksocial.cli", "generate",
        "--accounts", str(spec.accounts),
        "--friends-per-account", str(spec.friends_per_account),
        "--hub-owners", ",".join(str(n) for n in spec.owners),
        "--seed-random", str(spec.seed),
        "--token-owners", "0",
        "--database", url, "--manifest", str(manifest_path), "--no-progress",
    ]
    log("world: " + " ".join(command[2:]))
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"talksocial generate failed:\n{done.stdout}{done.stderr}")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    app_id = int(manifest["app_id"])
    hubs = {
        int(o["hub_friends"]): o
        for o in manifest["owners"]
        if o["role"] == "hub" and o["app_id"] == app_id
    }
    middle = sorted(hubs)[len(hubs) // 2]
    con = sqlite3.connect(db)
    try:
        # The profiles request names friends of its viewer (so the multi-profiles they show
        # the viewer are looked up), in no particular order.
        targets = [
            r[0]
            for r in con.execute(
                "SELECT user_id FROM friend_rows WHERE app_id = ? AND owner_id = ? "
                "ORDER BY friend_id LIMIT ?",
                (app_id, hubs[middle]["account_id"], spec.targets),
            )
        ]
        con.execute("ANALYZE")
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()
    return World(
        database_url=url,
        generator="",
        app_id=app_id,
        admin_key=str(manifest["admin_key"]),
        owners={
            size: {k: o[k] for k in ("account_key", "account_id", "user_id", "access_token")}
            for size, o in hubs.items()
        },
        target_user_ids=targets,
        viewer_user_id=int(hubs[middle]["user_id"]),
        accounts=int(manifest["accounts"]),
        counts=dict(manifest["counts"]),
    )


def message_receivers(world: World, sender_friends: int, count: int = 5) -> list[str]:
    """`count` uuids the hub owner with `sender_friends` listable friends may message: friends
    of it whose link agreed to `talk_message` and accepts the app's messages (about 70% of a
    generated world's links agreed; docs/reference/messages.md#receivers)."""
    path = world.database_url.removeprefix("sqlite:///")
    con = sqlite3.connect(path)
    try:
        rows = con.execute(
            "SELECT fr.uuid FROM friend_rows fr JOIN links l "
            "ON l.app_id = fr.app_id AND l.account_id = fr.friend_id "
            "WHERE fr.app_id = ? AND fr.owner_id = ? AND l.accepts_messages "
            "AND l.scopes LIKE '%\"talk_message\"%' ORDER BY fr.friend_id LIMIT ?",
            (world.app_id, world.owners[sender_friends]["account_id"], count),
        ).fetchall()
    finally:
        con.close()
    if len(rows) < count:
        raise RuntimeError(f"the world holds {len(rows)} friends to message, not {count}")
    return [str(r[0]) for r in rows]


def _manifest_path(directory: Path) -> Path:
    return directory / "world.json"


def _save(world: World, directory: Path) -> None:
    data = asdict(world)
    data["owners"] = {str(k): v for k, v in world.owners.items()}
    _manifest_path(directory).write_text(json.dumps(data, indent=1), encoding="utf-8")


def _load(directory: Path) -> World:
    data = json.loads(_manifest_path(directory).read_text(encoding="utf-8"))
    data["owners"] = {int(k): v for k, v in data["owners"].items()}
    return World(**data)


def ensure_world(cache: Path, spec: WorldSpec, *, log: Any = print) -> World:
    """The cached world for `spec`, generated first when missing (or left half-written)."""
    generator = generator_version()
    directory = cache.resolve() / "worlds" / spec.key(generator)
    if _manifest_path(directory).exists():
        world = _load(directory)
        log(f"world: reusing {directory} ({world.accounts:,} accounts, {world.generator})")
        return world
    tmp = directory.with_name(directory.name + ".tmp")
    for stale in (directory, tmp):
        if stale.exists():
            shutil.rmtree(stale)
    tmp.mkdir(parents=True)
    started = time.monotonic()
    world = _generate(tmp, spec, log)
    tmp.rename(directory)
    world.generator = generator
    world.database_url = f"sqlite:///{directory / 'world.db'}"
    _save(world, directory)
    log(f"world: generated in {time.monotonic() - started:.1f} s -> {directory}")
    return world


def main() -> int:  # manual use: python -m benchmarks.world [--small]
    spec = SMALL if "--small" in sys.argv else WorldSpec()
    world = ensure_world(ROOT / ".bench", spec)
    print(json.dumps(asdict(world), indent=1, default=str)[:2000])
    return 0


if __name__ == "__main__":
    sys.exit(main())
