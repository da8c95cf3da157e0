"""telemetry_daily: each appliance's metrics per UTC day, for the failure model

One row per appliance, metric and day: how many hourly averages the day had (``count``), their sum and
sum of squares, the lowest and highest reading, and the same three sums over the day and the two before
it (``trail_*``); the pseudo-metric ``_errors`` counts the day's readings with an error code. The failure
model's features (the mean and spread of the hourly averages over the last one and three whole days, the
error readings in them) are then the previous day's rows alone, so scoring a million devices reads one
row per device and metric instead of every hour (``anxin/telemetry/pdm_days.py``). Filled
from ``telemetry_hourly`` by ``storage.rollup`` as days complete; going up, the days already rolled up
hourly are filled once. Going down, the table is dropped.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "telemetry_daily",
        sa.Column("appliance_id", BIGINT, nullable=False),
        sa.Column("metric", sa.String(length=40), nullable=False),
        sa.Column("day_date", sa.Date(), nullable=False),
        sa.Column("tenant_id", BIGINT, nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("sum_value", sa.Float(), nullable=False),
        sa.Column("sumsq_value", sa.Float(), nullable=False),
        sa.Column("min_value", sa.Float(), nullable=False),
        sa.Column("max_value", sa.Float(), nullable=False),
        sa.Column("trail_count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("trail_sum", sa.Float(), nullable=False, server_default="0"),
        sa.Column("trail_sumsq", sa.Float(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("appliance_id", "metric", "day_date", name=op.f("pk_telemetry_daily")),
    )
    op.create_index(
        "ix_telemetry_daily_tenant_id_day_date", "telemetry_daily", ["tenant_id", "day_date"], unique=False
    )
    # the whole days the hourly roll-ups already hold, with the same statements as storage.rollup
    from anxin.telemetry.storage import fill_days

    fill_days(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_telemetry_daily_tenant_id_day_date", table_name="telemetry_daily")
    op.drop_table("telemetry_daily")
