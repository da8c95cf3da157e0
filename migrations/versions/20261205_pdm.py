"""pdm: the latest failure prediction per appliance

``pdm_score`` (one row per appliance, replaced at every ``anxin pdm score`` run: the most likely failing
component, its probability, the probability of any failure, the horizon, and the model's training time).
The trained model itself is a file (``var/pdm/<tenant>.pkl`` or ``ANXIN_PDM_MODEL``), not a table. See
``anxin/telemetry/pdm.py``.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import anxin.database

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MOMENT = anxin.database.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "pdm_score",
        sa.Column("appliance_id", BIGINT, nullable=False),
        sa.Column("tenant_id", BIGINT, nullable=False),
        sa.Column("component", sa.String(length=40), nullable=False),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("failure_probability", sa.Float(), nullable=False),
        sa.Column("horizon_hours", sa.Integer(), nullable=False),
        sa.Column("model_trained_at", MOMENT, nullable=False),
        sa.Column("scored_at", MOMENT, nullable=False),
        sa.ForeignKeyConstraint(
            ["appliance_id"], ["appliance.id"], name=op.f("fk_pdm_score_appliance_id_appliance")
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_pdm_score_tenant_id_tenant")),
        sa.PrimaryKeyConstraint("appliance_id", name=op.f("pk_pdm_score")),
    )
    op.create_index(op.f("ix_pdm_score_tenant_id"), "pdm_score", ["tenant_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_pdm_score_tenant_id"), table_name="pdm_score")
    op.drop_table("pdm_score")
