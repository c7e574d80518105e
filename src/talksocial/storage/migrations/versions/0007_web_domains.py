"""apps: web_domains, the origins of an app's web pages (CORS, the Message API's scrap)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 09:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("apps") as batch:
        batch.add_column(
            sa.Column("web_domains", sa.Text(), nullable=False, server_default="[]")
        )


def downgrade() -> None:
    with op.batch_alter_table("apps") as batch:
        batch.drop_column("web_domains")
