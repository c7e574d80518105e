"""The control plane: fault rules, quota limits and usage, the request journal.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fault_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("endpoint", sa.String(length=400), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("code", sa.Integer(), nullable=True),
        sa.Column("koe_code", sa.String(length=32), nullable=True),
        sa.Column("oauth_error", sa.String(length=100), nullable=True),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("msg", sa.Text(), nullable=True),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("remaining", sa.Integer(), nullable=True),
        sa.Column("app_id", sa.BigInteger(), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["app_id"], ["apps.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "quota_limits",
        sa.Column("app_id", sa.BigInteger(), nullable=False),
        sa.Column("api", sa.String(length=100), nullable=False),
        sa.Column("daily_limit", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["app_id"], ["apps.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("app_id", "api"),
    )
    op.create_table(
        "quota_usage",
        sa.Column("app_id", sa.BigInteger(), nullable=False),
        sa.Column("api", sa.String(length=100), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("app_id", "api", "day"),
    )
    op.create_table(
        "journal_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("app_id", sa.BigInteger(), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=True),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.Column("fault_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_journal_entries_at", "journal_entries", ["at"])


def downgrade() -> None:
    op.drop_index("ix_journal_entries_at", table_name="journal_entries")
    op.drop_table("journal_entries")
    op.drop_table("quota_usage")
    op.drop_table("quota_limits")
    op.drop_table("fault_rules")
