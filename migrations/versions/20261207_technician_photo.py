"""the technician's photo: shown to the customer whose order they are assigned to

A technician's photo is kept like an order's photo (decoded in full and re-encoded from its pixels by
``work_order.photos``, so no EXIF or GPS survives) under the upload directory; ``technician`` gains the
stored file's key (``photo_key``), its content type (``photo_content_type``) and when it was last changed
(``photo_updated_at``, which also busts browsers' caches). Going down, the three columns are dropped (the
files stay on disk).

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import anxin.database

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("technician", schema=None) as batch_op:
        batch_op.add_column(sa.Column("photo_key", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("photo_content_type", sa.String(length=20), nullable=True))
        batch_op.add_column(
            sa.Column("photo_updated_at", anxin.database.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("technician", schema=None) as batch_op:
        batch_op.drop_column("photo_updated_at")
        batch_op.drop_column("photo_content_type")
        batch_op.drop_column("photo_key")
