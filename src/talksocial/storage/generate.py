"""`talksocial generate`: a large, realistic world written straight into an empty database.

What a generated world holds (shares are per account or per friend-list entry):

- apps (`--apps K`, ids 900001..): app 1 uses `profile_nickname` (required) and optional
  `profile_image`, `friends`, `talk_message`, `account_email`; app 2 the legacy `profile` item;
  app 3 requires `friends`; further apps repeat the three kinds;
- accounts `u0000001`..: nicknames mixing Hangul, Latin, digits, kana, kanji, emoji and other
  scripts in the shares of `_NICKNAME_KINDS`; 3% not Kakao Talk users; 12% without profile
  images; 40% with a Kakao Account profile and e-mail; no passwords (tokens come from the
  manifest or `talksocial token issue`);
- friend lists of `--friends-per-account M` entries, 60% drawn from a neighbourhood of the
  account (circles of friends) and 40% from everyone; 4% favorites, 1.5% hidden, 0.5% blocked;
- 8% of accounts with 1-3 multi-profiles, each shown to a few of their friends;
- links: app 1 links 93% of the accounts, other apps 55%, each with an app-scoped `user_id` and
  `uuid` (unique per app) and the required items plus each optional item with its own
  probability (`friends` 88%), so some friends are unlinked, some did not agree to `friends`;
- the friend index (`friend_rows`, `friend_counts`) exactly as `friend_index.refresh_all`
  derives it, computed here in the same pass (tests/storage/test_generate.py compares them);
- "owners" for load tests: `--hub-owners 100,10000` makes accounts with exactly that many
  listable friends in app 1 (plus a few unlisted entries), `--token-owners R` picks R ordinary
  accounts; all are Talk users linked to every app with every item agreed, and each gets an
  access token per app, listed in the manifest (`--manifest FILE`, format below).

Everything follows from `--seed-random`: the same seed gives the same rows, ids, keys and
tokens, so the same export. Generated tokens therefore are as secret as the seed: a generated
world is a test fixture. They expire at 2100-01-01 so that a cached world stays usable.

Speed: rows are produced in Python in one streaming pass over the owners and written in large
batches (PostgreSQL: COPY through psycopg; SQLite: driver-level executemany), inside one
transaction (a run killed half-way leaves the database empty). The secondary indexes of the
big tables are dropped first and rebuilt from their exact stored definitions at the end.

Manifest (JSON, `format` = "talksocial-generate-manifest/1")::

    {"format": ..., "seed": S, "accounts": N, "friends_per_account": M,
     "app_id": <first app>, "admin_key": ..., "rest_api_key": ...,
     "apps": [{"id", "name", "rest_api_key", "admin_key", "client_secret", "consent_items"}],
     "owners": [{"role": "hub" | "regular", "hub_friends": F | null, "account_key",
                 "account_id", "app_id", "user_id", "uuid", "access_token",
                 "total_count", "favorite_count"}],          # one per owner and app
     "counts": {table: rows}, "elapsed_seconds": T}
"""

from __future__ import annotations

import base64
import json
import random
import sys
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, text

from talksocial.domain.collation import collation_key
from talksocial.domain.consent import ALL_SCOPES, FRIENDS, required_items
from talksocial.domain.friends import DisplayedProfile, is_listable, resolve_profile_for_viewer
from talksocial.domain.secrets import sha256_hex
from talksocial.storage.elements import friend_element_json
from talksocial.storage.friend_index import rank_positions
from talksocial.storage.ids import new_user_id, new_uuid

MANIFEST_FORMAT = "talksocial-generate-manifest/1"
FIRST_APP_ID = 900001
#: When the generated links were made and the tokens issued (2025-01-01T00:00:00Z).
GENERATED_AT = 1735689600.0
#: Generated tokens stay valid for a cached world (2100-01-01T00:00:00Z).
TOKEN_EXPIRES_AT = 4102444800.0

_TALK_USER = 0.97
_WITH_IMAGE = 0.88
_ACCOUNT_PROFILE = 0.40
_FAVORITE = 0.04
_HIDDEN = 0.015
_BLOCKED = 0.005
_NEIGHBOURHOOD = 0.60
_NEIGHBOURHOOD_WIDTH = 500
_MULTI_PROFILE = 0.08
_HUB_EXTRA = 0.02  # unlisted entries added to a hub's list, per listable friend

_APP_KINDS: list[tuple[dict[str, str], dict[str, float]]] = [
    (
        {
            "profile_nickname": "required",
            "profile_image": "optional",
            "friends": "optional",
            "talk_message": "optional",
            "account_email": "optional",
        },
        {"profile_image": 0.90, "friends": 0.88, "talk_message": 0.70, "account_email": 0.60},
    ),
    (
        {"profile": "required", "friends": "optional", "talk_message": "optional"},
        {"friends": 0.80, "talk_message": 0.50},
    ),
    (
        {"profile_nickname": "required", "profile_image": "required", "friends": "required"},
        {},
    ),
]
_LINKED = (0.93, 0.55)  # the first app, the others

# --- nicknames --------------------------------------------------------------------------------

_SURNAMES = (
    "김김김김이이이박박최정강조윤장임한오서신권황안송류전홍고문양손배백허유남심노하곽성차주우구"
    "민진나지엄채원천방공현함변염여추도소석선설마길연위표명기반왕금옥육인맹제모탁국어은편용"
)
_GIVEN = "민서준지현우예하도윤수연은진유주아승시태건재영성희혜원정다채소나경동상호석훈빈율린온별솔찬규혁한람결"
_HANGUL_SUFFIXES = (
    " (회사)", " 엄마", " 아빠", "님", " 팀장", " 선배", "이", "❤", " 💼", "♡", " 2", "ㅋㅋ",
)
_LATIN_FIRST = (
    "Minjun", "Seoyeon", "Jisoo", "Alex", "Chris", "Jenny", "Daniel", "Sophia", "Kevin", "Grace",
    "Ryan", "Emma", "Olivia", "Lucas", "Noah", "Mia", "Hannah", "David", "Sarah", "James",
    "Yuna", "Hyun", "Joon", "Leo", "Luna", "Ella", "Max", "Zoë", "Jay", "Sam", "José", "Renée",
    "Björn", "Chloé", "amy", "KEVIN", "jin",
)
_LATIN_LAST = (
    "Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Jang", "Lim", "Smith",
    "Brown", "Tanaka", "Garcia", "Nguyen", "Müller", "Østergaard", "O'Neil",
)
_KANA = (
    "さくら", "ゆい", "はると", "そうた", "ひなた", "あおい", "ユキ", "ハナ", "レン", "ソラ", "ミユ",
    "ゆうと", "りん", "かいと", "ﾊﾙ", "ことね", "ケンタ", "しょう", "メイ", "つばさ",
)
_KANJI = ("金敏俊", "李瑞妍", "朴志勳", "山田太郎", "佐藤", "田中花子", "王伟", "李娜", "陳美玲", "鈴木")
_EMOJI = (
    "🌸", "🐶", "🐱", "☕", "💕", "✨", "🍀", "🌙", "⭐", "🔥", "😊", "🎵", "🏀", "⚽", "🌈",
    "👍", "🐻", "🍓", "👨‍👩‍👧", "🇰🇷", "❤️", "🐥", "🍜",
)
_SPECIAL = (
    "(주)한빛소프트", "★{h}★", "_{l}_", "1004 천사", "2학년 3반 {h}", "#회사 {h}", "~{h}~",
    "010 {h}", "@{l}", "[동창] {h}", "…{h}", "123", "-{l}-", "!{h}",
)
_OTHER_SCRIPTS = ("Анна", "Иван", "สมชาย", "Νίκος", "محمد", "אביב", "Nguyễn Văn An", "नेहा")

# (share in percent, kind); the shares add up to 100.
_NICKNAME_KINDS: tuple[tuple[int, str], ...] = (
    (48, "hangul"),
    (10, "hangul+suffix"),
    (12, "latin"),
    (6, "hangul+latin"),
    (9, "emoji"),
    (5, "kana"),
    (2, "kanji"),
    (4, "special"),
    (2, "other"),
    (2, "unusual"),
)
_KIND_TABLE = [kind for share, kind in _NICKNAME_KINDS for _ in range(share)]


def _hangul_name(rng: random.Random) -> str:
    given = rng.choice(_GIVEN) + rng.choice(_GIVEN)
    if rng.random() < 0.12:
        return given  # given name only
    if rng.random() < 0.08:
        return rng.choice(_SURNAMES) + rng.choice(_GIVEN)  # two syllables
    return rng.choice(_SURNAMES) + given


def _latin_name(rng: random.Random) -> str:
    first = rng.choice(_LATIN_FIRST)
    roll = rng.random()
    if roll < 0.45:
        return f"{first} {rng.choice(_LATIN_LAST)}"
    if roll < 0.65:
        return f"{first.lower()}_{rng.randint(70, 99)}"
    if roll < 0.75:
        return first.upper()
    return first


def nickname(rng: random.Random) -> str:
    """One nickname, its kind drawn with the shares of `_NICKNAME_KINDS`."""
    kind = _KIND_TABLE[rng.randrange(100)]
    if kind == "hangul":
        return _hangul_name(rng)
    if kind == "hangul+suffix":
        name = _hangul_name(rng)
        if rng.random() < 0.4:
            return f"{name}{rng.randint(1, 99)}"
        return name + rng.choice(_HANGUL_SUFFIXES)
    if kind == "latin":
        return _latin_name(rng)
    if kind == "hangul+latin":
        if rng.random() < 0.5:
            return f"{_hangul_name(rng)} {rng.choice(_LATIN_LAST)}"
        return f"{rng.choice(_LATIN_FIRST)} {rng.choice(_GIVEN)}{rng.choice(_GIVEN)}"
    if kind == "emoji":
        emoji = rng.choice(_EMOJI)
        roll = rng.random()
        if roll < 0.1:
            return emoji * rng.randint(1, 3)
        base = _hangul_name(rng) if roll < 0.7 else _latin_name(rng)
        return f"{emoji} {base}" if rng.random() < 0.5 else base + emoji
    if kind == "kana":
        return rng.choice(_KANA) + (rng.choice(_KANA) if rng.random() < 0.2 else "")
    if kind == "kanji":
        return rng.choice(_KANJI)
    if kind == "special":
        return rng.choice(_SPECIAL).format(h=_hangul_name(rng), l=_latin_name(rng).lower())
    if kind == "other":
        return rng.choice(_OTHER_SCRIPTS)
    # unusual spellings: decomposed Hangul, full-width Latin, digits only, one character
    roll = rng.random()
    if roll < 0.4:
        return unicodedata.normalize("NFD", _hangul_name(rng))
    if roll < 0.7:
        return unicodedata.normalize("NFKC", _latin_name(rng)).upper().translate(_FULL_WIDTH)
    if roll < 0.85:
        return str(rng.randint(0, 99999))
    return rng.choice(_GIVEN)


_FULL_WIDTH = {c: c + 0xFEE0 for c in range(0x21, 0x7F)}


# --- the plan ---------------------------------------------------------------------------------


class GenerateError(ValueError):
    """Options that cannot make a world, or a database that is not empty."""


@dataclass(frozen=True)
class GenerateOptions:
    accounts: int
    friends_per_account: int
    apps: int = 1
    seed: int = 1
    hub_owners: tuple[int, ...] = ()
    token_owners: int = 3
    progress: bool = True
    batch_rows: int = 50_000


@dataclass
class _App:
    id: int
    name: str
    rest_api_key: str
    admin_key: str
    client_secret: str
    items: dict[str, str]
    optional_shares: dict[str, float]


@dataclass
class _MultiProfile:
    id: int
    account: int  # index
    key: str
    nickname: str
    profile_image_url: str | None
    thumbnail_url: str | None
    position: int


# (friend index, favorite, hidden, blocked)
_Entry = tuple[int, bool, bool, bool]


@dataclass
class _Plan:
    options: GenerateOptions
    apps: list[_App]
    nicknames: list[str] = field(default_factory=list)
    images: list[tuple[str | None, str | None]] = field(default_factory=list)
    talk_user: list[bool] = field(default_factory=list)
    # per app: user_id, uuid, scopes JSON, agreed to `friends`; None when not linked
    user_ids: list[list[int | None]] = field(default_factory=list)
    uuids: list[list[str | None]] = field(default_factory=list)
    scopes: list[list[str | None]] = field(default_factory=list)
    friends_ok: list[bytearray] = field(default_factory=list)
    multi_profiles: list[_MultiProfile] = field(default_factory=list)
    shown: dict[tuple[int, int], _MultiProfile] = field(default_factory=dict)  # (owner, friend)
    hubs: dict[int, int] = field(default_factory=dict)  # account index -> listable friends
    regular_owners: list[int] = field(default_factory=list)
    entries_cache: dict[int, list[_Entry]] = field(default_factory=dict)

    def key(self, index: int) -> str:
        return f"u{index + 1:07d}"

    def listable_as_friend(self, friend: int, app: int) -> bool:
        """Listed in any list of app `app` that has not hidden or blocked the friend."""
        return bool(self.friends_ok[app][friend]) and self.talk_user[friend]


def _rng(seed: int, *parts: object) -> random.Random:
    # A string seed is hashed with SHA-512: stable across runs and PYTHONHASHSEED.
    return random.Random("/".join([str(seed), *map(str, parts)]))


def _token_text(rng: random.Random, nbytes: int) -> str:
    return base64.urlsafe_b64encode(rng.getrandbits(nbytes * 8).to_bytes(nbytes, "big")).decode(
        "ascii"
    ).rstrip("=")


def _plan(options: GenerateOptions) -> _Plan:
    n, m = options.accounts, options.friends_per_account
    if n < 2:
        raise GenerateError("--accounts must be at least 2")
    if m < 0 or m > n - 1:
        raise GenerateError(f"--friends-per-account must be between 0 and {n - 1}")
    if options.apps < 1:
        raise GenerateError("--apps must be at least 1")
    if any(h < 1 for h in options.hub_owners):
        raise GenerateError("--hub-owners sizes must be positive")
    special = len(options.hub_owners) + options.token_owners
    if special > n:
        raise GenerateError("more hub and token owners than accounts")

    rng = _rng(options.seed, "world")
    apps: list[_App] = []
    for a in range(options.apps):
        items, shares = _APP_KINDS[a % len(_APP_KINDS)]
        apps.append(
            _App(
                id=FIRST_APP_ID + a,
                name=f"Generated App {a + 1}",
                rest_api_key=f"{rng.getrandbits(128):032x}",
                admin_key=f"{rng.getrandbits(128):032x}",
                client_secret=_token_text(rng, 24),
                items=dict(items),
                optional_shares=dict(shares),
            )
        )
    plan = _Plan(options, apps)
    for i, size in enumerate(options.hub_owners):
        plan.hubs[i] = size
    plan.regular_owners = list(range(len(options.hub_owners), special))

    for i in range(n):
        plan.nicknames.append(nickname(rng))
        plan.talk_user.append(i < special or rng.random() < _TALK_USER)
        if rng.random() < _WITH_IMAGE:
            base = f"https://img.talksocial.test/profile/{plan.key(i)}"
            plan.images.append((f"{base}_640x640.jpg", f"{base}_110x110.jpg"))
        else:
            plan.images.append((None, None))

    for a, app in enumerate(apps):
        link_rng = _rng(options.seed, "links", app.id)
        share = _LINKED[0] if a == 0 else _LINKED[1]
        ids: list[int | None] = []
        uuids: list[str | None] = []
        scopes: list[str | None] = []
        ok = bytearray(n)
        taken_ids: set[int] = set()
        taken_uuids: set[str] = set()
        required = required_items(app.items)
        for i in range(n):
            if i >= special and link_rng.random() >= share:
                ids.append(None)
                uuids.append(None)
                scopes.append(None)
                continue
            # The ids every writer draws (`storage.ids`), from the seeded bits: reproducible.
            user_id = new_user_id(taken_ids.__contains__, link_rng.getrandbits)
            taken_ids.add(user_id)
            uuid = new_uuid(taken_uuids.__contains__, link_rng.getrandbits)
            taken_uuids.add(uuid)
            agreed = list(required)
            for item in ALL_SCOPES:
                if app.items.get(item) == "optional" and (
                    i < special or link_rng.random() < app.optional_shares.get(item, 0.5)
                ):
                    agreed.append(item)
            ids.append(user_id)
            uuids.append(uuid)
            scopes.append(json.dumps(agreed))
            ok[i] = FRIENDS in agreed
        plan.user_ids.append(ids)
        plan.uuids.append(uuids)
        plan.scopes.append(scopes)
        plan.friends_ok.append(ok)

    # Hubs need enough listable accounts in the first app.
    if plan.hubs:
        pool = sum(1 for i in range(n) if plan.listable_as_friend(i, 0))
        for size in options.hub_owners:
            if size > pool - 1:
                share = pool / n
                raise GenerateError(
                    f"a hub owner with {size} listable friends needs {size} listable accounts "
                    f"besides itself; this world has {pool} ({share:.0%} of the accounts are "
                    f"listable in app {FIRST_APP_ID}): use --accounts {int(size / share * 1.02) + 2}"
                    " or more"
                )

    mp_rng = _rng(options.seed, "multi-profiles")
    next_id = 1
    for i in range(special, n):
        if mp_rng.random() >= _MULTI_PROFILE:
            continue
        entries = friend_entries(plan, i)
        plan.entries_cache[i] = entries
        free = [e[0] for e in entries]
        count = 1 if mp_rng.random() < 0.7 else (2 if mp_rng.random() < 0.67 else 3)
        for position in range(count):
            roll = mp_rng.random()
            base = plan.nicknames[i]
            if roll < 0.4:
                mp_nickname = base + mp_rng.choice((" (회사)", " 🏢", "_work", " 업무용"))
            elif roll < 0.8:
                mp_nickname = nickname(mp_rng)
            else:
                mp_nickname = mp_rng.choice(_KANA + _EMOJI + _LATIN_FIRST)
            if mp_rng.random() < 0.5:
                image = f"https://img.talksocial.test/multi/{plan.key(i)}-{position + 1}"
                urls: tuple[str | None, str | None] = (f"{image}_640x640.jpg", f"{image}_110x110.jpg")
            else:
                urls = (None, None)
            mp = _MultiProfile(next_id, i, f"mp{position + 1}", mp_nickname, *urls, position)
            next_id += 1
            plan.multi_profiles.append(mp)
            for _ in range(mp_rng.randint(1, 8)):
                if not free:
                    break
                target = free.pop(mp_rng.randrange(len(free)))
                plan.shown[(i, target)] = mp
    return plan


def friend_entries(plan: _Plan, owner: int) -> list[_Entry]:
    """The owner's friend list, a function of (seed, owner) alone so that it can be recomputed
    anywhere in the pass."""
    cached = plan.entries_cache.get(owner)
    if cached is not None:
        return cached
    options = plan.options
    n = options.accounts
    rng = _rng(options.seed, "friends", owner)
    hub = plan.hubs.get(owner)
    if hub is not None:
        listable = [i for i in range(n) if i != owner and plan.listable_as_friend(i, 0)]
        others = [i for i in range(n) if i != owner and not plan.listable_as_friend(i, 0)]
        chosen = rng.sample(listable, hub)
        extra = rng.sample(others, min(len(others), max(1, int(hub * _HUB_EXTRA))))
        entries = [(f, rng.random() < 0.02, False, False) for f in chosen]
        entries += [(f, False, False, False) for f in extra]
        rng.shuffle(entries)
        return entries
    seen = {owner}
    friends: list[int] = []
    m = options.friends_per_account
    width = 2 * _NEIGHBOURHOOD_WIDTH + 1
    draw = rng.random
    while len(friends) < m:
        # random() alone: randint/randrange cost several times more per call.
        if draw() < _NEIGHBOURHOOD:
            candidate = (owner - _NEIGHBOURHOOD_WIDTH + int(draw() * width)) % n
        else:
            candidate = int(draw() * n)
        if candidate not in seen:
            seen.add(candidate)
            friends.append(candidate)
    out: list[_Entry] = []
    hidden_to = _FAVORITE + _HIDDEN
    blocked_to = hidden_to + _BLOCKED
    for f in friends:
        roll = draw()
        out.append((f, roll < _FAVORITE, _FAVORITE <= roll < hidden_to,
                    hidden_to <= roll < blocked_to))
    return out


# --- writing ----------------------------------------------------------------------------------

_BIG_TABLES = ("friendships", "friend_rows", "links", "multi_profiles", "friend_counts")


class _Writer:
    """Bulk rows into one open transaction: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.postgres = conn.dialect.name == "postgresql"
        self.counts: dict[str, int] = {}
        self.phases: dict[str, float] = {}
        self._lap = time.perf_counter()

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        self.phases[phase] = round(now - self._lap, 3)
        self._lap = now

    def foreign_keys(self) -> list[tuple[str, str, str]]:
        """(table, name, definition) of the foreign keys of the big tables on PostgreSQL, where
        checking each row costs more than one validating join at the end. (SQLite's are
        switched off for the load instead: it cannot add a constraint to a table.)"""
        if not self.postgres:
            return []
        rows = self.conn.execute(
            text(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                "FROM pg_constraint WHERE contype = 'f' AND connamespace = "
                "current_schema()::regnamespace AND conrelid::regclass::text = ANY(:tables)"
            ),
            {"tables": list(_BIG_TABLES)},
        )
        return sorted((str(t), str(n), str(d)) for t, n, d in rows)

    def write(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        self.counts[table] = self.counts.get(table, 0) + len(rows)
        names = ", ".join(columns)
        if self.postgres:
            raw: Any = self.conn.connection.driver_connection
            with raw.cursor() as cursor, cursor.copy(
                f"COPY {table} ({names}) FROM STDIN"
            ) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in columns)
            self.conn.exec_driver_sql(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)

    def secondary_indexes(self) -> list[tuple[str, str]]:
        """(name, CREATE statement) of the plain indexes of the big tables, as stored."""
        if self.postgres:
            rows = self.conn.execute(
                text(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = "
                    "current_schema() AND tablename = ANY(:tables) AND indexname NOT IN "
                    "(SELECT conname FROM pg_constraint)"
                ),
                {"tables": list(_BIG_TABLES)},
            )
        else:
            rows = self.conn.execute(
                text(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT "
                    f"NULL AND tbl_name IN ({', '.join(repr(t) for t in _BIG_TABLES)})"
                )
            )
        return sorted((str(name), str(sql)) for name, sql in rows)

    def finish(self, with_serials: Sequence[str]) -> None:
        if self.postgres:
            for table in with_serials:
                self.conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )


def _empty(conn: Connection) -> bool:
    return all(
        conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() == 0
        for table in ("apps", "accounts", "links", "tokens")
    )


class _Progress:
    def __init__(self, enabled: bool, total: int) -> None:
        self.bar: Any = None
        if enabled:
            from tqdm import tqdm

            self.bar = tqdm(
                total=total, unit=" accounts", desc="friend lists", file=sys.stderr,
                unit_scale=True, smoothing=0.1, mininterval=0.5,
            )

    def update(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def note(self, message: str) -> None:
        if self.bar is not None:
            self.bar.set_postfix_str(message)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _say(options: GenerateOptions, message: str) -> None:
    if options.progress:
        print(message, file=sys.stderr, flush=True)


def generate_world(
    engine: Engine, options: GenerateOptions, *, clock: Callable[[], float] = time.perf_counter
) -> dict[str, Any]:
    """Builds the world into the (migrated, empty) database behind `engine`; returns the
    manifest. Raises GenerateError before writing anything when it cannot."""
    started = clock()
    _say(options, "planning accounts, links and multi-profiles ...")
    plan = _plan(options)
    planned = clock()
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            # Checked by construction (and by the tests); per-row checks would double the time.
            # A PRAGMA inside a transaction is ignored, so this runs before BEGIN.
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        try:
            with conn.begin():
                manifest_owners, counts, phases = _generate_in(conn, plan)
                committing = clock()
        finally:
            if sqlite:
                conn.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]
    _say(options, "done")
    elapsed = clock() - started
    first = plan.apps[0]
    return {
        "format": MANIFEST_FORMAT,
        "seed": options.seed,
        "accounts": options.accounts,
        "friends_per_account": options.friends_per_account,
        "app_id": first.id,
        "admin_key": first.admin_key,
        "rest_api_key": first.rest_api_key,
        "apps": [
            {
                "id": app.id,
                "name": app.name,
                "rest_api_key": app.rest_api_key,
                "admin_key": app.admin_key,
                "client_secret": app.client_secret,
                "consent_items": app.items,
            }
            for app in plan.apps
        ],
        "owners": manifest_owners,
        "counts": counts,
        "elapsed_seconds": round(elapsed, 3),
        "phases": {
            "plan": round(planned - started, 3),
            **phases,
            "commit": round(clock() - committing, 3),
        },
    }


def _generate_in(
    conn: Connection, plan: _Plan
) -> tuple[list[dict[str, Any]], dict[str, int], dict[str, float]]:
    options = plan.options
    if not _empty(conn):
        raise GenerateError(
            "the database already holds a world: generate writes into an empty database"
        )
    writer = _Writer(conn)
    if not writer.postgres:
        conn.exec_driver_sql("PRAGMA cache_size=-200000")
    indexes = writer.secondary_indexes()
    foreign_keys = writer.foreign_keys()
    for table, name, _definition in foreign_keys:
        conn.exec_driver_sql(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _sql in indexes:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    owners = _write_world(writer, plan)
    writer.lap("rows")
    _say(options, f"rebuilding {len(indexes)} indexes ...")
    for _name, sql in indexes:
        conn.exec_driver_sql(sql)
    writer.lap("indexes")
    if foreign_keys:
        _say(options, f"restoring {len(foreign_keys)} foreign keys ...")
    for table, name, definition in foreign_keys:
        conn.exec_driver_sql(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    writer.finish(("accounts", "multi_profiles", "tokens"))
    if writer.postgres:
        for table in _BIG_TABLES + ("accounts", "tokens"):
            conn.exec_driver_sql(f"ANALYZE {table}")
    writer.lap("constraints")
    _say(options, "committing ...")
    return owners, dict(sorted(writer.counts.items())), writer.phases


def _write_world(writer: _Writer, plan: _Plan) -> list[dict[str, Any]]:
    options = plan.options
    n = options.accounts
    # The JavaScript and native app keys follow from the REST API key (no draw of the random
    # stream, so the rest of a seed's world stays as it was before apps had them).
    writer.write(
        "apps",
        ("id", "name", "rest_api_key", "rest_api_key_sha256", "admin_key", "admin_key_sha256",
         "javascript_key", "javascript_key_sha256", "native_app_key", "native_app_key_sha256",
         "client_secret", "redirect_uris", "consent_items"),
        [
            (app.id, app.name, app.rest_api_key, sha256_hex(app.rest_api_key), app.admin_key,
             sha256_hex(app.admin_key), js_key, sha256_hex(js_key), native_key,
             sha256_hex(native_key), app.client_secret,
             json.dumps(["http://localhost:3000/oauth/callback"]), json.dumps(app.items))
            for app in plan.apps
            for js_key, native_key in [(sha256_hex("javascript:" + app.rest_api_key)[:32],
                                        sha256_hex("native:" + app.rest_api_key)[:32])]
        ],
    )
    acct_rng = _rng(options.seed, "account-profiles")
    rows: list[tuple[Any, ...]] = []
    for i in range(n):
        image, thumb = plan.images[i]
        has_account = acct_rng.random() < _ACCOUNT_PROFILE
        key = plan.key(i)
        rows.append(
            (i + 1, key, plan.talk_user[i], plan.nicknames[i], image, thumb, has_account,
             plan.nicknames[i] if has_account else None, image if has_account else None,
             thumb if has_account else None, f"{key}@example.test" if has_account else None,
             None, i)
        )
        if len(rows) >= options.batch_rows:
            _write_accounts(writer, rows)
            rows = []
    _write_accounts(writer, rows)
    writer.write(
        "multi_profiles",
        ("id", "account_id", "key", "nickname", "profile_image_url", "thumbnail_url", "position"),
        [
            (mp.id, mp.account + 1, mp.key, mp.nickname, mp.profile_image_url, mp.thumbnail_url,
             mp.position)
            for mp in plan.multi_profiles
        ],
    )
    for a, app in enumerate(plan.apps):
        link_rows: list[tuple[Any, ...]] = []
        position = 0
        for i in range(n):
            user_id = plan.user_ids[a][i]
            if user_id is None:
                continue
            link_rows.append(
                (app.id, i + 1, user_id, plan.uuids[a][i], plan.scopes[a][i],
                 GENERATED_AT + i, position)
            )
            position += 1
            if len(link_rows) >= options.batch_rows:
                _write_links(writer, link_rows)
                link_rows = []
        _write_links(writer, link_rows)

    owners = _write_tokens(writer, plan)
    by_owner = {(o["app_id"], o["account_id"]): o for o in owners}
    for app_id, account_id, total, favorites in _write_friends(writer, plan):
        owner = by_owner.get((app_id, account_id))
        if owner is not None:
            owner["total_count"], owner["favorite_count"] = total, favorites
    return owners


def _write_accounts(writer: _Writer, rows: list[tuple[Any, ...]]) -> None:
    writer.write(
        "accounts",
        ("id", "key", "talk_user", "nickname", "profile_image_url", "thumbnail_url",
         "has_account_profile", "account_nickname", "account_profile_image_url",
         "account_thumbnail_url", "email", "password_hash", "position"),
        rows,
    )


def _write_links(writer: _Writer, rows: list[tuple[Any, ...]]) -> None:
    writer.write(
        "links",
        ("app_id", "account_id", "user_id", "uuid", "scopes", "connected_at", "position"),
        rows,
    )


def _write_tokens(writer: _Writer, plan: _Plan) -> list[dict[str, Any]]:
    token_rng = _rng(plan.options.seed, "tokens")
    owners: list[dict[str, Any]] = []
    rows: list[tuple[Any, ...]] = []
    special = list(plan.hubs) + plan.regular_owners
    for i in special:
        for a, app in enumerate(plan.apps):
            token = "gen-" + _token_text(token_rng, 32)
            rows.append(
                (len(rows) + 1, sha256_hex(token), "access", app.id, i + 1, TOKEN_EXPIRES_AT,
                 GENERATED_AT, None, None, None, "[]", True, len(rows))
            )
            owners.append(
                {
                    "role": "hub" if i in plan.hubs else "regular",
                    "hub_friends": plan.hubs.get(i),
                    "account_key": plan.key(i),
                    "account_id": i + 1,
                    "app_id": app.id,
                    "user_id": plan.user_ids[a][i],
                    "uuid": plan.uuids[a][i],
                    "access_token": token,
                    "total_count": 0,
                    "favorite_count": 0,
                }
            )
    writer.write(
        "tokens",
        ("id", "token_sha256", "kind", "app_id", "account_id", "expires_at", "issued_at",
         "refresh_token_id", "auth_code_id", "auth_time", "scopes", "seeded", "position"),
        rows,
    )
    return owners


_FRIENDSHIP_COLUMNS = (
    "owner_id", "friend_id", "favorite", "hidden", "blocked", "shown_profile_id", "position",
)
_FRIEND_ROW_COLUMNS = (
    "app_id", "owner_id", "friend_id", "user_id", "uuid", "nickname", "thumbnail_url",
    "favorite", "ko_key", "en_key", "element", "ko_rank", "en_rank", "fav_ko_rank",
    "fav_en_rank",
)


def _write_friends(writer: _Writer, plan: _Plan) -> list[tuple[int, int, int, int]]:
    """One pass over the owners: their friend-list entries and, per app, the listable ones as
    `friend_index` derives them (same rules, same profile resolution, same sort keys). Returns
    the (app, owner, total, favorites) counts it wrote."""
    options = plan.options
    n = options.accounts
    keys: dict[str, tuple[bytes, bytes]] = {}
    progress = _Progress(options.progress, n)
    entries_out: list[tuple[Any, ...]] = []
    rows_out: list[tuple[Any, ...]] = []
    app_ids = [app.id for app in plan.apps]
    self_counts: list[tuple[int, int, int, int]] = []

    def sort_keys(name: str) -> tuple[bytes, bytes]:
        found = keys.get(name)
        if found is None:
            found = keys[name] = (collation_key(name, "ko"), collation_key(name, "en"))
        return found

    # Per app, per friend: what a list row of that friend holds under the default profile, or
    # None when the friend is listed in no list of the app (the friend's half of the rule;
    # the entry's half, hidden or blocked, is applied per entry below).
    bases: list[list[tuple[Any, ...] | None]] = []
    for a in range(len(app_ids)):
        user_ids, uuids, ok = plan.user_ids[a], plan.uuids[a], plan.friends_ok[a]
        app_bases: list[tuple[Any, ...] | None] = []
        for friend in range(n):
            if not is_listable(
                hidden=False,
                blocked=False,
                friend_linked=user_ids[friend] is not None,
                friend_scopes=(FRIENDS,) if ok[friend] else (),
                friend_talk_user=plan.talk_user[friend],
            ):
                app_bases.append(None)
                continue
            name = plan.nicknames[friend]
            app_bases.append(
                (friend + 1, user_ids[friend], uuids[friend], name, plan.images[friend][1],
                 *sort_keys(name))
            )
        bases.append(app_bases)
    shows = {owner for owner, _friend in plan.shown}  # accounts showing someone a multi-profile
    shown_map = plan.shown
    done = 0
    for owner in range(n):
        entries = friend_entries(plan, owner)
        plan.entries_cache.pop(owner, None)
        owner_id = owner + 1
        owner_shows = owner in shows
        for position, (friend, favorite, hidden, blocked) in enumerate(entries):
            mp = shown_map.get((owner, friend)) if owner_shows else None
            entries_out.append(
                (owner_id, friend + 1, favorite, hidden, blocked, mp.id if mp else None, position)
            )
        for a, app_id in enumerate(app_ids):
            if plan.user_ids[a][owner] is None:
                continue  # the owner is not linked: no list in this app
            app_bases = bases[a]
            total = favorites = 0
            first_row = len(rows_out)
            for friend, favorite, hidden, blocked in entries:
                if hidden or blocked:
                    continue
                base = app_bases[friend]
                if base is None:
                    continue
                assigned = shown_map.get((friend, owner)) if friend in shows else None
                if assigned is None:
                    rows_out.append(
                        (app_id, owner_id, base[0], base[1], base[2], base[3], base[4],
                         1 if favorite else 0, base[5], base[6])
                    )
                else:
                    image, thumb = plan.images[friend]
                    shown = resolve_profile_for_viewer(
                        DisplayedProfile(plan.nicknames[friend], image, thumb),
                        DisplayedProfile(assigned.nickname, assigned.profile_image_url,
                                         assigned.thumbnail_url),
                    )
                    rows_out.append(
                        (app_id, owner_id, base[0], base[1], base[2], shown.nickname,
                         shown.thumbnail_url, 1 if favorite else 0, *sort_keys(shown.nickname))
                    )
                total += 1
                favorites += 1 if favorite else 0
            if total:
                self_counts.append((app_id, owner_id, total, favorites))
                # the rows' positions in the list, as friend_index._rerank stores them
                group = rows_out[first_row:]
                ranks = rank_positions([(r[8], r[9], r[3], r[7]) for r in group])
                # ... and each row's element of the friends page, as friend_index stores it
                rows_out[first_row:] = [
                    (*r, friend_element_json(r[3], r[4], r[5], r[6], r[7]), *k)
                    for r, k in zip(group, ranks, strict=True)
                ]
        done += 1
        if len(entries_out) >= options.batch_rows or len(rows_out) >= options.batch_rows:
            writer.write("friendships", _FRIENDSHIP_COLUMNS, entries_out)
            writer.write("friend_rows", _FRIEND_ROW_COLUMNS, rows_out)
            entries_out, rows_out = [], []
            progress.update(done)
            done = 0
    writer.write("friendships", _FRIENDSHIP_COLUMNS, entries_out)
    writer.write("friend_rows", _FRIEND_ROW_COLUMNS, rows_out)
    progress.update(done)
    progress.close()
    plan.entries_cache.clear()
    for start in range(0, len(self_counts), options.batch_rows):
        writer.write(
            "friend_counts",
            ("app_id", "owner_id", "total_count", "favorite_count"),
            self_counts[start : start + options.batch_rows],
        )
    return self_counts
