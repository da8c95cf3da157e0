"""quote pricing: quotes priced from the price book, with what warranty covers and why

``quote_line`` gains the price book item it names (``price_item_id``, ``code``; None for a line typed by
hand, kind ``other``, which ``needs_review``), ``quantity``, ``unit`` and ``unit_price_fen``, and the split
of its amount into ``covered_fen`` and ``payable_fen`` with ``coverage`` and its reason in Chinese and
English. ``quote`` gains its ``covered_fen`` and ``payable_fen``, the price book version it was priced
from and its one-line reason. ``pricing_policy`` holds a tenant's repair warranty (days), and
``rework_chargeback`` what a free rework costs, charged back to the first repair's technician and outlet.

Existing quotes were typed by hand: their lines become kind ``other``, quantity 1, nothing covered,
payable = amount (not flagged for review: they were put to the customer already), and each quote's
payable is its total. Going down, lines keep their description and amount; kind ``other`` has no
earlier equivalent and is written back as ``labour``, a material line as ``part``.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import anxin.database

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MOMENT = anxin.database.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("quote", schema=None) as batch_op:
        batch_op.add_column(sa.Column("covered_fen", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("payable_fen", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("price_book_version_id", BIGINT, nullable=True))
        batch_op.add_column(sa.Column("coverage_reason", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("coverage_reason_en", sa.String(length=400), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_quote_price_book_version_id_price_book_version"),
            "price_book_version",
            ["price_book_version_id"],
            ["id"],
        )
    op.execute("UPDATE quote SET payable_fen = total_fen")
    with op.batch_alter_table("quote", schema=None) as batch_op:
        batch_op.alter_column("payable_fen", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("covered_fen", existing_type=sa.Integer(), server_default=None)

    with op.batch_alter_table("quote_line", schema=None) as batch_op:
        batch_op.add_column(sa.Column("price_item_id", BIGINT, nullable=True))
        batch_op.add_column(sa.Column("code", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("unit", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("quantity", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("unit_price_fen", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("covered_fen", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("payable_fen", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("coverage", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("coverage_reason", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("coverage_reason_en", sa.String(length=300), nullable=True))
        batch_op.add_column(
            sa.Column("needs_review", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_quote_line_price_item_id_price_item"), "price_item", ["price_item_id"], ["id"]
        )
    op.execute(
        "UPDATE quote_line SET kind = 'other', quantity = 1, unit_price_fen = amount_fen, covered_fen = 0, "
        "payable_fen = amount_fen"
    )
    with op.batch_alter_table("quote_line", schema=None) as batch_op:
        batch_op.alter_column("unit_price_fen", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("payable_fen", existing_type=sa.Integer(), nullable=False)
        for name, kind in (("quantity", sa.Integer()), ("covered_fen", sa.Integer())):
            batch_op.alter_column(name, existing_type=kind, server_default=None)
        batch_op.alter_column("needs_review", existing_type=sa.Boolean(), server_default=None)

    op.create_table(
        "pricing_policy",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("tenant_id", BIGINT, nullable=False),
        sa.Column("repair_warranty_days", sa.Integer(), nullable=False),
        sa.Column("updated_at", MOMENT, nullable=False),
        sa.CheckConstraint(
            "repair_warranty_days BETWEEN 0 AND 730",
            name=op.f("ck_pricing_policy_repair_warranty_days_in_range"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_pricing_policy_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pricing_policy")),
        sa.UniqueConstraint("tenant_id", name=op.f("uq_pricing_policy_tenant_id")),
    )
    op.create_table(
        "rework_chargeback",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("tenant_id", BIGINT, nullable=False),
        sa.Column("quote_id", BIGINT, nullable=False),
        sa.Column("work_order_id", BIGINT, nullable=False),
        sa.Column("original_order_id", BIGINT, nullable=False),
        sa.Column("technician_id", BIGINT, nullable=True),
        sa.Column("outlet_id", BIGINT, nullable=True),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.CheckConstraint("amount_fen >= 0", name=op.f("ck_rework_chargeback_amount_not_negative")),
        sa.ForeignKeyConstraint(
            ["original_order_id"],
            ["work_order.id"],
            name=op.f("fk_rework_chargeback_original_order_id_work_order"),
        ),
        sa.ForeignKeyConstraint(
            ["outlet_id"], ["outlet.id"], name=op.f("fk_rework_chargeback_outlet_id_outlet")
        ),
        sa.ForeignKeyConstraint(["quote_id"], ["quote.id"], name=op.f("fk_rework_chargeback_quote_id_quote")),
        sa.ForeignKeyConstraint(
            ["technician_id"], ["technician.id"], name=op.f("fk_rework_chargeback_technician_id_technician")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_rework_chargeback_tenant_id_tenant")
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"], ["work_order.id"], name=op.f("fk_rework_chargeback_work_order_id_work_order")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rework_chargeback")),
        sa.UniqueConstraint("quote_id", name=op.f("uq_rework_chargeback_quote_id")),
    )
    op.create_index(
        "ix_rework_chargeback_outlet",
        "rework_chargeback",
        ["tenant_id", "outlet_id", "created_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_rework_chargeback_original_order_id"),
        "rework_chargeback",
        ["original_order_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_rework_chargeback_technician_id"), "rework_chargeback", ["technician_id"], unique=False
    )
    op.create_index(
        op.f("ix_rework_chargeback_work_order_id"), "rework_chargeback", ["work_order_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_rework_chargeback_work_order_id"), table_name="rework_chargeback")
    op.drop_index(op.f("ix_rework_chargeback_technician_id"), table_name="rework_chargeback")
    op.drop_index(op.f("ix_rework_chargeback_original_order_id"), table_name="rework_chargeback")
    op.drop_index("ix_rework_chargeback_outlet", table_name="rework_chargeback")
    op.drop_table("rework_chargeback")
    op.drop_table("pricing_policy")
    op.execute("UPDATE quote_line SET kind = 'labour' WHERE kind = 'other'")
    op.execute("UPDATE quote_line SET kind = 'part' WHERE kind = 'material'")
    with op.batch_alter_table("quote_line", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_quote_line_price_item_id_price_item"), type_="foreignkey")
        for name in (
            "needs_review",
            "coverage_reason_en",
            "coverage_reason",
            "coverage",
            "payable_fen",
            "covered_fen",
            "unit_price_fen",
            "quantity",
            "unit",
            "code",
            "price_item_id",
        ):
            batch_op.drop_column(name)
    with op.batch_alter_table("quote", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_quote_price_book_version_id_price_book_version"), type_="foreignkey"
        )
        for name in (
            "coverage_reason_en",
            "coverage_reason",
            "price_book_version_id",
            "payable_fen",
            "covered_fen",
        ):
            batch_op.drop_column(name)
