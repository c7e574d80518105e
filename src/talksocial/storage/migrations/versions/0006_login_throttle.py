"""login throttle: wrong passwords per account and per client address

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 09:45:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(300), primary_key=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.Float(), nullable=False),
        sa.Column("locked_until", sa.Float(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("login_throttle")
