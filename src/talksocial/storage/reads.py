"""The hot read paths: token lookup, a friends page, profiles by user list.

These run plain SQL on one long-lived DBAPI connection per worker, called directly from the event
loop: on this hardware a hop to a thread pool or through the ORM cost several times the query
itself (notes/performance.md). Each method is a handful of indexed lookups; the friends page is
one range scan of `friend_rows` with the counts read from `friend_counts`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import Engine

from talksocial.domain.collation import Lang
from talksocial.domain.friends import PageQuery, Slice

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


@lru_cache(maxsize=16)
def _page_sql(lang: Lang, desc: bool, favorite: int | None, qmark: bool) -> str:
    """The page query of one slice: the whole list (`favorite` None, friend_order=nickname) or
    one favorite block, ascending or descending, by ko or en order."""
    key = "ko" if lang == "ko" else "en"
    if favorite is None:
        rank, block, size = f"{key}_rank", "", "total_count"
    else:
        rank, block = f"fav_{key}_rank", "AND favorite = ?"
        size = "favorite_count" if favorite else "total_count - favorite_count"
    if desc:
        n = f"(SELECT {size} FROM friend_counts WHERE app_id = ? AND owner_id = ?)"
        bounds, direction = f"{rank} >= {n} - ? AND {rank} <= {n} - 1 - ?", "DESC"
    else:
        bounds, direction = f"{rank} >= ? AND {rank} < ?", "ASC"
    sql = (
        "SELECT element FROM friend_rows "
        f"WHERE app_id = ? AND owner_id = ? {block} AND {bounds} ORDER BY {rank} {direction}"
    )
    return sql if qmark else sql.replace("?", "%s")


class ReadStore:
    """Read queries on one DBAPI connection. Not shared between threads or processes."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._conn: Any = None
        self._qmark = engine.dialect.paramstyle == "qmark"
        self._snapshot = False

    def _connection(self) -> Any:
        if self._conn is None:
            self._conn = self._engine.raw_connection()
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _discard(self) -> None:
        """Drops a connection that failed: invalidated, not returned to the pool (its reset
        would fail on a connection the database closed)."""
        if self._conn is not None:
            self._conn.invalidate()
            self._conn = None

    def _sql(self, sql: str) -> str:
        return sql if self._qmark else sql.replace("?", "%s")

    def _fetch(self, sql: str, params: Sequence[Any]) -> list[Any]:
        return self._fetch_translated(self._sql(sql), params)

    def _fetch_sql(self, sql: str, params: Sequence[Any]) -> list[Any]:
        """`_fetch` for SQL already in the driver's paramstyle."""
        return self._fetch(sql, params) if self._qmark else self._fetch_translated(sql, params)

    def _fetch_translated(self, sql: str, params: Sequence[Any]) -> list[Any]:
        try:
            return self._fetch_once(sql, params)
        except Exception as exc:
            # A connection the database closed (a restart, a failover, an administrator) is
            # replaced once, outside a snapshot; any other error is the caller's.
            operational = self._engine.dialect.loaded_dbapi.OperationalError
            if self._snapshot or not isinstance(exc, operational):
                raise
            return self._fetch_once(sql, params)

    def _fetch_once(self, sql: str, params: Sequence[Any]) -> list[Any]:
        conn = self._connection()
        try:
            cursor = conn.cursor()
            cursor.execute(sql, tuple(params))
            rows: list[Any] = cursor.fetchall()
            cursor.close()
        except Exception:
            # A broken connection is dropped and the next call opens a new one.
            self._discard()
            raise
        if not self._qmark and not self._snapshot:
            conn.rollback()  # end the implicit transaction psycopg opened
        return rows

    def _begin(self, statement: str) -> None:
        conn = self._connection()
        try:
            cursor = conn.cursor()
            cursor.execute(statement)
            cursor.close()
        except Exception:
            self._discard()
            raise

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """The reads inside see one state of the database, so that a page agrees with the
        counts it was planned from while writers commit (PostgreSQL: one REPEATABLE READ
        transaction; SQLite: one read transaction, a WAL snapshot). Nested: the outer one."""
        if self._snapshot:
            yield
            return
        begin = "BEGIN" if self._qmark else "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"
        try:
            self._begin(begin)
        except self._engine.dialect.loaded_dbapi.OperationalError:
            self._begin(begin)  # once more, on a new connection (see _fetch_translated)
        self._snapshot = True
        try:
            yield
        finally:
            self._snapshot = False
            if self._conn is not None:  # (a failed read dropped it)
                try:
                    self._conn.rollback()
                except Exception:
                    self._discard()

    def clock_now(self) -> float:
        rows = self._fetch(f"SELECT {_CLOCK}", ())
        return time.time() + (float(rows[0][0]) if rows and rows[0][0] is not None else 0.0)

    def token_owner(self, token_sha256: str) -> TokenOwner | None:
        rows = self._fetch(
            f"""
            SELECT t.app_id, t.account_id, t.expires_at, {_CLOCK},
                   l.user_id, l.scopes, a.talk_user, a.nickname, a.profile_image_url,
                   a.thumbnail_url, ap.consent_items, fc.total_count, fc.favorite_count,
                   {_VERSION}
            FROM tokens t
            JOIN links l ON l.app_id = t.app_id AND l.account_id = t.account_id
            JOIN accounts a ON a.id = t.account_id
            JOIN apps ap ON ap.id = t.app_id
            LEFT JOIN friend_counts fc ON fc.app_id = t.app_id AND fc.owner_id = t.account_id
            WHERE t.token_sha256 = ? AND t.kind = 'access'
            """,
            (token_sha256,),
        )
        if not rows:
            return None
        r = rows[0]
        return TokenOwner(
            app_id=r[0],
            account_id=r[1],
            expires_at=r[2],
            now=time.time() + (float(r[3]) if r[3] is not None else 0.0),
            user_id=r[4],
            scopes=parse_json_list(r[5]),
            talk_user=bool(r[6]),
            nickname=r[7],
            profile_image_url=r[8],
            thumbnail_url=r[9],
            consent_items=parse_json_dict(r[10]),
            total_count=r[11] or 0,
            favorite_count=r[12] or 0,
            control_version=r[13],
        )

    def app_by_admin_key(self, key_sha256: str) -> AppKey | None:
        rows = self._fetch(
            f"SELECT id, consent_items, {_VERSION}, {_CLOCK} FROM apps WHERE admin_key_sha256 = ?",
            (key_sha256,),
        )
        if not rows:
            return None
        r = rows[0]
        return AppKey(
            app_id=r[0],
            consent_items=parse_json_dict(r[1]),
            control_version=r[2],
            now=time.time() + (float(r[3]) if r[3] is not None else 0.0),
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

    def friends_page(
        self, app_id: int, owner_id: int, lang: Lang, query: PageQuery, slices: list[Slice]
    ) -> list[bytes]:
        """The stored JSON elements (`friend_rows.element`) of the planned slices: each slice a
        seek on a rank range (models.FriendRow), whatever the offset."""
        desc = query.order == "desc"
        out: list[bytes] = []
        for s in slices:
            sql = _page_sql(lang, desc, s.favorite, self._qmark)
            params: list[Any] = [app_id, owner_id]
            if s.favorite is not None:
                params.append(s.favorite)
            if desc:
                # descending positions [offset, offset + limit) of a block of n rows are the
                # ranks n - offset - limit .. n - 1 - offset; n is read in the same statement
                params += [app_id, owner_id, s.offset + s.limit, app_id, owner_id, s.offset]
            else:
                params += [s.offset, s.offset + s.limit]
            out.extend(r[0] for r in self._fetch_sql(sql, params))
        return out

    def linked_profiles(self, app_id: int, user_ids: Sequence[int]) -> dict[int, LinkedProfile]:
        unique = sorted(set(user_ids))
        if not unique:
            return {}
        marks = ",".join("?" * len(unique))
        rows = self._fetch(
            f"""
            SELECT a.id, l.user_id, l.scopes, a.talk_user, a.nickname, a.profile_image_url,
                   a.thumbnail_url
            FROM links l JOIN accounts a ON a.id = l.account_id
            WHERE l.app_id = ? AND l.user_id IN ({marks})
            """,
            [app_id, *unique],
        )
        return {
            r[1]: LinkedProfile(r[0], r[1], parse_json_list(r[2]), bool(r[3]), r[4], r[5], r[6])
            for r in rows
        }

    def multi_profiles_shown_to(
        self, viewer_account_id: int, target_account_ids: Sequence[int]
    ) -> dict[int, tuple[str, str | None, str | None]]:
        """For each target in the viewer's friend list (hidden or not) that assigned a
        multi-profile to the viewer: that profile's (nickname, image, thumbnail)."""
        unique = sorted(set(target_account_ids))
        if not unique:
            return {}
        marks = ",".join("?" * len(unique))
        rows = self._fetch(
            f"""
            SELECT f.friend_id, mp.nickname, mp.profile_image_url, mp.thumbnail_url
            FROM friendships f
            JOIN friendships r ON r.owner_id = f.friend_id AND r.friend_id = f.owner_id
            JOIN multi_profiles mp ON mp.id = r.shown_profile_id
            WHERE f.owner_id = ? AND f.friend_id IN ({marks})
            """,
            [viewer_account_id, *unique],
        )
        return {r[0]: (r[1], r[2], r[3]) for r in rows}
