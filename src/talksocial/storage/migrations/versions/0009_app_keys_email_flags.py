"""apps: the JavaScript key and the native app key (each kept and looked up by its sha256, like
the REST API key); accounts: whether the Kakao Account's email is valid and verified

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 10:00:00.000000
"""

from __future__ import annotations

import hashlib
import secrets

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_KEYS = ("javascript_key", "native_app_key")


def upgrade() -> None:
    with op.batch_alter_table("apps") as batch:
        for name in _KEYS:
            batch.add_column(sa.Column(name, sa.String(200), nullable=True))
            batch.add_column(sa.Column(f"{name}_sha256", sa.String(64), nullable=True))
    # Existing apps get generated keys, as a seed file that leaves them out does.
    apps = sa.table(
        "apps",
        sa.column("id", sa.BigInteger),
        *(sa.column(n, sa.String) for n in _KEYS),
        *(sa.column(f"{n}_sha256", sa.String) for n in _KEYS),
    )
    conn = op.get_bind()
    for (app_id,) in conn.execute(sa.select(apps.c.id)).all():
        values: dict[str, str] = {}
        for name in _KEYS:
            key = secrets.token_hex(16)
            values[name] = key
            values[f"{name}_sha256"] = hashlib.sha256(key.encode("utf-8")).hexdigest()
        conn.execute(apps.update().where(apps.c.id == app_id).values(**values))
    with op.batch_alter_table("apps") as batch:
        for name in _KEYS:
            batch.alter_column(name, existing_type=sa.String(200), nullable=False)
            batch.alter_column(f"{name}_sha256", existing_type=sa.String(64), nullable=False)
            batch.create_unique_constraint(f"uq_apps_{name}_sha256", [f"{name}_sha256"])
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(
            sa.Column("email_valid", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch.add_column(
            sa.Column("email_verified", sa.Boolean(), nullable=False, server_default=sa.true())
        )


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("email_verified")
        batch.drop_column("email_valid")
    with op.batch_alter_table("apps") as batch:
        for name in _KEYS:
            batch.drop_constraint(f"uq_apps_{name}_sha256", type_="unique")
            batch.drop_column(f"{name}_sha256")
            batch.drop_column(name)
