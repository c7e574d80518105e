"""The hot read paths: token lookup, a friends page, profiles by user list.

These run plain SQL on one long-lived DBAPI connection per worker, called directly from the event
loop: on this hardware a hop to a thread pool or through the ORM cost several times the query
itself (notes in docs/benchmarks.md). Each answer is ONE statement: the friends page reads the
token, its caller, the stored counts and the page's elements (aggregated into one value, so the
driver hands back one row, not a hundred) together, and profiles by user list reads the targets,
the viewer and the multi-profiles shown to the viewer together. One statement sees one state of
the database on both SQLite and PostgreSQL, so no explicit read transaction is needed for a page
to agree with its counts, and on PostgreSQL each answer costs one round trip (the connection is
in autocommit: no BEGIN or ROLLBACK either).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import Engine

from talksocial.domain.collation import Lang
from talksocial.domain.friends import PageQuery

T = TypeVar("T")

_CLOCK = "(SELECT value FROM server_state WHERE key = 'clock_offset')"
# The control plane's version (storage.versions.VERSION_KEY), read with the credential so that a
# worker's cached fault rules and quota limits are checked for staleness at no extra query.
_VERSION = "(SELECT value FROM server_state WHERE key = 'control_version')"


@lru_cache(maxsize=1024)
def parse_json_list(text: str) -> tuple[str, ...]:
    return tuple(json.loads(text))


@lru_cache(maxsize=1024)
def parse_json_dict(text: str) -> dict[str, str]:
    return dict(json.loads(text))


@dataclass(frozen=True, slots=True)
class TokenOwner:
    """What a live access token says about its caller."""

    app_id: int
    account_id: int
    expires_at: float
    now: float
    user_id: int
    scopes: tuple[str, ...]
    talk_user: bool
    nickname: str
    profile_image_url: str | None
    thumbnail_url: str | None
    consent_items: dict[str, str]
    total_count: int
    favorite_count: int
    control_version: str | None = None


@dataclass(frozen=True, slots=True)
class AppKey:
    app_id: int
    consent_items: dict[str, str]
    control_version: str | None = None
    now: float = 0.0


class LinkedProfile(NamedTuple):
    """A NamedTuple, not a frozen dataclass: the profiles API builds up to 101 per request and
    a frozen dataclass's __init__ costs several times a tuple's."""

    account_id: int
    user_id: int
    scopes: tuple[str, ...]
    talk_user: bool
    nickname: str
    profile_image_url: str | None
    thumbnail_url: str | None


class ShownProfile(NamedTuple):
    """A linked user of profiles by user list, and the multi-profile (nickname, image,
    thumbnail) it shows the viewer, if any."""

    profile: LinkedProfile
    shown_to_viewer: tuple[str, str | None, str | None] | None


_TOKEN_OWNER_COLUMNS = """
    t.app_id, t.account_id, t.expires_at, l.user_id, l.scopes, a.talk_user, a.nickname,
    a.profile_image_url, a.thumbnail_url, ap.consent_items,
    COALESCE(fc.total_count, 0) AS total_count, COALESCE(fc.favorite_count, 0) AS favorite_count
"""
_TOKEN_OWNER_FROM = """
    FROM tokens t
    JOIN links l ON l.app_id = t.app_id AND l.account_id = t.account_id
    JOIN accounts a ON a.id = t.account_id
    JOIN apps ap ON ap.id = t.app_id
    LEFT JOIN friend_counts fc ON fc.app_id = t.app_id AND fc.owner_id = t.account_id
    WHERE t.token_sha256 = ? AND t.kind = 'access'
"""


def _server_now(clock_offset: Any) -> float:
    """The server clock: this machine's plus the stored offset (`_CLOCK`; none: 0)."""
    return time.time() + (float(clock_offset) if clock_offset is not None else 0.0)


def _token_owner(row: Sequence[Any]) -> TokenOwner:
    """A TokenOwner from the columns `_TOKEN_OWNER_COLUMNS`, then the clock offset and the
    control version."""
    return TokenOwner(
        app_id=row[0],
        account_id=row[1],
        expires_at=row[2],
        now=_server_now(row[12]),
        user_id=row[3],
        scopes=parse_json_list(row[4]),
        talk_user=bool(row[5]),
        nickname=row[6],
        profile_image_url=row[7],
        thumbnail_url=row[8],
        consent_items=parse_json_dict(row[9]),
        total_count=row[10],
        favorite_count=row[11],
        control_version=row[13],
    )


@dataclass(frozen=True, slots=True)
class FriendsPage:
    """A friends page as one statement reads it: the token's caller and the page's stored
    elements (`friend_rows.element`), already joined with commas in page order."""

    owner: TokenOwner
    elements: bytes


def _page_part(
    lang: Lang, desc: bool, favorite: int | None, postgresql: bool
) -> tuple[str, tuple[str, ...]]:
    """One ordered block of the page as one aggregated value: the whole list (`favorite` None,
    friend_order=nickname) or one favorite block, and the names of the values its bounds take
    (`offset`, `end` = offset + limit).

    The ranks are 0-based positions by (key, user_id) ascending within the block
    (models.FriendRow). Positions [offset, end) of the page are, per block:
    - the whole list: ranks [offset, end), or descending [n - end, n - 1 - offset];
    - the favorites (first in the page): ranks [offset, end), or descending
      [f - end, f - 1 - offset];
    - the others (after the f favorites): ranks [offset - f, end - f), or descending
      [n - end, n - 1 - offset] (their block has n - f rows).
    A block the page does not reach gives an empty range, hence NULL."""
    key = "ko" if lang == "ko" else "en"
    # PostgreSQL reads the caller's row `o` as an outer reference; SQLite, as scalar subqueries
    # of it, so that the page's FROM is `friend_rows` alone and the rank index hands the rows
    # over already in order (joined with `o`, SQLite would sort them again).
    if postgresql:
        app, owner, n, f = "o.app_id", "o.account_id", "o.total_count", "o.favorite_count"
    else:
        app, owner, n, f = (f"(SELECT {column} FROM o)" for column in (
            "app_id", "account_id", "total_count", "favorite_count"))
    if favorite is None:
        rank, block = f"r.{key}_rank", ""
        low, high, params = (f"{n} - ?", f"{n} - 1 - ?", ("end", "offset")) if desc else (
            "?", "? - 1", ("offset", "end"))
    else:
        rank, block = f"r.fav_{key}_rank", f" AND r.favorite = {favorite}"
        if favorite and desc:
            low, high, params = f"{f} - ?", f"{f} - 1 - ?", ("end", "offset")
        elif favorite:
            low, high, params = "?", "? - 1", ("offset", "end")
        elif desc:
            low, high, params = f"{n} - ?", f"{n} - 1 - ?", ("end", "offset")
        else:
            low, high, params = f"? - {f}", f"? - 1 - {f}", ("offset", "end")
    direction = "DESC" if desc else "ASC"
    where = (
        f"r.app_id = {app} AND r.owner_id = {owner}{block} "
        f"AND {rank} >= {low} AND {rank} <= {high}"
    )
    if postgresql:
        part = (
            f"(SELECT string_agg(r.element, '\\x2c'::bytea ORDER BY {rank} {direction}) "
            f"FROM friend_rows r WHERE {where})"
        )
    else:
        # SQLite before 3.44 has no ORDER BY inside an aggregate; group_concat takes the rows
        # in the order the subquery hands them over (an ordered subquery under an aggregate is
        # not flattened, so it runs as a co-routine in its own order).
        part = (
            "(SELECT CAST(group_concat(element, ',') AS BLOB) FROM "
            f"(SELECT r.element FROM friend_rows r WHERE {where} "
            f"ORDER BY {rank} {direction}))"
        )
    return part, params


@lru_cache(maxsize=16)
def _friends_page_sql(
    lang: Lang, desc: bool, by_nickname: bool, postgresql: bool
) -> tuple[str, tuple[str, ...]]:
    """The statement of one friends page and the order of its page parameters (after the
    token's hash): the token's caller with the counts, the clock offset, the control version,
    then the page's blocks (one under friend_order=nickname, the favorites and the others under
    friend_order=favorite)."""
    blocks = [None] if by_nickname else [1, 0]
    parts = [_page_part(lang, desc, b, postgresql) for b in blocks]
    sql = (
        f"WITH o AS MATERIALIZED (SELECT {_TOKEN_OWNER_COLUMNS} {_TOKEN_OWNER_FROM}) "
        f"SELECT o.*, {_CLOCK}, {_VERSION}, {', '.join(p for p, _ in parts)} FROM o"
    )
    params = tuple(name for _, names in parts for name in names)
    return (sql.replace("?", "%s") if postgresql else sql), params


#: How many answers a worker keeps at most (`ReadStore`; all are dropped when it is full).
KEPT_ANSWERS = 2048


class ReadStore:
    """Read queries on one DBAPI connection. Not shared between threads or processes.

    The answers of the hot reads (a token's caller, an admin key's app, a friends page,
    profiles by user list) are also kept by the worker, for as long as the database has not
    changed since they were read: every lookup first reads the database's change counter and a
    moved counter drops everything kept. On SQLite that is `PRAGMA data_version`, which moves
    when any other connection (another worker, another server, the CLI, this worker's own
    writes, which go through the engine's other connections) commits anything; on PostgreSQL
    the `data_version` row, which a trigger on every table moves in every writing transaction
    (migration 0012). So a revoked token, a consent change or a friend-list write is seen by
    the very next request on every worker; an expiry is checked on every answer against the
    clock. Why: under the server each SQLite call hands the interpreter lock to the server's
    own threads and back, and on PostgreSQL each statement is a round trip; either costs more
    than checking one number (measured in docs/benchmarks.md)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._conn: Any = None
        self._qmark = engine.dialect.paramstyle == "qmark"
        self._kept_version: int | None = None
        self._kept: dict[tuple[Any, ...], Any] = {}
        # SQLite counts commits by other connections itself; PostgreSQL's counter is a row
        # that every writing transaction moves (migration 0012).
        self._version_sql = (
            "PRAGMA data_version" if self._qmark else "SELECT n FROM data_version WHERE id = 1"
        )

    def _connection(self) -> Any:
        if self._conn is None:
            # data_version counts per connection: what was kept under another one is dropped.
            self._forget()
            conn = self._engine.raw_connection()
            if not self._qmark:
                # Each read is one statement: autocommit spares the BEGIN and ROLLBACK round
                # trips psycopg would add around it. (SQLite's connections are in autocommit
                # already, storage.db.)
                driver = conn.driver_connection
                assert driver is not None
                driver.autocommit = True
            self._conn = conn
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        self._forget()

    def _forget(self) -> None:
        self._kept_version = None
        self._kept.clear()

    def _forget_if_changed(self) -> None:
        """Drops what is kept if the database changed since it was read (see the class)."""
        version = self._fetch_sql(self._version_sql, ())[0][0]
        if version != self._kept_version:
            self._forget()
            self._kept_version = version

    def _kept_or_read(self, key: tuple[Any, ...], read: Callable[[], T | None]) -> T | None:
        """The answer kept under `key` while the database has not changed, else `read()`'s
        (kept in turn; "none found" is never kept)."""
        self._forget_if_changed()
        found = self._kept.get(key)
        if found is None:
            found = read()
            if found is not None:
                if len(self._kept) >= KEPT_ANSWERS:
                    self._kept.clear()
                self._kept[key] = found
        return found

    def _discard(self) -> None:
        """Drops a connection that failed: invalidated, not returned to the pool (its reset
        would fail on a connection the database closed)."""
        if self._conn is not None:
            self._conn.invalidate()
            self._conn = None

    def _sql(self, sql: str) -> str:
        return sql if self._qmark else sql.replace("?", "%s")

    def _fetch(self, sql: str, params: Sequence[Any]) -> list[Any]:
        return self._fetch_sql(self._sql(sql), params)

    def _fetch_sql(self, sql: str, params: Sequence[Any]) -> list[Any]:
        """`_fetch` for SQL already in the driver's paramstyle."""
        try:
            return self._fetch_once(sql, params)
        except Exception as exc:
            # A connection the database closed (a restart, a failover, an administrator) is
            # replaced once; any other error is the caller's.
            if not isinstance(exc, self._engine.dialect.loaded_dbapi.OperationalError):
                raise
            return self._fetch_once(sql, params)

    def _fetch_once(self, sql: str, params: Sequence[Any]) -> list[Any]:
        conn = self._connection()
        try:
            # The driver's own cursor, past the pool's wrapper: every request makes at least
            # one of these calls (the change check of the kept answers).
            cursor = conn.driver_connection.cursor()
            if self._qmark:
                cursor.execute(sql, tuple(params))
            else:
                # Binary results: a page's elements arrive as their bytes, not as hex text
                # the server encodes and the driver decodes again.
                cursor.execute(sql, tuple(params), binary=True)
            rows: list[Any] = cursor.fetchall()
            cursor.close()
        except Exception:
            # A broken connection is dropped and the next call opens a new one.
            self._discard()
            raise
        return rows

    def clock_now(self) -> float:
        rows = self._fetch(f"SELECT {_CLOCK}", ())
        return _server_now(rows[0][0] if rows else None)

    def token_owner(self, token_sha256: str) -> TokenOwner | None:
        def read() -> Any:
            rows = self._fetch(
                f"SELECT {_TOKEN_OWNER_COLUMNS}, {_CLOCK}, {_VERSION} {_TOKEN_OWNER_FROM}",
                (token_sha256,),
            )
            return rows[0] if rows else None

        row = self._kept_or_read(("owner", token_sha256), read)
        # (The caller's `now` is worked out from the clock offset at every answer, kept or not.)
        return _token_owner(row) if row is not None else None

    def friends_page(self, token_sha256: str, lang: Lang, query: PageQuery) -> FriendsPage | None:
        """The caller of an access token and its friends page, in one statement (None: no
        such access token). Whatever the offset, each block is a seek on a rank range."""
        sql, names = _friends_page_sql(
            lang, query.order == "desc", query.friend_order == "nickname", not self._qmark
        )
        bounds = {"offset": query.offset, "end": query.offset + query.limit}

        def read() -> tuple[Any, bytes] | None:
            rows = self._fetch_sql(sql, (token_sha256, *(bounds[name] for name in names)))
            if not rows:
                return None
            parts = [bytes(p) for p in rows[0][14:] if p]
            return rows[0][:14], b",".join(parts)

        found = self._kept_or_read(("page", token_sha256, lang, query), read)
        if found is None:
            return None
        row, elements = found
        return FriendsPage(_token_owner(row), elements)

    def app_by_admin_key(self, key_sha256: str) -> AppKey | None:
        def read() -> Any:
            rows = self._fetch(
                f"SELECT id, consent_items, {_VERSION}, {_CLOCK} FROM apps "
                "WHERE admin_key_sha256 = ?",
                (key_sha256,),
            )
            return rows[0] if rows else None

        r = self._kept_or_read(("app", key_sha256), read)
        if r is None:
            return None
        return AppKey(
            app_id=r[0],
            consent_items=parse_json_dict(r[1]),
            control_version=r[2],
            now=_server_now(r[3]),
        )

    def app_id_by_rest_api_key(self, key_sha256: str) -> int | None:
        """The app a login-server request names by its `client_id` (fault rules scoped to
        an app on /oauth/*): its REST API, JavaScript or native app key."""
        rows = self._fetch(
            "SELECT id FROM apps WHERE rest_api_key_sha256 = ? OR javascript_key_sha256 = ? "
            "OR native_app_key_sha256 = ?",
            (key_sha256, key_sha256, key_sha256),
        )
        return int(rows[0][0]) if rows else None

    def app_web_domains(self, app_id: int) -> tuple[str, ...]:
        """The origins an app registered (CORS of an actual answer)."""
        rows = self._fetch("SELECT web_domains FROM apps WHERE id = ?", (app_id,))
        return parse_json_list(rows[0][0]) if rows else ()

    def all_web_domains(self) -> set[str]:
        """Every origin any app registered (CORS of a preflight, which has no credential)."""
        rows = self._fetch("SELECT web_domains FROM apps WHERE web_domains != '[]'", ())
        return {origin for (text,) in rows for origin in parse_json_list(text)}

    def control_version(self) -> str | None:
        """The control plane's version alone (for endpoints without a credential lookup)."""
        rows = self._fetch(f"SELECT {_VERSION}", ())
        return rows[0][0] if rows else None

    def profiles(
        self, app_id: int, user_ids: Sequence[int], viewer_id: int | None
    ) -> dict[int, ShownProfile]:
        """The users of `user_ids` linked to the app, by user id, each with the multi-profile
        it shows the viewer (`viewer_id`, a user id of the same app): the one it assigned to
        the viewer, when the viewer has it in their friend list (hidden or not). One statement:
        the targets, the viewer and the multi-profiles together, whatever their number."""
        unique = tuple(sorted(set(user_ids)))
        if not unique:
            return {}
        found = self._kept_or_read(
            ("profiles", app_id, unique, viewer_id),
            lambda: self._read_profiles(app_id, unique, viewer_id),
        )
        return found if found is not None else {}

    def _read_profiles(
        self, app_id: int, unique: tuple[int, ...], viewer_id: int | None
    ) -> dict[int, ShownProfile]:
        marks = ",".join("?" * len(unique))
        rows = self._fetch(
            f"""
            SELECT a.id, l.user_id, l.scopes, a.talk_user, a.nickname, a.profile_image_url,
                   a.thumbnail_url, mp.id, mp.nickname, mp.profile_image_url, mp.thumbnail_url
            FROM links l
            JOIN accounts a ON a.id = l.account_id
            LEFT JOIN friendships r
              ON r.owner_id = a.id
             AND r.friend_id = (SELECT v.account_id FROM links v
                                WHERE v.app_id = ? AND v.user_id = ?)
             AND r.shown_profile_id IS NOT NULL
             AND EXISTS (SELECT 1 FROM friendships f
                         WHERE f.owner_id = r.friend_id AND f.friend_id = a.id)
            LEFT JOIN multi_profiles mp ON mp.id = r.shown_profile_id
            WHERE l.app_id = ? AND l.user_id IN ({marks})
            """,
            [app_id, viewer_id, app_id, *unique],
        )
        return {
            r[1]: ShownProfile(
                LinkedProfile(r[0], r[1], parse_json_list(r[2]), bool(r[3]), r[4], r[5], r[6]),
                (r[8], r[9], r[10]) if r[7] is not None else None,
            )
            for r in rows
        }
