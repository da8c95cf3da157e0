"""trade-in: an old appliance valued on a recycling order, its credit on a new one's installation

``trade_in_rate`` (the valuation table: a value in fen per category, age band and condition grade) and
``trade_in_terms`` (per category: the floor and a campaign subsidy), ``trade_in`` (one per recycling
order: the condition the technician recorded, the valuation, the customer's acceptance and when its credit
expires) and ``trade_in_link`` (the credit on an installation order; at most one active link per trade-in
and per installation order, by partial unique indexes), ``trade_in_booking`` (a recycling order and an
installation order booked together: the credit goes on the pair once accepted). See ``anxin/tradein``.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import anxin.database

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MOMENT = anxin.database.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "trade_in_rate",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("tenant_id", BIGINT, nullable=False),
        sa.Column("category_code", sa.String(length=40), nullable=False),
        sa.Column("age_band", sa.String(length=10), nullable=False),
        sa.Column("condition", sa.String(length=10), nullable=False),
        sa.Column("value_fen", sa.Integer(), nullable=False),
        sa.CheckConstraint("value_fen >= 0", name=op.f("ck_trade_in_rate_value_not_negative")),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_trade_in_rate_tenant_id_tenant")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trade_in_rate")),
        sa.UniqueConstraint(
            "tenant_id",
            "category_code",
            "age_band",
            "condition",
            name=op.f("uq_trade_in_rate_tenant_id_category_code_age_band_condition"),
        ),
    )
    op.create_index(op.f("ix_trade_in_rate_tenant_id"), "trade_in_rate", ["tenant_id"], unique=False)

    op.create_table(
        "trade_in_terms",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("tenant_id", BIGINT, nullable=False),
        sa.Column("category_code", sa.String(length=40), nullable=False),
        sa.Column("floor_fen", sa.Integer(), nullable=False),
        sa.Column("subsidy_fen", sa.Integer(), nullable=False),
        sa.Column("subsidy_label", sa.String(length=60), nullable=True),
        sa.Column("updated_at", MOMENT, nullable=False),
        sa.Column("updated_by_id", BIGINT, nullable=True),
        sa.CheckConstraint("floor_fen >= 0", name=op.f("ck_trade_in_terms_floor_not_negative")),
        sa.CheckConstraint("subsidy_fen >= 0", name=op.f("ck_trade_in_terms_subsidy_not_negative")),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_trade_in_terms_tenant_id_tenant")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["app_user.id"], name=op.f("fk_trade_in_terms_updated_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trade_in_terms")),
        sa.UniqueConstraint(
            "tenant_id", "category_code", name=op.f("uq_trade_in_terms_tenant_id_category_code")
        ),
    )
    op.create_index(op.f("ix_trade_in_terms_tenant_id"), "trade_in_terms", ["tenant_id"], unique=False)

    op.create_table(
        "trade_in",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("tenant_id", BIGINT, nullable=False),
        sa.Column("recycling_order_id", BIGINT, nullable=False),
        sa.Column("customer_id", BIGINT, nullable=False),
        sa.Column("category_code", sa.String(length=40), nullable=False),
        sa.Column("age_years", sa.Integer(), nullable=False),
        sa.Column("age_band", sa.String(length=10), nullable=False),
        sa.Column("condition", sa.String(length=10), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("base_fen", sa.Integer(), nullable=False),
        sa.Column("floor_fen", sa.Integer(), nullable=False),
        sa.Column("subsidy_fen", sa.Integer(), nullable=False),
        sa.Column("subsidy_label", sa.String(length=60), nullable=True),
        sa.Column("value_fen", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("valued_at", MOMENT, nullable=False),
        sa.Column("valued_by_id", BIGINT, nullable=True),
        sa.Column("accepted_at", MOMENT, nullable=True),
        sa.Column("accepted_by_id", BIGINT, nullable=True),
        sa.Column("expires_at", MOMENT, nullable=True),
        sa.Column("voided_at", MOMENT, nullable=True),
        sa.CheckConstraint("age_years >= 0", name=op.f("ck_trade_in_age_not_negative")),
        sa.CheckConstraint("status IN ('valued', 'accepted', 'void')", name=op.f("ck_trade_in_known_status")),
        sa.CheckConstraint("value_fen >= 0", name=op.f("ck_trade_in_value_not_negative")),
        sa.ForeignKeyConstraint(
            ["accepted_by_id"], ["app_user.id"], name=op.f("fk_trade_in_accepted_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_trade_in_customer_id_customer")
        ),
        sa.ForeignKeyConstraint(
            ["recycling_order_id"], ["work_order.id"], name=op.f("fk_trade_in_recycling_order_id_work_order")
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_trade_in_tenant_id_tenant")),
        sa.ForeignKeyConstraint(
            ["valued_by_id"], ["app_user.id"], name=op.f("fk_trade_in_valued_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trade_in")),
        sa.UniqueConstraint("recycling_order_id", name=op.f("uq_trade_in_recycling_order_id")),
    )
    op.create_index("ix_trade_in_customer", "trade_in", ["tenant_id", "customer_id"], unique=False)

    op.create_table(
        "trade_in_link",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("tenant_id", BIGINT, nullable=False),
        sa.Column("trade_in_id", BIGINT, nullable=False),
        sa.Column("installation_order_id", BIGINT, nullable=False),
        sa.Column("credit_fen", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("linked_at", MOMENT, nullable=False),
        sa.Column("linked_by_id", BIGINT, nullable=True),
        sa.Column("released_at", MOMENT, nullable=True),
        sa.Column("released_by_id", BIGINT, nullable=True),
        sa.Column("release_reason", sa.String(length=200), nullable=True),
        sa.CheckConstraint("credit_fen >= 0", name=op.f("ck_trade_in_link_credit_not_negative")),
        sa.CheckConstraint("status IN ('active', 'released')", name=op.f("ck_trade_in_link_known_status")),
        sa.ForeignKeyConstraint(
            ["installation_order_id"],
            ["work_order.id"],
            name=op.f("fk_trade_in_link_installation_order_id_work_order"),
        ),
        sa.ForeignKeyConstraint(
            ["linked_by_id"], ["app_user.id"], name=op.f("fk_trade_in_link_linked_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["released_by_id"], ["app_user.id"], name=op.f("fk_trade_in_link_released_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_trade_in_link_tenant_id_tenant")),
        sa.ForeignKeyConstraint(
            ["trade_in_id"], ["trade_in.id"], name=op.f("fk_trade_in_link_trade_in_id_trade_in")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trade_in_link")),
    )
    op.create_index(
        op.f("ix_trade_in_link_installation_order_id"),
        "trade_in_link",
        ["installation_order_id"],
        unique=False,
    )
    op.create_index(op.f("ix_trade_in_link_tenant_id"), "trade_in_link", ["tenant_id"], unique=False)
    op.create_index(op.f("ix_trade_in_link_trade_in_id"), "trade_in_link", ["trade_in_id"], unique=False)
    for name, column in (
        ("uq_trade_in_link_one_active_per_trade_in", "trade_in_id"),
        ("uq_trade_in_link_one_active_per_order", "installation_order_id"),
    ):
        op.create_index(
            name,
            "trade_in_link",
            [column],
            unique=True,
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        )

    op.create_table(
        "trade_in_booking",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("tenant_id", BIGINT, nullable=False),
        sa.Column("recycling_order_id", BIGINT, nullable=False),
        sa.Column("installation_order_id", BIGINT, nullable=False),
        sa.Column("booked_by_id", BIGINT, nullable=True),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.ForeignKeyConstraint(
            ["booked_by_id"], ["app_user.id"], name=op.f("fk_trade_in_booking_booked_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["installation_order_id"],
            ["work_order.id"],
            name=op.f("fk_trade_in_booking_installation_order_id_work_order"),
        ),
        sa.ForeignKeyConstraint(
            ["recycling_order_id"],
            ["work_order.id"],
            name=op.f("fk_trade_in_booking_recycling_order_id_work_order"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_trade_in_booking_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trade_in_booking")),
        sa.UniqueConstraint("installation_order_id", name=op.f("uq_trade_in_booking_installation_order_id")),
        sa.UniqueConstraint("recycling_order_id", name=op.f("uq_trade_in_booking_recycling_order_id")),
    )
    op.create_index(op.f("ix_trade_in_booking_tenant_id"), "trade_in_booking", ["tenant_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_trade_in_booking_tenant_id"), table_name="trade_in_booking")
    op.drop_table("trade_in_booking")
    op.drop_index("uq_trade_in_link_one_active_per_order", table_name="trade_in_link")
    op.drop_index("uq_trade_in_link_one_active_per_trade_in", table_name="trade_in_link")
    op.drop_index(op.f("ix_trade_in_link_trade_in_id"), table_name="trade_in_link")
    op.drop_index(op.f("ix_trade_in_link_tenant_id"), table_name="trade_in_link")
    op.drop_index(op.f("ix_trade_in_link_installation_order_id"), table_name="trade_in_link")
    op.drop_table("trade_in_link")
    op.drop_index("ix_trade_in_customer", table_name="trade_in")
    op.drop_table("trade_in")
    op.drop_index(op.f("ix_trade_in_terms_tenant_id"), table_name="trade_in_terms")
    op.drop_table("trade_in_terms")
    op.drop_index(op.f("ix_trade_in_rate_tenant_id"), table_name="trade_in_rate")
    op.drop_table("trade_in_rate")
