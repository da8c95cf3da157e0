"""settlement: closure review, fee rules, outlets' monthly statements, technicians' pay

``closure_review`` (an outlet's finished order submitted for the brand's review: pending, approved or
rejected with a reason; one per order) and its append-only ``closure_review_event``; ``fee_rule`` (a
tenant's fees per approved order, deductions, commissions and deposits, in fen); ``settlement_statement``
(an outlet's month: draft, confirmed or disputed; one per outlet and month) with its ``settlement_line``
rows (fees positive, deductions negative), ``technician_pay`` (each technician's commission, deductions and
deposit) and ``settlement_event`` (its history). See ``anxin/settlement``.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import anxin.database

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fee_rule",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("service_type", sa.String(length=20), nullable=True),
        sa.Column("category_code", sa.String(length=40), nullable=True),
        sa.Column("area_type", sa.String(length=10), nullable=True),
        sa.Column("priority", sa.String(length=10), nullable=True),
        sa.Column("level", sa.String(length=10), nullable=True),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("rate_bp", sa.Integer(), nullable=False),
        sa.Column("cap_fen", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("updated_at", anxin.database.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_fen >= 0", name=op.f("ck_fee_rule_amount_not_negative")),
        sa.CheckConstraint("rate_bp >= 0 AND rate_bp <= 10000", name=op.f("ck_fee_rule_rate_in_range")),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_fee_rule_tenant_id_tenant")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_rule")),
    )
    op.create_index("ix_fee_rule_tenant_kind", "fee_rule", ["tenant_id", "kind"], unique=False)
    op.create_table(
        "settlement_statement",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("outlet_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("fees_fen", sa.Integer(), nullable=False),
        sa.Column("deductions_fen", sa.Integer(), nullable=False),
        sa.Column("total_fen", sa.Integer(), nullable=False),
        sa.Column("generated_at", anxin.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("confirmed_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("confirmed_at", anxin.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("dispute_reason", sa.String(length=300), nullable=True),
        sa.Column("disputed_at", anxin.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.String(length=300), nullable=True),
        sa.Column("resolved_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("resolved_at", anxin.database.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('draft', 'confirmed', 'disputed')", name=op.f("ck_settlement_statement_known_status")
        ),
        sa.ForeignKeyConstraint(
            ["confirmed_by_id"],
            ["app_user.id"],
            name=op.f("fk_settlement_statement_confirmed_by_id_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["outlet_id"], ["outlet.id"], name=op.f("fk_settlement_statement_outlet_id_outlet")
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"], ["app_user.id"], name=op.f("fk_settlement_statement_resolved_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_settlement_statement_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settlement_statement")),
        sa.UniqueConstraint(
            "tenant_id", "outlet_id", "month", name=op.f("uq_settlement_statement_tenant_id_outlet_id_month")
        ),
    )
    op.create_index(
        op.f("ix_settlement_statement_outlet_id"), "settlement_statement", ["outlet_id"], unique=False
    )
    op.create_index(
        op.f("ix_settlement_statement_tenant_id"), "settlement_statement", ["tenant_id"], unique=False
    )
    op.create_table(
        "closure_review",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("work_order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("outlet_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.Column("submitted_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("submitted_at", anxin.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reviewed_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("reviewed_at", anxin.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reject_reason", sa.String(length=300), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'rejected')", name=op.f("ck_closure_review_known_status")
        ),
        sa.ForeignKeyConstraint(
            ["outlet_id"], ["outlet.id"], name=op.f("fk_closure_review_outlet_id_outlet")
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"], ["app_user.id"], name=op.f("fk_closure_review_reviewed_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"], ["app_user.id"], name=op.f("fk_closure_review_submitted_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_closure_review_tenant_id_tenant")
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"], ["work_order.id"], name=op.f("fk_closure_review_work_order_id_work_order")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_closure_review")),
        sa.UniqueConstraint("work_order_id", name=op.f("uq_closure_review_work_order_id")),
    )
    op.create_index(op.f("ix_closure_review_outlet_id"), "closure_review", ["outlet_id"], unique=False)
    op.create_index(
        "ix_closure_review_queue", "closure_review", ["tenant_id", "status", "submitted_at"], unique=False
    )
    op.create_table(
        "settlement_event",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("statement_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("action", sa.String(length=12), nullable=False),
        sa.Column("actor_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("actor_role", sa.String(length=20), nullable=False),
        sa.Column("occurred_at", anxin.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.Column("total_fen", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["app_user.id"], name=op.f("fk_settlement_event_actor_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["settlement_statement.id"],
            name=op.f("fk_settlement_event_statement_id_settlement_statement"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_settlement_event_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settlement_event")),
    )
    op.create_index(
        op.f("ix_settlement_event_statement_id"), "settlement_event", ["statement_id"], unique=False
    )
    op.create_table(
        "settlement_line",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("statement_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("work_order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("order_number", sa.String(length=24), nullable=True),
        sa.Column("technician_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("description_en", sa.String(length=300), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["settlement_statement.id"],
            name=op.f("fk_settlement_line_statement_id_settlement_statement"),
        ),
        sa.ForeignKeyConstraint(
            ["technician_id"], ["technician.id"], name=op.f("fk_settlement_line_technician_id_technician")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_settlement_line_tenant_id_tenant")
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"], ["work_order.id"], name=op.f("fk_settlement_line_work_order_id_work_order")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settlement_line")),
    )
    op.create_index(
        op.f("ix_settlement_line_statement_id"), "settlement_line", ["statement_id"], unique=False
    )
    op.create_table(
        "technician_pay",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("statement_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("technician_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("fees_fen", sa.Integer(), nullable=False),
        sa.Column("rate_bp", sa.Integer(), nullable=False),
        sa.Column("commission_fen", sa.Integer(), nullable=False),
        sa.Column("rework_fen", sa.Integer(), nullable=False),
        sa.Column("penalty_points", sa.Integer(), nullable=False),
        sa.Column("penalty_fen", sa.Integer(), nullable=False),
        sa.Column("deposit_fen", sa.Integer(), nullable=False),
        sa.Column("deposit_held_fen", sa.Integer(), nullable=False),
        sa.Column("net_fen", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["settlement_statement.id"],
            name=op.f("fk_technician_pay_statement_id_settlement_statement"),
        ),
        sa.ForeignKeyConstraint(
            ["technician_id"], ["technician.id"], name=op.f("fk_technician_pay_technician_id_technician")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_technician_pay_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_technician_pay")),
        sa.UniqueConstraint(
            "statement_id", "technician_id", name=op.f("uq_technician_pay_statement_id_technician_id")
        ),
    )
    op.create_index(op.f("ix_technician_pay_statement_id"), "technician_pay", ["statement_id"], unique=False)
    op.create_index(
        op.f("ix_technician_pay_technician_id"), "technician_pay", ["technician_id"], unique=False
    )
    op.create_table(
        "closure_review_event",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("review_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("action", sa.String(length=12), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("actor_role", sa.String(length=20), nullable=False),
        sa.Column("occurred_at", anxin.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["app_user.id"], name=op.f("fk_closure_review_event_actor_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["closure_review.id"],
            name=op.f("fk_closure_review_event_review_id_closure_review"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_closure_review_event_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_closure_review_event")),
    )
    op.create_index(
        op.f("ix_closure_review_event_review_id"), "closure_review_event", ["review_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_closure_review_event_review_id"), table_name="closure_review_event")
    op.drop_table("closure_review_event")
    op.drop_index(op.f("ix_technician_pay_technician_id"), table_name="technician_pay")
    op.drop_index(op.f("ix_technician_pay_statement_id"), table_name="technician_pay")
    op.drop_table("technician_pay")
    op.drop_index(op.f("ix_settlement_line_statement_id"), table_name="settlement_line")
    op.drop_table("settlement_line")
    op.drop_index(op.f("ix_settlement_event_statement_id"), table_name="settlement_event")
    op.drop_table("settlement_event")
    op.drop_index("ix_closure_review_queue", table_name="closure_review")
    op.drop_index(op.f("ix_closure_review_outlet_id"), table_name="closure_review")
    op.drop_table("closure_review")
    op.drop_index(op.f("ix_settlement_statement_tenant_id"), table_name="settlement_statement")
    op.drop_index(op.f("ix_settlement_statement_outlet_id"), table_name="settlement_statement")
    op.drop_table("settlement_statement")
    op.drop_index("ix_fee_rule_tenant_kind", table_name="fee_rule")
    op.drop_table("fee_rule")
