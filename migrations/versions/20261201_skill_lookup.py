"""dispatch: the skill lookup index covers the technician, so the candidate prefilter reads it alone

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 18:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("technician_skill", schema=None) as batch_op:
        batch_op.drop_index("ix_technician_skill_lookup")
        batch_op.create_index(
            "ix_technician_skill_lookup",
            ["tenant_id", "category", "service_type", "technician_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("technician_skill", schema=None) as batch_op:
        batch_op.drop_index("ix_technician_skill_lookup")
        batch_op.create_index(
            "ix_technician_skill_lookup", ["tenant_id", "category", "service_type"], unique=False
        )
