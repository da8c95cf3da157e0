"""proactive service: tenant alert policy, consent, campaigns, customer profile tags

``alert_policy`` (what an alert does per tenant: by cause, by severity, the default), ``customer_consent``
(a customer's consent per purpose, e.g. ``proactive_contact``), ``customer_household`` (the household
the customer declared), ``proactive_action`` (what the policy did with each alert, once),
``campaign`` and ``campaign_target`` (seasonal campaign runs and who was targeted and why; ``once_key``
keeps one offer per appliance and season). See ``anxin/proactive``.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import anxin.database

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MOMENT = anxin.database.UTCDateTime(timezone=True)
JSON = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"))


def upgrade() -> None:
    op.create_table(
        "alert_policy",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("tenant_id", BIGINT, nullable=False),
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("updated_by_id", BIGINT, nullable=True),
        sa.Column("updated_at", MOMENT, nullable=False),
        _fk("alert_policy", "tenant_id", "tenant"),
        _fk("alert_policy", "updated_by_id", "app_user"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_policy")),
        sa.UniqueConstraint("tenant_id", "scope", "key", name=op.f("uq_alert_policy_tenant_id_scope_key")),
    )
    op.create_index(op.f("ix_alert_policy_tenant_id"), "alert_policy", ["tenant_id"], unique=False)

    op.create_table(
        "customer_consent",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("tenant_id", BIGINT, nullable=False),
        sa.Column("customer_id", BIGINT, nullable=False),
        sa.Column("purpose", sa.String(length=30), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("changed_by_id", BIGINT, nullable=True),
        sa.Column("changed_at", MOMENT, nullable=False),
        _fk("customer_consent", "tenant_id", "tenant"),
        _fk("customer_consent", "customer_id", "customer"),
        _fk("customer_consent", "changed_by_id", "app_user"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_consent")),
        sa.UniqueConstraint("customer_id", "purpose", name=op.f("uq_customer_consent_customer_id_purpose")),
    )
    op.create_index(op.f("ix_customer_consent_tenant_id"), "customer_consent", ["tenant_id"], unique=False)

    op.create_table(
        "customer_household",
        sa.Column("customer_id", BIGINT, nullable=False),
        sa.Column("tenant_id", BIGINT, nullable=False),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("updated_at", MOMENT, nullable=False),
        _fk("customer_household", "customer_id", "customer"),
        _fk("customer_household", "tenant_id", "tenant"),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_customer_household")),
    )
    op.create_index(
        op.f("ix_customer_household_tenant_id"), "customer_household", ["tenant_id"], unique=False
    )

    op.create_table(
        "proactive_action",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("tenant_id", BIGINT, nullable=False),
        sa.Column("alert_id", BIGINT, nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=120), nullable=True),
        sa.Column("work_order_id", BIGINT, nullable=True),
        sa.Column("decided_at", MOMENT, nullable=False),
        _fk("proactive_action", "tenant_id", "tenant"),
        _fk("proactive_action", "alert_id", "telemetry_alert"),
        _fk("proactive_action", "work_order_id", "work_order"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proactive_action")),
        sa.UniqueConstraint("alert_id", name=op.f("uq_proactive_action_alert_id")),
    )
    op.create_index(op.f("ix_proactive_action_tenant_id"), "proactive_action", ["tenant_id"], unique=False)

    op.create_table(
        "campaign",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("tenant_id", BIGINT, nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("season", sa.String(length=10), nullable=False),
        sa.Column("min_run_hours", sa.Integer(), nullable=False),
        sa.Column("plan_id", BIGINT, nullable=True),
        sa.Column("counts", JSON, nullable=False),
        sa.Column("created_by_id", BIGINT, nullable=True),
        sa.Column("started_at", MOMENT, nullable=False),
        sa.Column("finished_at", MOMENT, nullable=True),
        _fk("campaign", "tenant_id", "tenant"),
        _fk("campaign", "plan_id", "service_plan"),
        _fk("campaign", "created_by_id", "app_user"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign")),
    )
    op.create_index(op.f("ix_campaign_tenant_id"), "campaign", ["tenant_id"], unique=False)

    op.create_table(
        "campaign_target",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("tenant_id", BIGINT, nullable=False),
        sa.Column("campaign_id", BIGINT, nullable=False),
        sa.Column("appliance_id", BIGINT, nullable=False),
        sa.Column("customer_id", BIGINT, nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("reason", JSON, nullable=False),
        sa.Column("once_key", sa.String(length=80), nullable=True),
        sa.Column("created_at", MOMENT, nullable=False),
        _fk("campaign_target", "tenant_id", "tenant"),
        _fk("campaign_target", "campaign_id", "campaign"),
        _fk("campaign_target", "appliance_id", "appliance"),
        _fk("campaign_target", "customer_id", "customer"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_target")),
        sa.UniqueConstraint("once_key", name=op.f("uq_campaign_target_once_key")),
    )
    for column in ("tenant_id", "campaign_id", "appliance_id"):
        op.create_index(op.f(f"ix_campaign_target_{column}"), "campaign_target", [column], unique=False)


def downgrade() -> None:
    for column in ("appliance_id", "campaign_id", "tenant_id"):
        op.drop_index(op.f(f"ix_campaign_target_{column}"), table_name="campaign_target")
    op.drop_table("campaign_target")
    op.drop_index(op.f("ix_campaign_tenant_id"), table_name="campaign")
    op.drop_table("campaign")
    op.drop_index(op.f("ix_proactive_action_tenant_id"), table_name="proactive_action")
    op.drop_table("proactive_action")
    op.drop_index(op.f("ix_customer_household_tenant_id"), table_name="customer_household")
    op.drop_table("customer_household")
    op.drop_index(op.f("ix_customer_consent_tenant_id"), table_name="customer_consent")
    op.drop_table("customer_consent")
    op.drop_index(op.f("ix_alert_policy_tenant_id"), table_name="alert_policy")
    op.drop_table("alert_policy")
