"""triage labels: agents' corrections and completed orders' causes kept as training labels

``triage_label`` (one per order and source: ``agent_correction``, the category and fault an agent chose
over triage's suggestion, with what triage had said; ``technician_cause``, the fault the technician's
recorded cause names at completion), read by ``anxin triage train``; and ``work_order_triage.source``
(``model`` or ``agent_correction``: a corrected suggestion holds matching to its skill). See
``anxin/knowledge/labels.py``.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import anxin.database

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MOMENT = anxin.database.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "triage_label",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("tenant_id", BIGINT, nullable=False),
        sa.Column("work_order_id", BIGINT, nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("fault", sa.String(length=30), nullable=False),
        sa.Column("suggested_category", sa.String(length=40), nullable=True),
        sa.Column("suggested_fault", sa.String(length=30), nullable=True),
        sa.Column("created_by_id", BIGINT, nullable=True),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.CheckConstraint(
            "source IN ('agent_correction', 'technician_cause')", name=op.f("ck_triage_label_source")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name=op.f("fk_triage_label_created_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_triage_label_tenant_id_tenant")),
        sa.ForeignKeyConstraint(
            ["work_order_id"], ["work_order.id"], name=op.f("fk_triage_label_work_order_id_work_order")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_triage_label")),
        sa.UniqueConstraint("work_order_id", "source", name=op.f("uq_triage_label_work_order_id_source")),
    )
    op.create_index("ix_triage_label_tenant_source", "triage_label", ["tenant_id", "source"], unique=False)
    with op.batch_alter_table("work_order_triage", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source", sa.String(length=20), server_default="model", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("work_order_triage", schema=None) as batch_op:
        batch_op.drop_column("source")
    op.drop_index("ix_triage_label_tenant_source", table_name="triage_label")
    op.drop_table("triage_label")
