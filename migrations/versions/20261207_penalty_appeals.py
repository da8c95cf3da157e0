"""penalty appeals: a technician's appeal (申诉) against one penalty and quality's decision

``penalty_appeal`` (one per technician and penalty: ``kind`` far, late or complaint and its ``source_id``,
the event, order or complaint the penalty comes from; the points and the reason it carried, the
technician's reason, ``status`` open, upheld or overturned, who decided, when, the note, and whether the
decision lifted a suspension). The position's accuracy needs no column: it travels in the arrival's and
completion's event payload (``accuracy_m``). See ``anxin/feedback/scorecards/appeals.py``.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import anxin.database

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MOMENT = anxin.database.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "penalty_appeal",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("tenant_id", BIGINT, nullable=False),
        sa.Column("technician_id", BIGINT, nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("source_id", BIGINT, nullable=False),
        sa.Column("work_order_id", BIGINT, nullable=True),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("penalty_at", MOMENT, nullable=False),
        sa.Column("penalty_reason", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("filed_at", MOMENT, nullable=False),
        sa.Column("filed_by_id", BIGINT, nullable=False),
        sa.Column("decided_at", MOMENT, nullable=True),
        sa.Column("decided_by_id", BIGINT, nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("lifted_suspension", sa.Boolean(), nullable=False),
        sa.CheckConstraint("kind IN ('far', 'late', 'complaint')", name=op.f("ck_penalty_appeal_kind")),
        sa.CheckConstraint(
            "status IN ('open', 'upheld', 'overturned')", name=op.f("ck_penalty_appeal_status")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["app_user.id"], name=op.f("fk_penalty_appeal_decided_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["filed_by_id"], ["app_user.id"], name=op.f("fk_penalty_appeal_filed_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["technician_id"], ["technician.id"], name=op.f("fk_penalty_appeal_technician_id_technician")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_penalty_appeal_tenant_id_tenant")
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"], ["work_order.id"], name=op.f("fk_penalty_appeal_work_order_id_work_order")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_penalty_appeal")),
        sa.UniqueConstraint(
            "technician_id", "kind", "source_id", name=op.f("uq_penalty_appeal_technician_id_kind_source_id")
        ),
    )
    op.create_index(
        "ix_penalty_appeal_tenant_status", "penalty_appeal", ["tenant_id", "status"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_penalty_appeal_tenant_status", table_name="penalty_appeal")
    op.drop_table("penalty_appeal")
