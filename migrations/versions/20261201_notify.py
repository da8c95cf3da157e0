"""notify: webhook endpoints, inbox read marks and what delivery needs beyond the outbox

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 17:00:00
"""

from collections.abc import Sequence

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass  # placeholder in the chain; filled by the change that owns it or removed before landing


def downgrade() -> None:
    pass
