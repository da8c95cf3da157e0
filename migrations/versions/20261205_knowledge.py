"""knowledge: the fault knowledge base and the error codes displays show

``knowledge_entry`` (one per tenant, category and fault or service request: symptoms, causes, self-help
steps, whether a visit is needed, the service type, likely parts, typical duration, keywords for triage)
and ``knowledge_error_code`` (a display's code for the entry's category, by brand and series where they
differ, with its meaning; indexed by tenant and code for the exact lookup), and ``work_order_triage``
(what triage made of an order's description at intake: category, fault, confidence, the code and its
meaning, skill, likely parts, self-help, alternatives). See ``anxin/knowledge``.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import anxin.database

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MOMENT = anxin.database.UTCDateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "knowledge_entry",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("tenant_id", BIGINT, nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("fault", sa.String(length=30), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("symptoms", JSON, nullable=False),
        sa.Column("causes", JSON, nullable=False),
        sa.Column("self_help", JSON, nullable=False),
        sa.Column("keywords", JSON, nullable=False),
        sa.Column("parts", JSON, nullable=False),
        sa.Column("visit_needed", sa.Boolean(), nullable=False),
        sa.Column("service_type", sa.String(length=20), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("updated_at", MOMENT, nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_knowledge_entry_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_entry")),
        sa.UniqueConstraint(
            "tenant_id", "category", "fault", name=op.f("uq_knowledge_entry_tenant_id_category_fault")
        ),
    )
    op.create_index(
        "ix_knowledge_entry_tenant_category", "knowledge_entry", ["tenant_id", "category"], unique=False
    )
    op.create_table(
        "knowledge_error_code",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("tenant_id", BIGINT, nullable=False),
        sa.Column("entry_id", BIGINT, nullable=False),
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("brand", sa.String(length=40), nullable=True),
        sa.Column("series", sa.String(length=40), nullable=True),
        sa.Column("meaning", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["knowledge_entry.id"],
            name=op.f("fk_knowledge_error_code_entry_id_knowledge_entry"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_knowledge_error_code_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_error_code")),
    )
    op.create_index(
        op.f("ix_knowledge_error_code_entry_id"), "knowledge_error_code", ["entry_id"], unique=False
    )
    op.create_index(
        "ix_knowledge_error_code_lookup", "knowledge_error_code", ["tenant_id", "code"], unique=False
    )

    op.create_table(
        "work_order_triage",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("tenant_id", BIGINT, nullable=False),
        sa.Column("work_order_id", BIGINT, nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("fault", sa.String(length=30), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("error_code", sa.String(length=10), nullable=True),
        sa.Column("error_meaning", sa.String(length=200), nullable=True),
        sa.Column("entry_id", BIGINT, nullable=True),
        sa.Column("skill", JSON, nullable=False),
        sa.Column("parts", JSON, nullable=False),
        sa.Column("self_help", JSON, nullable=False),
        sa.Column("alternatives", JSON, nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["knowledge_entry.id"], name=op.f("fk_work_order_triage_entry_id_knowledge_entry")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_work_order_triage_tenant_id_tenant")
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"], ["work_order.id"], name=op.f("fk_work_order_triage_work_order_id_work_order")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_order_triage")),
        sa.UniqueConstraint("work_order_id", name=op.f("uq_work_order_triage_work_order_id")),
    )
    op.create_index(op.f("ix_work_order_triage_tenant_id"), "work_order_triage", ["tenant_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_work_order_triage_tenant_id"), table_name="work_order_triage")
    op.drop_table("work_order_triage")
    op.drop_index("ix_knowledge_error_code_lookup", table_name="knowledge_error_code")
    op.drop_index(op.f("ix_knowledge_error_code_entry_id"), table_name="knowledge_error_code")
    op.drop_table("knowledge_error_code")
    op.drop_index("ix_knowledge_entry_tenant_category", table_name="knowledge_entry")
    op.drop_table("knowledge_entry")
