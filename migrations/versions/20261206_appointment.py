"""the appointment step: the window a technician agreed with the customer

The window itself was already the order's (``appointment_start_at``/``appointment_end_at``, stamped
``appointed_at`` by the ``appoint`` move, which changes no state). The appointment step (预约: the
technician calls the customer after accepting and before setting off) adds to ``work_order`` the note
agreed on the call (``appointment_note``, e.g. "客户中午不在家，到前再打电话") and how many times an agreed
window was changed afterwards (``appointment_changes``, 改约次数, a standard after-sales KPI). Going down,
both are dropped.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("work_order", schema=None) as batch_op:
        batch_op.add_column(sa.Column("appointment_note", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column("appointment_changes", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("work_order", schema=None) as batch_op:
        batch_op.drop_column("appointment_changes")
        batch_op.drop_column("appointment_note")
