"""web: one-time sign-in codes for the customer portal

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 15:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import anxin.database

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "login_code",
        sa.Column("id", ID, nullable=False),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("phone", sa.String(length=11), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", anxin.database.UTCDateTime(), nullable=False),
        sa.Column("expires_at", anxin.database.UTCDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", anxin.database.UTCDateTime(), nullable=True),
        sa.Column("locked_until", anxin.database.UTCDateTime(), nullable=True),
        sa.Column("dev_message", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_login_code_tenant_id_tenant")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_code")),
    )
    op.create_index("ix_login_code_tenant_phone", "login_code", ["tenant_id", "phone"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_login_code_tenant_phone", table_name="login_code")
    op.drop_table("login_code")
