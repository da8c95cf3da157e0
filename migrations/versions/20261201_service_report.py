"""service report: completion details, signature, stamped evidence

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import anxin.database

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("work_order_photo", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column("taken_at", anxin.database.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("lat", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("lng", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("technician_id", ID, nullable=True))
        batch_op.add_column(sa.Column("stamped", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_foreign_key(
            batch_op.f("fk_work_order_photo_technician_id_technician"),
            "technician",
            ["technician_id"],
            ["id"],
        )
    op.create_table(
        "service_report",
        sa.Column("id", ID, nullable=False),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("work_order_id", ID, nullable=False),
        sa.Column("cause", sa.String(length=200), nullable=False),
        sa.Column("work_done", sa.Text(), nullable=False),
        sa.Column("advice", sa.Text(), nullable=True),
        sa.Column("parts_used", JSON, nullable=False),
        sa.Column("signature_photo_id", ID, nullable=True),
        sa.Column("before_photo_ids", JSON, nullable=False),
        sa.Column("after_photo_ids", JSON, nullable=False),
        sa.Column("created_by_id", ID, nullable=False),
        sa.Column("created_at", anxin.database.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_service_report_tenant_id_tenant")
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"], ["work_order.id"], name=op.f("fk_service_report_work_order_id_work_order")
        ),
        sa.ForeignKeyConstraint(
            ["signature_photo_id"],
            ["work_order_photo.id"],
            name=op.f("fk_service_report_signature_photo_id_work_order_photo"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name=op.f("fk_service_report_created_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_report")),
        sa.UniqueConstraint("work_order_id", name=op.f("uq_service_report_work_order_id")),
    )


def downgrade() -> None:
    op.drop_table("service_report")
    with op.batch_alter_table("work_order_photo", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_work_order_photo_technician_id_technician"), type_="foreignkey"
        )
        batch_op.drop_column("stamped")
        batch_op.drop_column("technician_id")
        batch_op.drop_column("lng")
        batch_op.drop_column("lat")
        batch_op.drop_column("taken_at")
        batch_op.drop_column("kind")
