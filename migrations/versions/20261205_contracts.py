"""contracts: service plans, extended warranties and care plans sold, their claims and visits

``service_plan`` (a tenant's extended warranties, priced by purchase-price band, and care plans, a price for
a number of visits), ``service_contract`` (one plan sold for one appliance: number, price, dates, status,
the contract it renews, the renewal notice, a cancellation's reason and refund), ``contract_claim`` (an
order billed to a contract, category B) and ``contract_visit`` (a care plan's scheduled visit and the order
created for it; unique per contract and visit number, so the job never creates a visit twice). See
``anxin/contract``.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import anxin.database

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MOMENT = anxin.database.UTCDateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "service_plan",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("tenant_id", BIGINT, nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name_zh", sa.String(length=80), nullable=False),
        sa.Column("name_en", sa.String(length=80), nullable=False),
        sa.Column("description", sa.String(length=400), nullable=False),
        sa.Column("category_code", sa.String(length=40), nullable=True),
        sa.Column("term_months", sa.Integer(), nullable=False),
        sa.Column("price_fen", sa.Integer(), nullable=True),
        sa.Column("bands", JSON, nullable=False),
        sa.Column("visits", sa.Integer(), nullable=False),
        sa.Column("service_type", sa.String(length=20), nullable=True),
        sa.Column("max_age_months", sa.Integer(), nullable=True),
        sa.Column("renewal_discount_percent", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("updated_at", MOMENT, nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_service_plan_tenant_id_tenant")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_plan")),
        sa.UniqueConstraint("tenant_id", "code", name=op.f("uq_service_plan_tenant_id_code")),
    )
    op.create_index(op.f("ix_service_plan_tenant_id"), "service_plan", ["tenant_id"], unique=False)
    op.create_table(
        "service_contract",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("tenant_id", BIGINT, nullable=False),
        sa.Column("number", sa.String(length=30), nullable=False),
        sa.Column("plan_id", BIGINT, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("appliance_id", BIGINT, nullable=False),
        sa.Column("customer_id", BIGINT, nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("price_fen", sa.Integer(), nullable=False),
        sa.Column("purchase_price_fen", sa.Integer(), nullable=True),
        sa.Column("visits", sa.Integer(), nullable=False),
        sa.Column("renewed_from_id", BIGINT, nullable=True),
        sa.Column("sold_by_id", BIGINT, nullable=False),
        sa.Column("sold_at", MOMENT, nullable=False),
        sa.Column("renewal_noticed_at", MOMENT, nullable=True),
        sa.Column("cancelled_at", MOMENT, nullable=True),
        sa.Column("cancelled_by_id", BIGINT, nullable=True),
        sa.Column("cancel_reason", sa.String(length=200), nullable=True),
        sa.Column("refund_fen", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["appliance_id"], ["appliance.id"], name=op.f("fk_service_contract_appliance_id_appliance")
        ),
        sa.ForeignKeyConstraint(
            ["cancelled_by_id"], ["app_user.id"], name=op.f("fk_service_contract_cancelled_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_service_contract_customer_id_customer")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["service_plan.id"], name=op.f("fk_service_contract_plan_id_service_plan")
        ),
        sa.ForeignKeyConstraint(
            ["renewed_from_id"],
            ["service_contract.id"],
            name=op.f("fk_service_contract_renewed_from_id_service_contract"),
        ),
        sa.ForeignKeyConstraint(
            ["sold_by_id"], ["app_user.id"], name=op.f("fk_service_contract_sold_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_service_contract_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_contract")),
        sa.UniqueConstraint("tenant_id", "number", name=op.f("uq_service_contract_tenant_id_number")),
    )
    op.create_index(
        "ix_service_contract_appliance",
        "service_contract",
        ["tenant_id", "appliance_id", "status"],
        unique=False,
    )
    op.create_index(
        op.f("ix_service_contract_customer_id"), "service_contract", ["customer_id"], unique=False
    )
    op.create_index("ix_service_contract_end", "service_contract", ["status", "end_date"], unique=False)
    op.create_index(op.f("ix_service_contract_tenant_id"), "service_contract", ["tenant_id"], unique=False)
    op.create_table(
        "contract_claim",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("tenant_id", BIGINT, nullable=False),
        sa.Column("contract_id", BIGINT, nullable=False),
        sa.Column("work_order_id", BIGINT, nullable=False),
        sa.Column("service_type", sa.String(length=20), nullable=False),
        sa.Column("void", sa.Boolean(), nullable=False),
        sa.Column("claimed_at", MOMENT, nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["service_contract.id"],
            name=op.f("fk_contract_claim_contract_id_service_contract"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_contract_claim_tenant_id_tenant")
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"], ["work_order.id"], name=op.f("fk_contract_claim_work_order_id_work_order")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contract_claim")),
        sa.UniqueConstraint(
            "contract_id", "work_order_id", name=op.f("uq_contract_claim_contract_id_work_order_id")
        ),
    )
    op.create_index(op.f("ix_contract_claim_contract_id"), "contract_claim", ["contract_id"], unique=False)
    op.create_index(op.f("ix_contract_claim_tenant_id"), "contract_claim", ["tenant_id"], unique=False)
    op.create_index(
        op.f("ix_contract_claim_work_order_id"), "contract_claim", ["work_order_id"], unique=False
    )
    op.create_table(
        "contract_visit",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("tenant_id", BIGINT, nullable=False),
        sa.Column("contract_id", BIGINT, nullable=False),
        sa.Column("visit_no", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("work_order_id", BIGINT, nullable=True),
        sa.Column("skipped", sa.Boolean(), nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["service_contract.id"],
            name=op.f("fk_contract_visit_contract_id_service_contract"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_contract_visit_tenant_id_tenant")
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"], ["work_order.id"], name=op.f("fk_contract_visit_work_order_id_work_order")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contract_visit")),
        sa.UniqueConstraint("contract_id", "visit_no", name=op.f("uq_contract_visit_contract_id_visit_no")),
    )
    op.create_index(op.f("ix_contract_visit_tenant_id"), "contract_visit", ["tenant_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_contract_visit_tenant_id"), table_name="contract_visit")
    op.drop_table("contract_visit")
    op.drop_index(op.f("ix_contract_claim_work_order_id"), table_name="contract_claim")
    op.drop_index(op.f("ix_contract_claim_tenant_id"), table_name="contract_claim")
    op.drop_index(op.f("ix_contract_claim_contract_id"), table_name="contract_claim")
    op.drop_table("contract_claim")
    op.drop_index(op.f("ix_service_contract_tenant_id"), table_name="service_contract")
    op.drop_index("ix_service_contract_end", table_name="service_contract")
    op.drop_index(op.f("ix_service_contract_customer_id"), table_name="service_contract")
    op.drop_index("ix_service_contract_appliance", table_name="service_contract")
    op.drop_table("service_contract")
    op.drop_index(op.f("ix_service_plan_tenant_id"), table_name="service_plan")
    op.drop_table("service_plan")
