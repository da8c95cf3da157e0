"""dispatch: the candidate prefilter reads a district's technicians from one covering index

``ix_technician_nearest`` on technician ``(tenant_id, outlet_id)`` includes, on PostgreSQL, every column the
prefilter filters and sorts on (status, automatic dispatch, last position, home), so the covering outlets'
technicians and those of no outlet are read by index-only scans, without visiting the table. The same index
is declared on the model.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 00:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INCLUDED = ["id", "status", "auto_dispatch", "last_lat", "last_lng", "home_lat", "home_lng"]


def upgrade() -> None:
    op.create_index(
        "ix_technician_nearest",
        "technician",
        ["tenant_id", "outlet_id"],
        unique=False,
        postgresql_include=INCLUDED,
    )


def downgrade() -> None:
    op.drop_index("ix_technician_nearest", table_name="technician")
