"""Maintains `friend_rows` and `friend_counts`: the listable friends of every (app, owner), with
their sort keys, as the friends API will serve them.

Every write that can change who is listable or how a friend looks to an owner calls one of the
`refresh_*` functions inside its own transaction, so the index is never out of step with the
data it derives from. The rules themselves are the pure ones of `domain.friends`; this module
only finds the affected entries and stores the result.

Scopes of a refresh:
- a whole world (seed load, generator): `refresh_all`;
- an account (its link, consent, Talk status or profile changed): `refresh_account`, which
  covers the account as an owner (its own list) and as a friend (in everybody's list);
- one friend-list entry (favorite, hidden, blocked, shown multi-profile): `refresh_pair`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    delete,
    func,
    insert,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.orm import Session, aliased

from talksocial.domain.collation import collation_key
from talksocial.domain.friends import (
    DisplayedProfile,
    is_listable,
    resolve_profile_for_viewer,
)
from talksocial.storage.elements import friend_element_json
from talksocial.storage.models import (
    Account,
    FriendCount,
    FriendRow,
    Friendship,
    Link,
    MultiProfile,
)

_CHUNK = 500


def _candidate_rows(conn: Connection, where: ColumnElement[bool]) -> Iterable[dict[str, Any]]:
    """Friend-list entries whose owner and friend are linked to the same app, with what the
    rules need, for the entries matching `where`."""
    owner_link = aliased(Link)
    friend_link = aliased(Link)
    reverse = aliased(Friendship)
    stmt = (
        select(
            owner_link.app_id,
            Friendship.owner_id,
            Friendship.friend_id,
            Friendship.favorite,
            Friendship.hidden,
            Friendship.blocked,
            friend_link.user_id,
            friend_link.uuid,
            friend_link.scopes,
            Account.talk_user,
            Account.nickname,
            Account.profile_image_url,
            Account.thumbnail_url,
            MultiProfile.id.label("mp_id"),
            MultiProfile.nickname.label("mp_nickname"),
            MultiProfile.profile_image_url.label("mp_profile_image_url"),
            MultiProfile.thumbnail_url.label("mp_thumbnail_url"),
        )
        .select_from(Friendship)
        .join(owner_link, owner_link.account_id == Friendship.owner_id)
        .join(
            friend_link,
            and_(
                friend_link.account_id == Friendship.friend_id,
                friend_link.app_id == owner_link.app_id,
            ),
        )
        .join(Account, Account.id == Friendship.friend_id)
        .outerjoin(
            reverse,
            and_(reverse.owner_id == Friendship.friend_id, reverse.friend_id == Friendship.owner_id),
        )
        .outerjoin(MultiProfile, MultiProfile.id == reverse.shown_profile_id)
        .where(where)
    )
    for row in conn.execute(stmt).mappings():
        yield dict(row)


def _rows_to_insert(candidates: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    keys: dict[str, tuple[bytes, bytes]] = {}
    out: list[dict[str, Any]] = []
    for c in candidates:
        scopes = json.loads(c["scopes"]) if c["scopes"] else []
        if not is_listable(
            hidden=bool(c["hidden"]),
            blocked=bool(c["blocked"]),
            friend_linked=True,
            friend_scopes=scopes,
            friend_talk_user=bool(c["talk_user"]),
        ):
            continue
        default = DisplayedProfile(c["nickname"], c["profile_image_url"], c["thumbnail_url"])
        assigned = (
            DisplayedProfile(c["mp_nickname"], c["mp_profile_image_url"], c["mp_thumbnail_url"])
            if c["mp_id"] is not None
            else None
        )
        shown = resolve_profile_for_viewer(default, assigned)
        sort_keys = keys.get(shown.nickname)
        if sort_keys is None:
            sort_keys = (collation_key(shown.nickname, "ko"), collation_key(shown.nickname, "en"))
            keys[shown.nickname] = sort_keys
        out.append(
            {
                "app_id": c["app_id"],
                "owner_id": c["owner_id"],
                "friend_id": c["friend_id"],
                "user_id": c["user_id"],
                "uuid": c["uuid"],
                "nickname": shown.nickname,
                "thumbnail_url": shown.thumbnail_url,
                "favorite": 1 if c["favorite"] else 0,
                "ko_key": sort_keys[0],
                "en_key": sort_keys[1],
                "element": friend_element_json(
                    c["user_id"], c["uuid"], shown.nickname, shown.thumbnail_url,
                    1 if c["favorite"] else 0,
                ),
            }
        )
    return out


def _insert_rows(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    for start in range(0, len(rows), 5000):
        conn.execute(insert(FriendRow), list(rows[start : start + 5000]))


def _recount(conn: Connection, owners: set[tuple[int, int]] | None) -> None:
    """Recomputes the stored counts of the given (app, owner) pairs (all when None)."""
    count_select = select(
        FriendRow.app_id,
        FriendRow.owner_id,
        func.count().label("total_count"),
        func.coalesce(func.sum(FriendRow.favorite), 0).label("favorite_count"),
    ).group_by(FriendRow.app_id, FriendRow.owner_id)
    if owners is None:
        conn.execute(delete(FriendCount))
        conn.execute(
            insert(FriendCount).from_select(
                ["app_id", "owner_id", "total_count", "favorite_count"], count_select
            )
        )
        return
    pairs = sorted(owners)
    for start in range(0, len(pairs), _CHUNK):
        chunk = pairs[start : start + _CHUNK]
        by_owner = or_(
            *(and_(FriendCount.app_id == a, FriendCount.owner_id == o) for a, o in chunk)
        )
        conn.execute(delete(FriendCount).where(by_owner))
        rows_of = or_(*(and_(FriendRow.app_id == a, FriendRow.owner_id == o) for a, o in chunk))
        conn.execute(
            insert(FriendCount).from_select(
                ["app_id", "owner_id", "total_count", "favorite_count"],
                count_select.where(rows_of),
            )
        )


def rank_positions(rows: Sequence[tuple[bytes, bytes, int, int]]) -> list[tuple[int, ...]]:
    """For the rows of ONE (app, owner) list, given as (ko_key, en_key, user_id, favorite):
    each row's (ko_rank, en_rank, fav_ko_rank, fav_en_rank), as `_rerank` stores them. For
    writers that build rows in bulk (`storage.generate`)."""
    out = [[0, 0, 0, 0] for _ in rows]
    for column, key in ((0, 0), (1, 1)):
        order = sorted(range(len(rows)), key=lambda i: (rows[i][key], rows[i][2]))
        block_rank = {0: 0, 1: 0}
        for rank, i in enumerate(order):
            out[i][column] = rank
            fav = 1 if rows[i][3] else 0
            out[i][column + 2] = block_rank[fav]
            block_rank[fav] += 1
    return [tuple(r) for r in out]


def _rank_select(where: ColumnElement[bool]) -> Any:
    whole = (FriendRow.app_id, FriendRow.owner_id)
    block = (FriendRow.app_id, FriendRow.owner_id, FriendRow.favorite)

    def position(partition: tuple[Any, ...], key: Any) -> Any:
        return func.row_number().over(partition_by=partition, order_by=(key, FriendRow.user_id)) - 1

    return (
        select(
            FriendRow.app_id,
            FriendRow.owner_id,
            FriendRow.friend_id,
            position(whole, FriendRow.ko_key).label("ko_rank"),
            position(whole, FriendRow.en_key).label("en_rank"),
            position(block, FriendRow.ko_key).label("fav_ko_rank"),
            position(block, FriendRow.en_key).label("fav_en_rank"),
        )
        .where(where)
        .subquery("ranked")
    )


def _rerank(conn: Connection, owners: set[tuple[int, int]] | None) -> None:
    """Recomputes the ranks (models.FriendRow) of the given (app, owner) lists (all when None):
    one UPDATE per chunk of lists, writing only the rows whose position changed."""
    def run(where: ColumnElement[bool]) -> None:
        r = _rank_select(where)
        conn.execute(
            update(FriendRow)
            .where(
                FriendRow.app_id == r.c.app_id,
                FriendRow.owner_id == r.c.owner_id,
                FriendRow.friend_id == r.c.friend_id,
                or_(
                    FriendRow.ko_rank != r.c.ko_rank,
                    FriendRow.en_rank != r.c.en_rank,
                    FriendRow.fav_ko_rank != r.c.fav_ko_rank,
                    FriendRow.fav_en_rank != r.c.fav_en_rank,
                ),
            )
            .values(
                ko_rank=r.c.ko_rank,
                en_rank=r.c.en_rank,
                fav_ko_rank=r.c.fav_ko_rank,
                fav_en_rank=r.c.fav_en_rank,
            )
        )

    if owners is None:
        run(true())
        return
    pairs = sorted(owners)
    for start in range(0, len(pairs), _CHUNK):
        chunk = pairs[start : start + _CHUNK]
        run(or_(*(and_(FriendRow.app_id == a, FriendRow.owner_id == o) for a, o in chunk)))


def _analyze(conn: Connection, *tables: str) -> None:
    """PostgreSQL plans the whole-world join from table statistics; right after a bulk load
    they still describe the empty tables, and the plan it picks then is quadratic (a minute
    for 10,000 friends instead of a tenth of a second). ANALYZE sees this transaction's rows."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("ANALYZE " + ", ".join(tables))


def _refresh(
    session: Session, entries: ColumnElement[bool], rows: ColumnElement[bool] | None
) -> None:
    """Replaces the rows selected by `rows` (None: all) with those derived from the friend-list
    entries selected by `entries`, then recounts every (app, owner) touched."""
    session.flush()
    conn = session.connection()
    if rows is None:
        conn.execute(delete(FriendRow))
        _analyze(conn, "accounts", "links", "friendships", "multi_profiles")
        _insert_rows(conn, _rows_to_insert(_candidate_rows(conn, entries)))
        _recount(conn, None)
        _rerank(conn, None)
        _analyze(conn, "friend_rows", "friend_counts")
        return
    touched: set[tuple[int, int]] = {
        (r.app_id, r.owner_id)
        for r in conn.execute(select(FriendRow.app_id, FriendRow.owner_id).where(rows).distinct())
    }
    conn.execute(delete(FriendRow).where(rows))
    new_rows = _rows_to_insert(_candidate_rows(conn, entries))
    _insert_rows(conn, new_rows)
    touched.update((r["app_id"], r["owner_id"]) for r in new_rows)
    if touched:
        _recount(conn, touched)
        _rerank(conn, touched)


def refresh_all(session: Session) -> None:
    _refresh(session, true(), None)


def refresh_account(session: Session, account_id: int) -> None:
    """The account changed as a whole (link, unlink, consent, Talk status, profile, its
    multi-profiles): its own list in every app, and its entry in everybody else's."""
    _refresh(
        session,
        or_(Friendship.owner_id == account_id, Friendship.friend_id == account_id),
        or_(FriendRow.owner_id == account_id, FriendRow.friend_id == account_id),
    )


def refresh_pair(session: Session, owner_id: int, friend_id: int) -> None:
    """One friend-list entry changed (or was added or removed). The entry decides whether the
    friend is listed for the owner; its shown multi-profile decides how the owner looks to the
    friend, so both directions are refreshed."""
    _refresh(
        session,
        or_(
            and_(Friendship.owner_id == owner_id, Friendship.friend_id == friend_id),
            and_(Friendship.owner_id == friend_id, Friendship.friend_id == owner_id),
        ),
        or_(
            and_(FriendRow.owner_id == owner_id, FriendRow.friend_id == friend_id),
            and_(FriendRow.owner_id == friend_id, FriendRow.friend_id == owner_id),
        ),
    )

