"""relay numbers (隐私号) per order: ``relay_binding``

One row per relay number a telephony provider bound for an order (``anxin/telephony``): the provider's
name, the relay number and the provider's id of the binding, the parties by record (``customer_id``,
``technician_id``) and only masked (``138****8000``: the bridge's log never keeps a whole number), its
status (``active`` while the order is open with a technician, ``closing`` in the grace period after it is
finished or cancelled, ``released``), when it was bound, expires, was released and why, when the provider
confirmed the unbinding, and how many times the technician's side was changed on reassignment. A partial
unique index keeps one active or closing binding per order. Going down, the table is dropped.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import anxin.database

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MOMENT = anxin.database.UTCDateTime(timezone=True)
LIVE = sa.text("status IN ('active', 'closing')")


def _fk(column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_relay_binding_{column}_{target}")
    )


def upgrade() -> None:
    op.create_table(
        "relay_binding",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("tenant_id", BIGINT, nullable=False),
        sa.Column("work_order_id", BIGINT, nullable=False),
        sa.Column("provider", sa.String(length=30), nullable=False),
        sa.Column("relay_number", sa.String(length=20), nullable=False),
        sa.Column("subscription_id", sa.String(length=64), nullable=False),
        sa.Column("customer_id", BIGINT, nullable=False),
        sa.Column("technician_id", BIGINT, nullable=False),
        sa.Column("customer_masked", sa.String(length=20), nullable=False),
        sa.Column("technician_masked", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("bound_at", MOMENT, nullable=False),
        sa.Column("expires_at", MOMENT, nullable=False),
        sa.Column("rebinds", sa.Integer(), nullable=False),
        sa.Column("released_at", MOMENT, nullable=True),
        sa.Column("release_reason", sa.String(length=30), nullable=True),
        sa.Column("unbound_at", MOMENT, nullable=True),
        sa.CheckConstraint(
            "status IN ('active', 'closing', 'released')", name=op.f("ck_relay_binding_known_status")
        ),
        _fk("tenant_id", "tenant"),
        _fk("work_order_id", "work_order"),
        _fk("customer_id", "customer"),
        _fk("technician_id", "technician"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relay_binding")),
    )
    op.create_index(op.f("ix_relay_binding_tenant_id"), "relay_binding", ["tenant_id"], unique=False)
    op.create_index(op.f("ix_relay_binding_work_order_id"), "relay_binding", ["work_order_id"], unique=False)
    op.create_index("ix_relay_binding_due", "relay_binding", ["status", "expires_at"], unique=False)
    op.create_index("ix_relay_binding_number", "relay_binding", ["relay_number", "status"], unique=False)
    op.create_index(
        "uq_relay_binding_one_live_per_order",
        "relay_binding",
        ["work_order_id"],
        unique=True,
        sqlite_where=LIVE,
        postgresql_where=LIVE,
    )


def downgrade() -> None:
    op.drop_index("uq_relay_binding_one_live_per_order", table_name="relay_binding")
    op.drop_index("ix_relay_binding_number", table_name="relay_binding")
    op.drop_index("ix_relay_binding_due", table_name="relay_binding")
    op.drop_index(op.f("ix_relay_binding_work_order_id"), table_name="relay_binding")
    op.drop_index(op.f("ix_relay_binding_tenant_id"), table_name="relay_binding")
    op.drop_table("relay_binding")
