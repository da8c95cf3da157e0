"""analytics: indexes for the KPI queries, and the stored sums of settled days

The dashboard reads a period's orders by ``(tenant_id, created_at)`` (an index since 0001) and joins their
answered surveys and approved quotes. Both come after the order, so the queries bound them by the period's
start, and these indexes let PostgreSQL read only that slice instead of the whole table.
The same indexes are declared on their tables' models. ``kpi_day_sum`` holds the
raw KPI sums of settled days (``anxin.analytics.rollup``), so the dashboard need not read every order.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kpi_day_sum",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("dim", sa.String(length=10), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("sums", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_kpi_day_sum_tenant_id_tenant")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpi_day_sum")),
    )
    op.create_index("ix_kpi_day_sum_tenant_day", "kpi_day_sum", ["tenant_id", "day", "dim"])
    op.create_index("ix_survey_tenant_answered", "survey", ["tenant_id", "answered_at"])
    op.create_index("ix_quote_tenant_status_created", "quote", ["tenant_id", "status", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_quote_tenant_status_created", table_name="quote")
    op.drop_index("ix_survey_tenant_answered", table_name="survey")
    op.drop_index("ix_kpi_day_sum_tenant_day", table_name="kpi_day_sum")
    op.drop_table("kpi_day_sum")
