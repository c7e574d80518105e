"""The benchmark's world: written by `talksocial generate` once, cached under
`.bench/worlds/<key>/` (git-ignored) and reused by every later `make bench`. The key hashes the
generator's version (its manifest format and the source of `storage/generate.py` and of the
friend index it reproduces) and the parameters, so a changed generator never serves an old world.

The same world in PostgreSQL is a cluster's data directory, cached beside it in
`.bench/worlds/<key>-postgresql<major>/` (`postgres_world`): generated once into a new cluster
with the same parameters, then started and stopped on every run (benchmarks/postgres.py). In
both, `world.json` is written last: a directory without it is half-written and made again.

A hub owner with 100,000 listable friends needs 100,000 listable accounts besides itself; in a
generated world about 79% of the accounts are listable (some are not Talk users, not linked or
did not agree to `friends`), so the full world has 130,000 accounts (the generator asks for at
least 128,355).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from benchmarks.postgres import Cluster

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
    #: "sqlite" or "postgresql"
    database: str = "sqlite"
    #: how long `talksocial generate` and the preparation after it took (0: not recorded)
    generate_seconds: float = 0.0

    def token(self, friends: int) -> str:
        return str(self.owners[friends]["access_token"])


def generator_version() -> str:
    from talksocial.storage import friend_index, generate

    digest = hashlib.sha256()
    for module in (generate, friend_index):
        digest.update(Path(str(module.__file__)).read_bytes())
    return f"{generate.MANIFEST_FORMAT}+{digest.hexdigest()[:12]}"


def _query(url: str, sql: str, params: dict[str, Any]) -> list[Any]:
    """Rows of one read on the world's database (SQLite or PostgreSQL)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text(sql), params))
    finally:
        engine.dispose()


def _tidy(url: str) -> None:
    """Statistics for the planner, and the files as a served world finds them: SQLite's WAL
    checkpointed; PostgreSQL's tables vacuumed (the visibility map lets the page queries read
    their index only, as they do on SQLite)."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            if url.startswith("sqlite"):
                conn.exec_driver_sql("ANALYZE")
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            else:
                conn.exec_driver_sql("VACUUM (ANALYZE)")
    finally:
        engine.dispose()


def _generate(directory: Path, spec: WorldSpec, log: Any, url: str) -> World:
    manifest_path = directory / "manifest.json"
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
    # The profiles request names friends of its viewer (so the multi-profiles they show
    # the viewer are looked up), in no particular order.
    targets = [
        int(r[0])
        for r in _query(
            url,
            "SELECT user_id FROM friend_rows WHERE app_id = :app AND owner_id = :owner "
            "ORDER BY friend_id LIMIT :n",
            {"app": app_id, "owner": hubs[middle]["account_id"], "n": spec.targets},
        )
    ]
    _tidy(url)
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
        database="sqlite" if url.startswith("sqlite") else "postgresql",
    )


def message_receivers(world: World, sender_friends: int, count: int = 5) -> list[str]:
    """`count` uuids the hub owner with `sender_friends` listable friends may message: friends
    of it whose link agreed to `talk_message` and accepts the app's messages (about 70% of a
    generated world's links agreed; docs/reference/messages.md#receivers)."""
    rows = _query(
        world.database_url,
        "SELECT fr.uuid FROM friend_rows fr JOIN links l "
        "ON l.app_id = fr.app_id AND l.account_id = fr.friend_id "
        "WHERE fr.app_id = :app AND fr.owner_id = :owner AND l.accepts_messages "
        "AND l.scopes LIKE '%\"talk_message\"%' ORDER BY fr.friend_id LIMIT :n",
        {"app": world.app_id, "owner": world.owners[sender_friends]["account_id"], "n": count},
    )
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
    tmp = _fresh_tmp(directory)
    started = time.monotonic()
    world = _generate(tmp, spec, log, f"sqlite:///{tmp / 'world.db'}")
    tmp.rename(directory)
    world.generator = generator
    world.database_url = f"sqlite:///{directory / 'world.db'}"
    world.generate_seconds = round(time.monotonic() - started, 1)
    _save(world, directory)
    log(f"world: generated in {world.generate_seconds:.1f} s -> {directory}")
    return world


def _fresh_tmp(directory: Path) -> Path:
    """An empty `<directory>.tmp` to generate into, `directory` (half-written) and any earlier
    `.tmp` removed."""
    tmp = directory.with_name(directory.name + ".tmp")
    for stale in (directory, tmp):
        if stale.exists():
            shutil.rmtree(stale)
    tmp.mkdir(parents=True)
    return tmp


def postgres_directory(cache: Path, spec: WorldSpec) -> Path:
    """`.bench/worlds/<the SQLite world's key>-postgresql<major version>/`."""
    from benchmarks import postgres

    key = spec.key(generator_version())
    return cache.resolve() / "worlds" / f"{key}-postgresql{postgres.major_version()}"


@contextlib.contextmanager
def postgres_world(cache: Path, spec: WorldSpec, *, log: Any = print
                   ) -> Iterator[tuple[World, Cluster]]:
    """The world for `spec` in a PostgreSQL cluster on loopback: the cached data directory's
    (generated first into a new cluster when missing or half-written), started for the block
    and stopped when it ends, however it ends. The world's `database_url` names the running
    cluster (its port is new each time)."""
    from benchmarks import postgres

    generator = generator_version()
    directory = postgres_directory(cache, spec)
    if _manifest_path(directory).exists():
        world = _load(directory)
        log(f"world: reusing {directory} ({world.accounts:,} accounts, PostgreSQL "
            f"{postgres.version()})")
    else:
        tmp = _fresh_tmp(directory)
        started = time.monotonic()
        postgres.initdb(tmp / "pgdata")
        with postgres.running(tmp / "pgdata", extra=postgres.GENERATE_SETTINGS) as cluster:
            world = _generate(tmp, spec, log, cluster.url)
        tmp.rename(directory)
        world.generator = generator
        world.generate_seconds = round(time.monotonic() - started, 1)
        world.database_url = ""
        _save(world, directory)
        log(f"world: generated into PostgreSQL {postgres.version()} in "
            f"{world.generate_seconds:.1f} s -> {directory}")
    with postgres.running(directory / "pgdata") as cluster:
        world.database_url = cluster.url
        yield world, cluster


def main() -> int:  # manual use: python -m benchmarks.world [--small]
    spec = SMALL if "--small" in sys.argv else WorldSpec()
    world = ensure_world(ROOT / ".bench", spec)
    print(json.dumps(asdict(world), indent=1, default=str)[:2000])
    return 0


if __name__ == "__main__":
    sys.exit(main())
