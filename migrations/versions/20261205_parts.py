"""parts: the catalog and what fits what, warehouses, stock, an order's parts, transfers, old parts, the ledger

``part`` and ``part_fit`` (which product models a part fits), ``warehouse`` at four levels (central,
regional, outlet, van), ``part_stock`` per part, warehouse and condition (good and defective apart) with
CHECK constraints keeping ``reserved`` between 0 and ``on_hand``, ``work_order_part`` (what an order
reserved and fitted), ``part_fitting`` (serial or lot numbers), ``part_transfer``, ``part_return`` (old
parts back to the factory) and ``part_movement`` (every change of stock). See ``anxin/parts``.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import anxin.database

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MOMENT = anxin.database.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "part",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("tenant_id", BIGINT, nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("category_code", sa.String(length=40), nullable=True),
        sa.Column("unit", sa.String(length=10), nullable=False),
        sa.Column("list_price_fen", sa.Integer(), nullable=False),
        sa.Column("genuine", sa.Boolean(), nullable=False),
        sa.Column("key_part", sa.String(length=40), nullable=True),
        sa.Column("return_required", sa.Boolean(), nullable=False),
        sa.Column("fits_all", sa.Boolean(), nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_part_tenant_id_tenant")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_part")),
        sa.UniqueConstraint("tenant_id", "code", name=op.f("uq_part_tenant_id_code")),
    )
    op.create_index(op.f("ix_part_tenant_id"), "part", ["tenant_id"], unique=False)

    op.create_table(
        "part_fit",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("tenant_id", BIGINT, nullable=False),
        sa.Column("part_id", BIGINT, nullable=False),
        sa.Column("product_model_id", BIGINT, nullable=False),
        sa.ForeignKeyConstraint(["part_id"], ["part.id"], name=op.f("fk_part_fit_part_id_part")),
        sa.ForeignKeyConstraint(
            ["product_model_id"],
            ["product_model.id"],
            name=op.f("fk_part_fit_product_model_id_product_model"),
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_part_fit_tenant_id_tenant")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_part_fit")),
        sa.UniqueConstraint("part_id", "product_model_id", name=op.f("uq_part_fit_part_id_product_model_id")),
    )
    op.create_index("ix_part_fit_model", "part_fit", ["tenant_id", "product_model_id"], unique=False)

    op.create_table(
        "warehouse",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("tenant_id", BIGINT, nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("parent_id", BIGINT, nullable=True),
        sa.Column("outlet_id", BIGINT, nullable=True),
        sa.Column("technician_id", BIGINT, nullable=True),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.ForeignKeyConstraint(["outlet_id"], ["outlet.id"], name=op.f("fk_warehouse_outlet_id_outlet")),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["warehouse.id"], name=op.f("fk_warehouse_parent_id_warehouse")
        ),
        sa.ForeignKeyConstraint(
            ["technician_id"], ["technician.id"], name=op.f("fk_warehouse_technician_id_technician")
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_warehouse_tenant_id_tenant")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warehouse")),
        sa.UniqueConstraint("tenant_id", "code", name=op.f("uq_warehouse_tenant_id_code")),
    )
    op.create_index(op.f("ix_warehouse_outlet_id"), "warehouse", ["outlet_id"], unique=False)
    op.create_index(op.f("ix_warehouse_technician_id"), "warehouse", ["technician_id"], unique=False)
    op.create_index(op.f("ix_warehouse_tenant_id"), "warehouse", ["tenant_id"], unique=False)

    op.create_table(
        "part_stock",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("tenant_id", BIGINT, nullable=False),
        sa.Column("warehouse_id", BIGINT, nullable=False),
        sa.Column("part_id", BIGINT, nullable=False),
        sa.Column("condition", sa.String(length=10), nullable=False),
        sa.Column("on_hand", sa.Integer(), nullable=False),
        sa.Column("reserved", sa.Integer(), nullable=False),
        sa.Column("reorder_point", sa.Integer(), nullable=False),
        sa.Column("updated_at", MOMENT, nullable=False),
        sa.CheckConstraint("reserved <= on_hand", name=op.f("ck_part_stock_reserved_within_on_hand")),
        sa.CheckConstraint("reserved >= 0", name=op.f("ck_part_stock_reserved_not_negative")),
        sa.ForeignKeyConstraint(["part_id"], ["part.id"], name=op.f("fk_part_stock_part_id_part")),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_part_stock_tenant_id_tenant")),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouse.id"], name=op.f("fk_part_stock_warehouse_id_warehouse")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_part_stock")),
        sa.UniqueConstraint(
            "warehouse_id", "part_id", "condition", name=op.f("uq_part_stock_warehouse_id_part_id_condition")
        ),
    )
    op.create_index("ix_part_stock_part", "part_stock", ["tenant_id", "part_id"], unique=False)

    op.create_table(
        "part_transfer",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("tenant_id", BIGINT, nullable=False),
        sa.Column("part_id", BIGINT, nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("from_warehouse_id", BIGINT, nullable=False),
        sa.Column("to_warehouse_id", BIGINT, nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("work_order_id", BIGINT, nullable=True),
        sa.Column("expected_at", MOMENT, nullable=False),
        sa.Column("courier_no", sa.String(length=60), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("requested_by_id", BIGINT, nullable=False),
        sa.Column("requested_at", MOMENT, nullable=False),
        sa.Column("shipped_at", MOMENT, nullable=True),
        sa.Column("received_at", MOMENT, nullable=True),
        sa.Column("cancelled_at", MOMENT, nullable=True),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_part_transfer_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["from_warehouse_id"], ["warehouse.id"], name=op.f("fk_part_transfer_from_warehouse_id_warehouse")
        ),
        sa.ForeignKeyConstraint(["part_id"], ["part.id"], name=op.f("fk_part_transfer_part_id_part")),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["app_user.id"], name=op.f("fk_part_transfer_requested_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_part_transfer_tenant_id_tenant")),
        sa.ForeignKeyConstraint(
            ["to_warehouse_id"], ["warehouse.id"], name=op.f("fk_part_transfer_to_warehouse_id_warehouse")
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"], ["work_order.id"], name=op.f("fk_part_transfer_work_order_id_work_order")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_part_transfer")),
    )
    op.create_index(
        op.f("ix_part_transfer_from_warehouse_id"), "part_transfer", ["from_warehouse_id"], unique=False
    )
    op.create_index("ix_part_transfer_tenant_status", "part_transfer", ["tenant_id", "status"], unique=False)
    op.create_index(
        op.f("ix_part_transfer_to_warehouse_id"), "part_transfer", ["to_warehouse_id"], unique=False
    )
    op.create_index(op.f("ix_part_transfer_work_order_id"), "part_transfer", ["work_order_id"], unique=False)

    op.create_table(
        "work_order_part",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("tenant_id", BIGINT, nullable=False),
        sa.Column("work_order_id", BIGINT, nullable=False),
        sa.Column("part_id", BIGINT, nullable=False),
        sa.Column("warehouse_id", BIGINT, nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("consumed", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("via_transfer", sa.Boolean(), nullable=False),
        sa.Column("transfer_id", BIGINT, nullable=True),
        sa.Column("unit_price_fen", sa.Integer(), nullable=False),
        sa.Column("reserved_by_id", BIGINT, nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("consumed_at", MOMENT, nullable=True),
        sa.Column("released_at", MOMENT, nullable=True),
        sa.Column("release_reason", sa.String(length=200), nullable=True),
        sa.CheckConstraint(
            "consumed >= 0 AND consumed <= quantity", name=op.f("ck_work_order_part_consumed_within_quantity")
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_work_order_part_quantity_positive")),
        sa.ForeignKeyConstraint(["part_id"], ["part.id"], name=op.f("fk_work_order_part_part_id_part")),
        sa.ForeignKeyConstraint(
            ["reserved_by_id"], ["app_user.id"], name=op.f("fk_work_order_part_reserved_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_work_order_part_tenant_id_tenant")
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"], ["part_transfer.id"], name=op.f("fk_work_order_part_transfer_id_part_transfer")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouse.id"], name=op.f("fk_work_order_part_warehouse_id_warehouse")
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"], ["work_order.id"], name=op.f("fk_work_order_part_work_order_id_work_order")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_order_part")),
    )
    op.create_index(op.f("ix_work_order_part_transfer_id"), "work_order_part", ["transfer_id"], unique=False)
    op.create_index(
        op.f("ix_work_order_part_work_order_id"), "work_order_part", ["work_order_id"], unique=False
    )

    op.create_table(
        "part_fitting",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("tenant_id", BIGINT, nullable=False),
        sa.Column("work_order_id", BIGINT, nullable=False),
        sa.Column("line_id", BIGINT, nullable=False),
        sa.Column("part_id", BIGINT, nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("serial_number", sa.String(length=60), nullable=True),
        sa.Column("lot_number", sa.String(length=60), nullable=True),
        sa.Column("removed_serial_number", sa.String(length=60), nullable=True),
        sa.Column("fitted_by_id", BIGINT, nullable=False),
        sa.Column("fitted_at", MOMENT, nullable=False),
        sa.ForeignKeyConstraint(
            ["fitted_by_id"], ["app_user.id"], name=op.f("fk_part_fitting_fitted_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["line_id"], ["work_order_part.id"], name=op.f("fk_part_fitting_line_id_work_order_part")
        ),
        sa.ForeignKeyConstraint(["part_id"], ["part.id"], name=op.f("fk_part_fitting_part_id_part")),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_part_fitting_tenant_id_tenant")),
        sa.ForeignKeyConstraint(
            ["work_order_id"], ["work_order.id"], name=op.f("fk_part_fitting_work_order_id_work_order")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_part_fitting")),
    )
    op.create_index(op.f("ix_part_fitting_line_id"), "part_fitting", ["line_id"], unique=False)
    op.create_index(op.f("ix_part_fitting_work_order_id"), "part_fitting", ["work_order_id"], unique=False)

    op.create_table(
        "part_return",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("tenant_id", BIGINT, nullable=False),
        sa.Column("work_order_id", BIGINT, nullable=False),
        sa.Column("fitting_id", BIGINT, nullable=False),
        sa.Column("part_id", BIGINT, nullable=False),
        sa.Column("warehouse_id", BIGINT, nullable=False),
        sa.Column("serial_number", sa.String(length=60), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("courier_company", sa.String(length=40), nullable=True),
        sa.Column("courier_no", sa.String(length=60), nullable=True),
        sa.Column("postage_paid_by", sa.String(length=12), nullable=True),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("shipped_at", MOMENT, nullable=True),
        sa.Column("shipped_by_id", BIGINT, nullable=True),
        sa.Column("received_at", MOMENT, nullable=True),
        sa.ForeignKeyConstraint(
            ["fitting_id"], ["part_fitting.id"], name=op.f("fk_part_return_fitting_id_part_fitting")
        ),
        sa.ForeignKeyConstraint(["part_id"], ["part.id"], name=op.f("fk_part_return_part_id_part")),
        sa.ForeignKeyConstraint(
            ["shipped_by_id"], ["app_user.id"], name=op.f("fk_part_return_shipped_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_part_return_tenant_id_tenant")),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouse.id"], name=op.f("fk_part_return_warehouse_id_warehouse")
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"], ["work_order.id"], name=op.f("fk_part_return_work_order_id_work_order")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_part_return")),
    )
    op.create_index("ix_part_return_tenant_status", "part_return", ["tenant_id", "status"], unique=False)
    op.create_index(op.f("ix_part_return_warehouse_id"), "part_return", ["warehouse_id"], unique=False)
    op.create_index(op.f("ix_part_return_work_order_id"), "part_return", ["work_order_id"], unique=False)

    op.create_table(
        "part_movement",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("tenant_id", BIGINT, nullable=False),
        sa.Column("warehouse_id", BIGINT, nullable=False),
        sa.Column("part_id", BIGINT, nullable=False),
        sa.Column("condition", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("on_hand_delta", sa.Integer(), nullable=False),
        sa.Column("reserved_delta", sa.Integer(), nullable=False),
        sa.Column("work_order_id", BIGINT, nullable=True),
        sa.Column("transfer_id", BIGINT, nullable=True),
        sa.Column("return_id", BIGINT, nullable=True),
        sa.Column("actor_id", BIGINT, nullable=True),
        sa.Column("occurred_at", MOMENT, nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["app_user.id"], name=op.f("fk_part_movement_actor_id_app_user")
        ),
        sa.ForeignKeyConstraint(["part_id"], ["part.id"], name=op.f("fk_part_movement_part_id_part")),
        sa.ForeignKeyConstraint(
            ["return_id"], ["part_return.id"], name=op.f("fk_part_movement_return_id_part_return")
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_part_movement_tenant_id_tenant")),
        sa.ForeignKeyConstraint(
            ["transfer_id"], ["part_transfer.id"], name=op.f("fk_part_movement_transfer_id_part_transfer")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouse.id"], name=op.f("fk_part_movement_warehouse_id_warehouse")
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"], ["work_order.id"], name=op.f("fk_part_movement_work_order_id_work_order")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_part_movement")),
    )
    op.create_index("ix_part_movement_order", "part_movement", ["work_order_id", "id"], unique=False)
    op.create_index(
        "ix_part_movement_stock", "part_movement", ["warehouse_id", "part_id", "id"], unique=False
    )


def downgrade() -> None:
    op.drop_table("part_movement")
    op.drop_table("part_return")
    op.drop_table("part_fitting")
    op.drop_table("work_order_part")
    op.drop_table("part_transfer")
    op.drop_table("part_stock")
    op.drop_table("warehouse")
    op.drop_table("part_fit")
    op.drop_table("part")
