"""auth: server-side page sessions, revoked API tokens, sign-in attempts, and a user's token generation

``auth_session`` holds a page session per sign-in (only the hash of the cookie's random id), ended at
sign-out; ``revoked_token`` the ``jti`` of API tokens signed out before their expiry; ``sign_in_attempt``
the attempts the sign-in throttles count (keys are HMACs); ``app_user.token_generation`` moves on when a new
password or deactivation ends every token of the user.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import anxin.database

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MOMENT = anxin.database.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.add_column("app_user", sa.Column("token_generation", sa.Integer(), server_default="0", nullable=False))
    op.create_table(
        "auth_session",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", BIGINT, nullable=False),
        sa.Column("user_id", BIGINT, nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("expires_at", MOMENT, nullable=False),
        sa.Column("ended_at", MOMENT, nullable=True),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_auth_session_tenant_id_tenant")),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_auth_session_user_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_session")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_auth_session_token_hash")),
    )
    op.create_index(op.f("ix_auth_session_user_id"), "auth_session", ["user_id"], unique=False)
    op.create_index(op.f("ix_auth_session_expires_at"), "auth_session", ["expires_at"], unique=False)
    op.create_table(
        "revoked_token",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("jti", sa.String(length=64), nullable=False),
        sa.Column("user_id", BIGINT, nullable=False),
        sa.Column("revoked_at", MOMENT, nullable=False),
        sa.Column("expires_at", MOMENT, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_revoked_token_user_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revoked_token")),
        sa.UniqueConstraint("jti", name=op.f("uq_revoked_token_jti")),
    )
    op.create_index(op.f("ix_revoked_token_expires_at"), "revoked_token", ["expires_at"], unique=False)
    op.create_table(
        "sign_in_attempt",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("at", MOMENT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_attempt")),
    )
    op.create_index("ix_sign_in_attempt_key_at", "sign_in_attempt", ["key", "at"], unique=False)
    op.create_index(op.f("ix_sign_in_attempt_at"), "sign_in_attempt", ["at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_sign_in_attempt_at"), table_name="sign_in_attempt")
    op.drop_index("ix_sign_in_attempt_key_at", table_name="sign_in_attempt")
    op.drop_table("sign_in_attempt")
    op.drop_index(op.f("ix_revoked_token_expires_at"), table_name="revoked_token")
    op.drop_table("revoked_token")
    op.drop_index(op.f("ix_auth_session_expires_at"), table_name="auth_session")
    op.drop_index(op.f("ix_auth_session_user_id"), table_name="auth_session")
    op.drop_table("auth_session")
    with op.batch_alter_table("app_user") as batch:
        batch.drop_column("token_generation")
