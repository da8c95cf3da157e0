"""telemetry: ingest keys, devices' readings (time-partitioned on PostgreSQL), hourly roll-ups

``telemetry_key`` (a tenant's ingest keys, kept as SHA-256 hashes), ``telemetry_reading`` (one row per
reading, its metrics as one JSON object, keyed by appliance and time; on PostgreSQL declaratively
partitioned by month on ``ts``, the partitions in schema ``telemetry_part`` with a default partition as a
safety net, a BRIN index on ``ts``; a plain table on SQLite) and ``telemetry_hourly`` (min, max, sum and
count per appliance, metric and hour), ``telemetry_rule`` (rules per category: thresholds held for a
duration, counters, error codes) and ``telemetry_alert`` (what they found; one open per appliance and
cause through the unique ``open_key``). See ``anxin/telemetry``; ``anxin telemetry partitions`` creates
the months ahead.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 00:00:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import anxin.database

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MOMENT = anxin.database.UTCDateTime(timezone=True)
PARTITIONS = "telemetry_part"  # the schema of the monthly partitions (kept out of the models' schema)


def _month(year: int, month: int, shift: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + shift
    return index // 12, index % 12 + 1


def upgrade() -> None:
    op.create_table(
        "telemetry_key",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("tenant_id", BIGINT, nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", BIGINT, nullable=True),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("revoked_at", MOMENT, nullable=True),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_telemetry_key_tenant_id_tenant")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name=op.f("fk_telemetry_key_created_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_telemetry_key")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_telemetry_key_key_hash")),
    )
    op.create_index(op.f("ix_telemetry_key_tenant_id"), "telemetry_key", ["tenant_id"], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TABLE telemetry_reading ("
            " appliance_id BIGINT NOT NULL,"
            " ts TIMESTAMP WITH TIME ZONE NOT NULL,"
            " tenant_id BIGINT NOT NULL,"
            " metrics JSONB NOT NULL,"
            " error_code VARCHAR(20),"
            " received_at TIMESTAMP WITH TIME ZONE NOT NULL,"
            " CONSTRAINT pk_telemetry_reading PRIMARY KEY (appliance_id, ts)"
            ") PARTITION BY RANGE (ts)"
        )
        op.execute("CREATE INDEX ix_telemetry_reading_ts ON telemetry_reading USING brin (ts)")
        op.execute(f"CREATE SCHEMA IF NOT EXISTS {PARTITIONS}")
        op.execute(
            f"CREATE TABLE {PARTITIONS}.telemetry_reading_default PARTITION OF telemetry_reading DEFAULT"
        )
        today = datetime.now(UTC)
        for shift in range(-2, 3):  # the two months before this one to two ahead; the job keeps ahead
            year, month = _month(today.year, today.month, shift)
            end_year, end_month = _month(year, month, 1)
            op.execute(
                f"CREATE TABLE IF NOT EXISTS {PARTITIONS}.telemetry_reading_{year:04d}_{month:02d} "
                f"PARTITION OF telemetry_reading FOR VALUES FROM ('{year:04d}-{month:02d}-01 00:00:00+00') "
                f"TO ('{end_year:04d}-{end_month:02d}-01 00:00:00+00')"
            )
    else:
        op.create_table(
            "telemetry_reading",
            sa.Column("appliance_id", BIGINT, nullable=False),
            sa.Column("ts", MOMENT, nullable=False),
            sa.Column("tenant_id", BIGINT, nullable=False),
            sa.Column("metrics", sa.JSON(), nullable=False),
            sa.Column("error_code", sa.String(length=20), nullable=True),
            sa.Column("received_at", MOMENT, nullable=False),
            sa.PrimaryKeyConstraint("appliance_id", "ts", name=op.f("pk_telemetry_reading")),
        )
        op.create_index("ix_telemetry_reading_ts", "telemetry_reading", ["ts"], unique=False)

    op.create_table(
        "telemetry_hourly",
        sa.Column("appliance_id", BIGINT, nullable=False),
        sa.Column("metric", sa.String(length=40), nullable=False),
        sa.Column("hour_at", MOMENT, nullable=False),
        sa.Column("tenant_id", BIGINT, nullable=False),
        sa.Column("min_value", sa.Float(), nullable=False),
        sa.Column("max_value", sa.Float(), nullable=False),
        sa.Column("sum_value", sa.Float(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("appliance_id", "metric", "hour_at", name=op.f("pk_telemetry_hourly")),
    )
    op.create_index(
        "ix_telemetry_hourly_tenant_id_hour_at", "telemetry_hourly", ["tenant_id", "hour_at"], unique=False
    )

    op.create_table(
        "telemetry_rule",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("tenant_id", BIGINT, nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("cause", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("metric", sa.String(length=40), nullable=True),
        sa.Column("above", sa.Boolean(), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=True),
        sa.Column("hold_minutes", sa.Integer(), nullable=False),
        sa.Column("error_code", sa.String(length=20), nullable=True),
        sa.Column("name_zh", sa.String(length=80), nullable=False),
        sa.Column("name_en", sa.String(length=80), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_telemetry_rule_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_telemetry_rule")),
        sa.UniqueConstraint(
            "tenant_id", "category", "cause", name=op.f("uq_telemetry_rule_tenant_id_category_cause")
        ),
    )
    op.create_index(op.f("ix_telemetry_rule_tenant_id"), "telemetry_rule", ["tenant_id"], unique=False)
    op.create_table(
        "telemetry_alert",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("tenant_id", BIGINT, nullable=False),
        sa.Column("appliance_id", BIGINT, nullable=False),
        sa.Column("rule_id", BIGINT, nullable=False),
        sa.Column("cause", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("open_key", sa.String(length=80), nullable=True),
        sa.Column("reading_at", MOMENT, nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("error_code", sa.String(length=20), nullable=True),
        sa.Column("opened_at", MOMENT, nullable=False),
        sa.Column("closed_at", MOMENT, nullable=True),
        sa.Column("closed_by_id", BIGINT, nullable=True),
        sa.Column("work_order_id", BIGINT, nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_telemetry_alert_tenant_id_tenant")
        ),
        sa.ForeignKeyConstraint(
            ["appliance_id"], ["appliance.id"], name=op.f("fk_telemetry_alert_appliance_id_appliance")
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"], ["telemetry_rule.id"], name=op.f("fk_telemetry_alert_rule_id_telemetry_rule")
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_id"], ["app_user.id"], name=op.f("fk_telemetry_alert_closed_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"], ["work_order.id"], name=op.f("fk_telemetry_alert_work_order_id_work_order")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_telemetry_alert")),
        sa.UniqueConstraint("open_key", name=op.f("uq_telemetry_alert_open_key")),
    )
    op.create_index(op.f("ix_telemetry_alert_tenant_id"), "telemetry_alert", ["tenant_id"], unique=False)
    op.create_index(
        op.f("ix_telemetry_alert_appliance_id"), "telemetry_alert", ["appliance_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_telemetry_alert_appliance_id"), table_name="telemetry_alert")
    op.drop_index(op.f("ix_telemetry_alert_tenant_id"), table_name="telemetry_alert")
    op.drop_table("telemetry_alert")
    op.drop_index(op.f("ix_telemetry_rule_tenant_id"), table_name="telemetry_rule")
    op.drop_table("telemetry_rule")
    op.drop_index("ix_telemetry_hourly_tenant_id_hour_at", table_name="telemetry_hourly")
    op.drop_table("telemetry_hourly")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE telemetry_reading")  # its partitions with it
        op.execute(f"DROP SCHEMA IF EXISTS {PARTITIONS} CASCADE")
    else:
        op.drop_index("ix_telemetry_reading_ts", table_name="telemetry_reading")
        op.drop_table("telemetry_reading")
    op.drop_index(op.f("ix_telemetry_key_tenant_id"), table_name="telemetry_key")
    op.drop_table("telemetry_key")
