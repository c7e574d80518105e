"""friend elements: each friend row keeps its element of the friends page as JSON

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 10:00:00.000000

The page is then the stored elements joined (`friends_page_json` of the API's wire module): the page query
returns one column instead of five, and no element is built or serialised per request. On
SQLite the rank indexes of 0004 now carry `element` after the rank, so a page is still read from
the index alone; on PostgreSQL they stay narrow.
"""

from __future__ import annotations

from typing import Any

import orjson
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_OLD_PAYLOAD = ["user_id", "uuid", "nickname", "thumbnail_url"]


def _sqlite_indexes(payload: list[str], trailing_favorite: bool) -> list[tuple[str, list[str]]]:
    fav = ["favorite"] if trailing_favorite else []
    return [
        ("ix_friend_rows_ko_rank", ["app_id", "owner_id", "ko_rank", *payload, *fav]),
        ("ix_friend_rows_en_rank", ["app_id", "owner_id", "en_rank", *payload, *fav]),
        ("ix_friend_rows_fav_ko_rank", ["app_id", "owner_id", "favorite", "fav_ko_rank", *payload]),
        ("ix_friend_rows_fav_en_rank", ["app_id", "owner_id", "favorite", "fav_en_rank", *payload]),
    ]


# A frozen copy of the element encoding as it was when this migration was written
# (`storage.elements.friend_element_json`): a migration must write what it wrote then, whatever
# the live code becomes, so it imports nothing of talksocial.
def friend_element_json(
    user_id: int, uuid: str, nickname: str, thumbnail_url: str | None, favorite: int
) -> bytes:
    element: dict[str, Any] = {"profile_nickname": nickname}
    if thumbnail_url is not None:
        element["profile_thumbnail_image"] = thumbnail_url
    element["id"] = user_id
    element["uuid"] = uuid
    element["favorite"] = bool(favorite)
    return orjson.dumps(element)


def upgrade() -> None:
    bind = op.get_bind()
    op.add_column("friend_rows", sa.Column("element", sa.LargeBinary(), nullable=True))
    rows = bind.execute(
        sa.text(
            "SELECT app_id, owner_id, friend_id, user_id, uuid, nickname, thumbnail_url, "
            "favorite FROM friend_rows"
        )
    ).all()
    update = sa.text(
        "UPDATE friend_rows SET element = :element "
        "WHERE app_id = :a AND owner_id = :o AND friend_id = :f"
    )
    for start in range(0, len(rows), 5000):
        bind.execute(
            update,
            [
                {"element": friend_element_json(r[3], r[4], r[5], r[6], r[7]),
                 "a": r[0], "o": r[1], "f": r[2]}
                for r in rows[start : start + 5000]
            ],
        )
    if bind.dialect.name == "sqlite":
        for name, _ in _sqlite_indexes(_OLD_PAYLOAD, True):
            op.drop_index(name, table_name="friend_rows")
        for name, columns in _sqlite_indexes(["element"], False):
            op.create_index(name, "friend_rows", columns, unique=False)
    else:
        op.alter_column("friend_rows", "element", nullable=False)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for name, _ in _sqlite_indexes(["element"], False):
            op.drop_index(name, table_name="friend_rows")
        for name, columns in _sqlite_indexes(_OLD_PAYLOAD, True):
            op.create_index(name, "friend_rows", columns, unique=False)
    with op.batch_alter_table("friend_rows") as batch_op:
        batch_op.drop_column("element")
