"""follow-up and scorecards: technician grade, retraining, penalty points, quality suspension and its history

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import anxin.database

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("technician", schema=None) as batch_op:
        batch_op.add_column(sa.Column("grade", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("retraining", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("penalty_points", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("penalty_level", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(
            sa.Column("suspended_at", anxin.database.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("suspension_reason", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column("reinstated_at", anxin.database.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("reinstated_by_id", ID, nullable=True))

    op.create_table(
        "technician_quality_event",
        sa.Column("id", ID, nullable=False),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("technician_id", ID, nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("occurred_at", anxin.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", ID, nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["app_user.id"], name=op.f("fk_technician_quality_event_actor_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["technician.id"],
            name=op.f("fk_technician_quality_event_technician_id_technician"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_technician_quality_event_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_technician_quality_event")),
    )
    with op.batch_alter_table("technician_quality_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_technician_quality_event_technician_id"), ["technician_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("technician_quality_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_technician_quality_event_technician_id"))
    op.drop_table("technician_quality_event")
    with op.batch_alter_table("technician", schema=None) as batch_op:
        for column in (
            "reinstated_by_id",
            "reinstated_at",
            "suspension_reason",
            "suspended_at",
            "penalty_level",
            "penalty_points",
            "retraining",
            "grade",
        ):
            batch_op.drop_column(column)
