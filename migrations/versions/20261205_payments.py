"""payments: what a customer pays for an order, discounts, refunds and e-invoices

``payment`` (one attempt to collect what is due: WeChat Pay or Alipay through the gateway, pending until
its signed notification, or cash or card recorded on site; at most one pending per order, a partial unique
index; ``refunded_fen`` between 0 and ``amount_fen``, a CHECK), ``payment_adjustment`` (a discount or a
refund with its reason, requester and approver, never the same person, a CHECK) and ``payment_invoice``
(one e-invoice per order, requested then issued with its number). Money in integer fen. See
``anxin/pricing/payments.py``.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import anxin.database

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MOMENT = anxin.database.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "payment",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("tenant_id", BIGINT, nullable=False),
        sa.Column("work_order_id", BIGINT, nullable=False),
        sa.Column("quote_id", BIGINT, nullable=True),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("gateway", sa.String(length=20), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("refunded_fen", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("code_url", sa.String(length=300), nullable=True),
        sa.Column("gateway_txn", sa.String(length=64), nullable=True),
        sa.Column("idempotency_key", sa.String(length=100), nullable=True),
        sa.Column("request_hash", sa.String(length=64), nullable=True),
        sa.Column("created_by_id", BIGINT, nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("paid_at", MOMENT, nullable=True),
        sa.Column("closed_at", MOMENT, nullable=True),
        sa.CheckConstraint(
            "method IN ('wechat', 'alipay', 'cash', 'card')", name=op.f("ck_payment_known_method")
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'paid', 'failed', 'cancelled', 'partially_refunded', 'refunded')",
            name=op.f("ck_payment_known_status"),
        ),
        sa.CheckConstraint("amount_fen > 0", name=op.f("ck_payment_amount_positive")),
        sa.CheckConstraint(
            "refunded_fen >= 0 AND refunded_fen <= amount_fen", name=op.f("ck_payment_refund_within_amount")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name=op.f("fk_payment_created_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(["quote_id"], ["quote.id"], name=op.f("fk_payment_quote_id_quote")),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_payment_tenant_id_tenant")),
        sa.ForeignKeyConstraint(
            ["work_order_id"], ["work_order.id"], name=op.f("fk_payment_work_order_id_work_order")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment")),
        sa.UniqueConstraint("reference", name=op.f("uq_payment_reference")),
        sa.UniqueConstraint("tenant_id", "created_by_id", "idempotency_key", name="uq_payment_idempotency"),
    )
    op.create_index(op.f("ix_payment_tenant_id"), "payment", ["tenant_id"], unique=False)
    op.create_index(op.f("ix_payment_work_order_id"), "payment", ["work_order_id"], unique=False)
    op.create_index(
        "uq_payment_one_pending",
        "payment",
        ["work_order_id"],
        unique=True,
        sqlite_where=sa.text("status = 'pending'"),
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_table(
        "payment_adjustment",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("tenant_id", BIGINT, nullable=False),
        sa.Column("work_order_id", BIGINT, nullable=False),
        sa.Column("payment_id", BIGINT, nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("idempotency_key", sa.String(length=100), nullable=True),
        sa.Column("request_hash", sa.String(length=64), nullable=True),
        sa.Column("requested_by_id", BIGINT, nullable=False),
        sa.Column("requested_at", MOMENT, nullable=False),
        sa.Column("decided_by_id", BIGINT, nullable=True),
        sa.Column("decided_at", MOMENT, nullable=True),
        sa.Column("decision_note", sa.String(length=200), nullable=True),
        sa.CheckConstraint(
            "kind = 'discount' OR payment_id IS NOT NULL",
            name=op.f("ck_payment_adjustment_refund_names_payment"),
        ),
        sa.CheckConstraint("kind IN ('discount', 'refund')", name=op.f("ck_payment_adjustment_known_kind")),
        sa.CheckConstraint(
            "status IN ('requested', 'approved', 'rejected')", name=op.f("ck_payment_adjustment_known_status")
        ),
        sa.CheckConstraint("amount_fen > 0", name=op.f("ck_payment_adjustment_amount_positive")),
        sa.CheckConstraint(
            "decided_by_id IS NULL OR decided_by_id <> requested_by_id",
            name=op.f("ck_payment_adjustment_not_decided_by_requester"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["app_user.id"], name=op.f("fk_payment_adjustment_decided_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payment.id"], name=op.f("fk_payment_adjustment_payment_id_payment")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["app_user.id"], name=op.f("fk_payment_adjustment_requested_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_payment_adjustment_tenant_id_tenant")
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"], ["work_order.id"], name=op.f("fk_payment_adjustment_work_order_id_work_order")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_adjustment")),
        sa.UniqueConstraint(
            "tenant_id", "requested_by_id", "idempotency_key", name="uq_payment_adjustment_idempotency"
        ),
    )
    op.create_index(
        op.f("ix_payment_adjustment_payment_id"), "payment_adjustment", ["payment_id"], unique=False
    )
    op.create_index(
        op.f("ix_payment_adjustment_tenant_id"), "payment_adjustment", ["tenant_id"], unique=False
    )
    op.create_index(
        op.f("ix_payment_adjustment_work_order_id"), "payment_adjustment", ["work_order_id"], unique=False
    )
    op.create_table(
        "payment_invoice",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("tenant_id", BIGINT, nullable=False),
        sa.Column("work_order_id", BIGINT, nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("tax_id", sa.String(length=20), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=True),
        sa.Column("requested_by_id", BIGINT, nullable=False),
        sa.Column("requested_at", MOMENT, nullable=False),
        sa.Column("issued_at", MOMENT, nullable=True),
        sa.CheckConstraint("status IN ('requested', 'issued')", name=op.f("ck_payment_invoice_known_status")),
        sa.CheckConstraint("amount_fen >= 0", name=op.f("ck_payment_invoice_amount_not_negative")),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["app_user.id"], name=op.f("fk_payment_invoice_requested_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_payment_invoice_tenant_id_tenant")
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"], ["work_order.id"], name=op.f("fk_payment_invoice_work_order_id_work_order")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_invoice")),
        sa.UniqueConstraint("tenant_id", "number", name=op.f("uq_payment_invoice_tenant_id_number")),
        sa.UniqueConstraint("work_order_id", name=op.f("uq_payment_invoice_work_order_id")),
    )
    op.create_index(op.f("ix_payment_invoice_tenant_id"), "payment_invoice", ["tenant_id"], unique=False)


def downgrade() -> None:
    op.drop_table("payment_invoice")
    op.drop_table("payment_adjustment")
    op.drop_index("uq_payment_one_pending", table_name="payment")
    op.drop_table("payment")
