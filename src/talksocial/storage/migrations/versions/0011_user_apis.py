"""The user APIs: an app's declared user properties and unlink callback, a link's properties,
the per-minute rate counters (/v1/user/ids) and the unlink callback's deliveries

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 10:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("apps") as batch:
        batch.add_column(
            sa.Column("user_properties", sa.Text(), nullable=False, server_default="[]")
        )
        batch.add_column(sa.Column("unlink_callback_url", sa.Text(), nullable=True))
        batch.add_column(
            sa.Column("unlink_callback_method", sa.String(8), nullable=False,
                      server_default="GET")
        )
    with op.batch_alter_table("links") as batch:
        batch.add_column(sa.Column("properties", sa.Text(), nullable=False, server_default="{}"))
    op.create_table(
        "rate_counters",
        sa.Column("app_id", sa.BigInteger(), nullable=False),
        sa.Column("api", sa.String(100), nullable=False),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("app_id", "api", "window_start"),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("referrer_type", sa.String(40), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("method", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("response_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_webhook_deliveries_app", "webhook_deliveries", ["app_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_webhook_deliveries_app", table_name="webhook_deliveries")
    op.drop_table("webhook_deliveries")
    op.drop_table("rate_counters")
    with op.batch_alter_table("links") as batch:
        batch.drop_column("properties")
    with op.batch_alter_table("apps") as batch:
        batch.drop_column("unlink_callback_method")
        batch.drop_column("unlink_callback_url")
        batch.drop_column("user_properties")
