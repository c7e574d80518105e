"""data version (PostgreSQL): one counter that every committed write moves

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 13:20:00.000000

A worker keeps the answers of the hot reads (storage.reads.ReadStore) for as long as the
database has not changed since it read them. SQLite says so itself (`PRAGMA data_version`);
PostgreSQL has no such counter, so this migration makes one: a one-row table `data_version`
and, on every other table, a statement-level trigger that moves it once per writing
transaction. The move is part of the writing transaction, so a reader sees the new number
exactly when it can see the write. Writes already take turns (one advisory lock, storage.db),
so the row adds no waiting. Every table a later migration creates must get the same trigger
(the statement of `add_data_version_trigger` below); tests/storage/test_data_version.py checks
that no table lacks it.
On SQLite this migration does nothing.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

FUNCTION = "talksocial_data_changed"
TRIGGER = "talksocial_data_changed"
#: The tables that never carry the trigger: the counter itself and Alembic's bookkeeping.
UNTRIGGERED = ("data_version", "alembic_version")


def add_data_version_trigger(table: str) -> None:
    """The trigger on `table` (PostgreSQL only); for the migrations that create tables."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f'CREATE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "{table}" '
        f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
    )


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.create_table(
        "data_version",
        sa.Column("id", sa.SmallInteger(), primary_key=True),
        sa.Column("n", sa.BigInteger(), nullable=False),
        # The transaction that last moved `n`: the others of its statements leave it be.
        sa.Column("xid", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("id = 1", name="ck_data_version_one_row"),
    )
    op.execute("INSERT INTO data_version (id, n) VALUES (1, 1)")
    op.execute(
        f"""
        CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE data_version SET n = n + 1, xid = txid_current()
            WHERE id = 1 AND xid IS DISTINCT FROM txid_current();
            RETURN NULL;
        END
        $$
        """
    )
    tables = bind.execute(
        sa.text(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
            "ORDER BY tablename"
        )
    ).scalars()
    for table in tables:
        if table not in UNTRIGGERED:
            add_data_version_trigger(table)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    tables = bind.execute(
        sa.text(
            "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname = :name"
        ),
        {"name": TRIGGER},
    ).scalars()
    for table in list(tables):
        op.execute(f'DROP TRIGGER {TRIGGER} ON "{table}"')
    op.execute(f"DROP FUNCTION {FUNCTION}()")
    op.drop_table("data_version")
