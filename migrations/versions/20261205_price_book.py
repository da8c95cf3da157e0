"""price book: the public prices (三公开) in versions with effective dates

``price_book_version`` numbers a tenant's versions; a draft has no effective date, a published version has
one and is never edited again (CHECK constraints on both; a partial unique index allows one draft per
tenant). ``price_item`` holds a version's visit fees, labour, parts and materials (``part_code`` names the
part catalog's part by code, not by key) and ``price_override`` what a brand charges instead. See
``anxin/pricing``.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import anxin.database

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MOMENT = anxin.database.UTCDateTime(timezone=True)
ONE_DRAFT = sa.text("status = 'draft'")


def upgrade() -> None:
    op.create_table(
        "price_book_version",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("tenant_id", BIGINT, nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("based_on_id", BIGINT, nullable=True),
        sa.Column("created_by_id", BIGINT, nullable=True),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("published_by_id", BIGINT, nullable=True),
        sa.Column("published_at", MOMENT, nullable=True),
        sa.CheckConstraint(
            "status IN ('draft', 'published')", name=op.f("ck_price_book_version_known_status")
        ),
        sa.CheckConstraint(
            "(status = 'draft' AND effective_from IS NULL) OR (status = 'published' AND effective_from IS NOT NULL)",
            name=op.f("ck_price_book_version_published_has_date"),
        ),
        sa.ForeignKeyConstraint(
            ["based_on_id"],
            ["price_book_version.id"],
            name=op.f("fk_price_book_version_based_on_id_price_book_version"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name=op.f("fk_price_book_version_created_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["published_by_id"], ["app_user.id"], name=op.f("fk_price_book_version_published_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_price_book_version_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_book_version")),
        sa.UniqueConstraint("tenant_id", "number", name=op.f("uq_price_book_version_tenant_id_number")),
    )
    op.create_index(
        op.f("ix_price_book_version_tenant_id"), "price_book_version", ["tenant_id"], unique=False
    )
    op.create_index(
        "uq_price_book_version_one_draft",
        "price_book_version",
        ["tenant_id"],
        unique=True,
        sqlite_where=ONE_DRAFT,
        postgresql_where=ONE_DRAFT,
    )
    op.create_table(
        "price_item",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("tenant_id", BIGINT, nullable=False),
        sa.Column("version_id", BIGINT, nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("unit", sa.String(length=10), nullable=False),
        sa.Column("price_fen", sa.Integer(), nullable=False),
        sa.Column("category_code", sa.String(length=40), nullable=True),
        sa.Column("service_type", sa.String(length=20), nullable=True),
        sa.Column("area", sa.String(length=10), nullable=True),
        sa.Column("fault", sa.String(length=60), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("part_code", sa.String(length=40), nullable=True),
        sa.CheckConstraint("price_fen >= 0", name=op.f("ck_price_item_price_not_negative")),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_price_item_tenant_id_tenant")),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["price_book_version.id"],
            name=op.f("fk_price_item_version_id_price_book_version"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_item")),
        sa.UniqueConstraint("version_id", "code", name=op.f("uq_price_item_version_id_code")),
    )
    op.create_index(op.f("ix_price_item_tenant_id"), "price_item", ["tenant_id"], unique=False)
    op.create_index(op.f("ix_price_item_version_id"), "price_item", ["version_id"], unique=False)
    op.create_table(
        "price_override",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("tenant_id", BIGINT, nullable=False),
        sa.Column("item_id", BIGINT, nullable=False),
        sa.Column("brand_id", BIGINT, nullable=False),
        sa.Column("price_fen", sa.Integer(), nullable=False),
        sa.CheckConstraint("price_fen >= 0", name=op.f("ck_price_override_price_not_negative")),
        sa.ForeignKeyConstraint(["brand_id"], ["brand.id"], name=op.f("fk_price_override_brand_id_brand")),
        sa.ForeignKeyConstraint(
            ["item_id"], ["price_item.id"], name=op.f("fk_price_override_item_id_price_item")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_price_override_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_override")),
        sa.UniqueConstraint("item_id", "brand_id", name=op.f("uq_price_override_item_id_brand_id")),
    )
    op.create_index(op.f("ix_price_override_item_id"), "price_override", ["item_id"], unique=False)
    op.create_index(op.f("ix_price_override_tenant_id"), "price_override", ["tenant_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_price_override_tenant_id"), table_name="price_override")
    op.drop_index(op.f("ix_price_override_item_id"), table_name="price_override")
    op.drop_table("price_override")
    op.drop_index(op.f("ix_price_item_version_id"), table_name="price_item")
    op.drop_index(op.f("ix_price_item_tenant_id"), table_name="price_item")
    op.drop_table("price_item")
    op.drop_index("uq_price_book_version_one_draft", table_name="price_book_version")
    op.drop_index(op.f("ix_price_book_version_tenant_id"), table_name="price_book_version")
    op.drop_table("price_book_version")
