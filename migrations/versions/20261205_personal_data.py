"""personal data: the append-only audit log, and the marks an erasure leaves

``audit_event`` holds every change staff make outside an order's own moves (``anxin/audit``). The database
refuses to update or delete a row of it: on PostgreSQL a trigger function raises for UPDATE and DELETE
(TRUNCATE, the owner's purge after the legal retention, is left to the database's own privileges); on
SQLite two triggers abort them. ``customer.erased_at`` and ``work_order_photo.erased_at`` mark a customer
erased on request and the photos of their home deleted from disk (``anxin/privacy``).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import anxin.database

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MOMENT = anxin.database.UTCDateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

REFUSAL = "audit_event is append-only"
POSTGRES_GUARD = [
    f"""
    CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{REFUSAL}: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
    END
    $$
    """,
    """
    CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()
    """,
]
SQLITE_GUARD = [
    f"""
    CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
    BEGIN SELECT RAISE(ABORT, '{REFUSAL}: UPDATE refused'); END
    """,
    f"""
    CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
    BEGIN SELECT RAISE(ABORT, '{REFUSAL}: DELETE refused'); END
    """,
]


def upgrade() -> None:
    op.create_table(
        "audit_event",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("tenant_id", BIGINT, nullable=False),
        sa.Column("occurred_at", MOMENT, nullable=False),
        sa.Column("actor_id", BIGINT, nullable=True),
        sa.Column("actor_role", sa.String(length=20), nullable=False),
        sa.Column("actor_name", sa.String(length=120), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=False),
        sa.Column("object_id", sa.BigInteger(), nullable=True),
        sa.Column("changes", JSON, nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_audit_event_tenant_id_tenant")),
        sa.ForeignKeyConstraint(["actor_id"], ["app_user.id"], name=op.f("fk_audit_event_actor_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    op.create_index("ix_audit_event_tenant", "audit_event", ["tenant_id", "id"], unique=False)
    op.create_index(
        "ix_audit_event_object", "audit_event", ["tenant_id", "object_type", "object_id"], unique=False
    )
    dialect = op.get_bind().dialect.name
    for statement in (
        POSTGRES_GUARD if dialect == "postgresql" else SQLITE_GUARD if dialect == "sqlite" else []
    ):
        op.execute(statement)
    op.add_column("customer", sa.Column("erased_at", MOMENT, nullable=True))
    op.add_column("work_order_photo", sa.Column("erased_at", MOMENT, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("work_order_photo") as batch:
        batch.drop_column("erased_at")
    with op.batch_alter_table("customer") as batch:
        batch.drop_column("erased_at")
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_event_append_only()")
    elif dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
    op.drop_index("ix_audit_event_object", table_name="audit_event")
    op.drop_index("ix_audit_event_tenant", table_name="audit_event")
    op.drop_table("audit_event")
