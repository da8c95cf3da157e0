"""assistant: the service assistant's (智能客服) conversations and messages

``assistant_conversation`` (a customer's chat: status open / resolved_remote / booked / handed_off /
with_agent, the dialogue's step, the appliance, the description, the last triage, the order it made, the
agent who took it over) and ``assistant_message`` (each message: sender, text, the buttons offered).
See ``anxin/knowledge/assistant.py``.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import anxin.database

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MOMENT = anxin.database.UTCDateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "assistant_conversation",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("tenant_id", BIGINT, nullable=False),
        sa.Column("customer_id", BIGINT, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("step", sa.String(length=20), nullable=False),
        sa.Column("appliance_id", BIGINT, nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("triage", JSON, nullable=True),
        sa.Column("work_order_id", BIGINT, nullable=True),
        sa.Column("agent_id", BIGINT, nullable=True),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("updated_at", MOMENT, nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_assistant_conversation_tenant_id_tenant")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_assistant_conversation_customer_id_customer")
        ),
        sa.ForeignKeyConstraint(
            ["appliance_id"], ["appliance.id"], name=op.f("fk_assistant_conversation_appliance_id_appliance")
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"],
            ["work_order.id"],
            name=op.f("fk_assistant_conversation_work_order_id_work_order"),
        ),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["app_user.id"], name=op.f("fk_assistant_conversation_agent_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assistant_conversation")),
    )
    op.create_index(
        "ix_assistant_conversation_tenant_customer",
        "assistant_conversation",
        ["tenant_id", "customer_id"],
        unique=False,
    )
    op.create_index(
        "ix_assistant_conversation_tenant_status",
        "assistant_conversation",
        ["tenant_id", "status"],
        unique=False,
    )
    op.create_table(
        "assistant_message",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("tenant_id", BIGINT, nullable=False),
        sa.Column("conversation_id", BIGINT, nullable=False),
        sa.Column("sender", sa.String(length=20), nullable=False),
        sa.Column("author_id", BIGINT, nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("actions", JSON, nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_assistant_message_tenant_id_tenant")
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["assistant_conversation.id"],
            name=op.f("fk_assistant_message_conversation_id_assistant_conversation"),
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["app_user.id"], name=op.f("fk_assistant_message_author_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assistant_message")),
    )
    op.create_index(
        "ix_assistant_message_conversation", "assistant_message", ["conversation_id", "id"], unique=False
    )
    op.create_index(op.f("ix_assistant_message_tenant_id"), "assistant_message", ["tenant_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_assistant_message_tenant_id"), table_name="assistant_message")
    op.drop_index("ix_assistant_message_conversation", table_name="assistant_message")
    op.drop_table("assistant_message")
    op.drop_index("ix_assistant_conversation_tenant_status", table_name="assistant_conversation")
    op.drop_index("ix_assistant_conversation_tenant_customer", table_name="assistant_conversation")
    op.drop_table("assistant_conversation")
