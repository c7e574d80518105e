"""messages: the Talk Message API's inbox, custom templates, per-app limits, accepts_messages

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("apps") as batch:
        batch.add_column(
            sa.Column("message_limits", sa.Text(), nullable=False, server_default="{}")
        )
    with op.batch_alter_table("links") as batch:
        batch.add_column(
            sa.Column("accepts_messages", sa.Boolean(), nullable=False,
                      server_default=sa.true())
        )
    op.create_table(
        "message_templates",
        sa.Column("app_id", sa.BigInteger(), sa.ForeignKey("apps.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("template_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("template_object", sa.Text(), nullable=False),
    )
    op.create_table(
        "messages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("app_id", sa.BigInteger(), sa.ForeignKey("apps.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("sender_id", sa.Integer(), sa.ForeignKey("accounts.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("receiver_id", sa.Integer(),
                  sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("endpoint", sa.String(100), nullable=False),
        sa.Column("template_object", sa.Text(), nullable=False),
        sa.Column("sent_at", sa.Float(), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
    )
    op.create_index("ix_messages_app_day", "messages", ["app_id", "day"])
    op.create_index("ix_messages_sender_day", "messages", ["app_id", "sender_id", "day"])
    op.create_index("ix_messages_receiver_day", "messages", ["app_id", "receiver_id", "day"])
    op.create_index("ix_messages_sender", "messages", ["sender_id"])
    op.create_index("ix_messages_receiver", "messages", ["receiver_id"])


def downgrade() -> None:
    op.drop_table("messages")
    op.drop_table("message_templates")
    with op.batch_alter_table("links") as batch:
        batch.drop_column("accepts_messages")
    with op.batch_alter_table("apps") as batch:
        batch.drop_column("message_limits")
