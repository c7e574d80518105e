"""The benchmark's world: generated once, cached under `.bench/worlds/<key>/` (git-ignored), keyed
by the generator's version and parameters, and reused by every later `make bench`.

The world is written by `talksocial generate` when the installed talksocial has it, else by the
small bulk generator below (raw inserts after the real Alembic migrations, then the real
`friend_index.refresh_all`, so the rows the server reads are the ones production derives).
Access tokens are issued afresh for every run through `storage.world.issue_access_token`, the
code behind `talksocial token issue`, so a cached world never serves expired tokens.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import sqlite3
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

FALLBACK_VERSION = "bench-fallback-2"
APP_ID = 424242
ADMIN_KEY = "bench-admin-key-0123456789abcdef"
SCOPES = ["profile_nickname", "profile_image", "friends"]
CONSENT_ITEMS = {"profile_nickname": "required", "profile_image": "optional", "friends": "optional"}
#: Every FAVORITE_EVERY-th friend of an owner is a favorite.
FAVORITE_EVERY = 50
#: Every MULTI_PROFILE_EVERY-th of the first profile targets shows the viewer a multi-profile.
MULTI_PROFILE_EVERY = 10


@dataclass(frozen=True)
class WorldSpec:
    """`friends`: a pool of accounts every owner's friends come from; `owners`: the number of
    listable friends of each hub owner (at most `friends`). `targets`: how many user ids the
    profiles-by-user-list request names (friends of the middle owner, who is the viewer)."""

    friends: int = 100_000
    owners: tuple[int, ...] = (100, 10_000, 100_000)
    targets: int = 100
    seed: int = 6

    def key(self, generator: str) -> str:
        raw = json.dumps({"generator": generator, **asdict(self)}, sort_keys=True)
        return hashlib.sha256(raw.encode()).hexdigest()[:16]


SMALL = WorldSpec(friends=1_000, owners=(100, 300, 1_000))


@dataclass
class World:
    """What the benchmark needs to address a generated world."""

    database_url: str
    generator: str
    app_id: int
    admin_key: str
    #: listable friends -> the owner's account key and user id
    owners: dict[int, dict[str, Any]]
    #: user ids named by the profiles request, and the viewer
    target_user_ids: list[int]
    viewer_user_id: int
    accounts: int
    #: listable friends -> a fresh access token (issued by `issue_tokens`)
    tokens: dict[int, str] = field(default_factory=dict)


def _nickname(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.6:
        return "".join(chr(0xAC00 + rng.randrange(11172)) for _ in range(rng.randint(2, 4)))
    if kind < 0.9:
        first = rng.choice(["Ryan", "Apeach", "Muzi", "Frodo", "Neo", "Tube", "Jay-G", "Con",
                            "Choonsik", "Scappy", "Jordy", "Lion", "Angmond", "Kero", "Bero"])
        return f"{first} {rng.choice('ABCDEFGHIJKLMNOPQRSTUVWXYZ')}{rng.randrange(1000)}"
    return f"{rng.randrange(100)}{rng.choice(['★', '-', '_', 'さくら', 'Иван'])}{rng.randrange(10**4)}"


def _image(rng: random.Random, size: str) -> str:
    return f"https://k.kakaocdn.net/dn/{rng.getrandbits(48):012x}/img_{size}.jpg"


def generate_fallback(path: Path, spec: WorldSpec) -> World:
    """Writes the world into a new SQLite file at `path`."""
    from talksocial.storage import friend_index
    from talksocial.storage.db import make_engine, make_sessionmaker, transaction, upgrade

    url = f"sqlite:///{path}"
    upgrade(url)
    rng = random.Random(spec.seed)
    n_owners = len(spec.owners)
    total = n_owners + spec.friends
    user_ids = rng.sample(range(10**9, 10**9 + 2**40), total)
    owner_ids = list(range(1, n_owners + 1))
    accounts: list[tuple[Any, ...]] = []
    links: list[tuple[Any, ...]] = []
    for account_id in range(1, total + 1):
        is_owner = account_id <= n_owners
        key = f"owner-{spec.owners[account_id - 1]}" if is_owner else f"friend-{account_id}"
        nickname = f"Owner {spec.owners[account_id - 1]}" if is_owner else _nickname(rng)
        has_image = rng.random() < 0.9
        accounts.append((
            account_id, key, 1, nickname,
            _image(rng, "640x640") if has_image else None,
            _image(rng, "110x110") if has_image else None,
            0, account_id,
        ))
        links.append((
            APP_ID, account_id, user_ids[account_id - 1], f"{rng.getrandbits(128):032x}",
            json.dumps(SCOPES), 0.0, account_id,
        ))
    first_friend = n_owners + 1
    friendships: list[tuple[Any, ...]] = []
    for owner_id, size in zip(owner_ids, spec.owners, strict=True):
        for j in range(min(size, spec.friends)):
            friendships.append(
                (owner_id, first_friend + j, 1 if j % FAVORITE_EVERY == 0 else 0, 0, 0, None, j)
            )
    viewer_index = len(spec.owners) // 2  # the middle owner views the profiles
    viewer_id = owner_ids[viewer_index]
    targets = list(range(first_friend, first_friend + spec.targets))
    multi_profiles: list[tuple[Any, ...]] = []
    for i, friend_id in enumerate(targets):
        if i % MULTI_PROFILE_EVERY == 0:
            mp_id = len(multi_profiles) + 1
            multi_profiles.append((
                mp_id, friend_id, "work", f"{accounts[friend_id - 1][3]} (work)",
                _image(rng, "640x640"), _image(rng, "110x110"), 0,
            ))
            friendships.append((friend_id, viewer_id, 0, 0, 0, mp_id, 0))

    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA synchronous=OFF")
        with con:
            con.execute(
                "INSERT INTO apps (id, name, rest_api_key, rest_api_key_sha256, admin_key, "
                "admin_key_sha256, client_secret, redirect_uris, consent_items) "
                "VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?)",
                (
                    APP_ID, "bench", "bench-rest-api-key",
                    hashlib.sha256(b"bench-rest-api-key").hexdigest(),
                    ADMIN_KEY, hashlib.sha256(ADMIN_KEY.encode()).hexdigest(),
                    json.dumps(["http://localhost:3000/callback"]), json.dumps(CONSENT_ITEMS),
                ),
            )
            con.executemany(
                "INSERT INTO accounts (id, key, talk_user, nickname, profile_image_url, "
                "thumbnail_url, has_account_profile, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                accounts,
            )
            con.executemany(
                "INSERT INTO links (app_id, account_id, user_id, uuid, scopes, connected_at, "
                "position) VALUES (?, ?, ?, ?, ?, ?, ?)",
                links,
            )
            con.executemany(
                "INSERT INTO multi_profiles (id, account_id, key, nickname, profile_image_url, "
                "thumbnail_url, position) VALUES (?, ?, ?, ?, ?, ?, ?)",
                multi_profiles,
            )
            con.executemany(
                "INSERT INTO friendships (owner_id, friend_id, favorite, hidden, blocked, "
                "shown_profile_id, position) VALUES (?, ?, ?, ?, ?, ?, ?)",
                friendships,
            )
    finally:
        con.close()

    engine = make_engine(url)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            friend_index.refresh_all(session)
    finally:
        engine.dispose()
    return World(
        database_url=url,
        generator=FALLBACK_VERSION,
        app_id=APP_ID,
        admin_key=ADMIN_KEY,
        owners={
            size: {"account_key": f"owner-{size}", "user_id": user_ids[owner_id - 1]}
            for owner_id, size in zip(owner_ids, spec.owners, strict=True)
        },
        target_user_ids=[user_ids[t - 1] for t in targets],
        viewer_user_id=user_ids[viewer_id - 1],
        accounts=total,
    )


def _manifest_path(directory: Path) -> Path:
    return directory / "world.json"


def _save(world: World, directory: Path) -> None:
    data = asdict(world)
    data.pop("tokens")
    data["owners"] = {str(k): v for k, v in world.owners.items()}
    _manifest_path(directory).write_text(json.dumps(data, indent=1), encoding="utf-8")


def _load(directory: Path) -> World:
    data = json.loads(_manifest_path(directory).read_text(encoding="utf-8"))
    data["owners"] = {int(k): v for k, v in data["owners"].items()}
    return World(**data)


def ensure_world(cache: Path, spec: WorldSpec, *, log: Any = print) -> World:
    """The cached world for `spec`, generated first when missing (or left half-written)."""
    generator = FALLBACK_VERSION
    directory = cache.resolve() / "worlds" / spec.key(generator)
    if _manifest_path(directory).exists():
        world = _load(directory)
        log(f"world: reusing {directory} ({world.accounts:,} accounts, {world.generator})")
        return world
    if directory.exists():
        shutil.rmtree(directory)
    tmp = directory.with_name(directory.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    started = time.monotonic()
    log(f"world: generating {spec} with {generator} ...")
    world = generate_fallback(tmp / "world.db", spec)
    _checkpoint(tmp / "world.db")
    tmp.rename(directory)
    world.database_url = f"sqlite:///{directory / 'world.db'}"
    _save(world, directory)
    log(f"world: generated in {time.monotonic() - started:.1f} s -> {directory}")
    return world


def _checkpoint(path: Path) -> None:
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.execute("ANALYZE")
    finally:
        con.close()


def issue_tokens(world: World) -> None:
    """A fresh access token per owner, through the code of `talksocial token issue`."""
    from talksocial.storage.db import make_engine, make_sessionmaker, transaction, upgrade
    from talksocial.storage.world import issue_access_token

    upgrade(world.database_url)
    engine = make_engine(world.database_url)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            for size, owner in world.owners.items():
                world.tokens[size] = issue_access_token(
                    session, app_id=world.app_id, account_key=owner["account_key"]
                )
    finally:
        engine.dispose()


def main() -> int:  # pragma: no cover - manual use
    spec = SMALL if "--small" in sys.argv else WorldSpec()
    world = ensure_world(Path(".bench"), spec)
    print(json.dumps(asdict(world), indent=1, default=str))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
