"""quality loop: outbox, surveys, service tasks, complaints, quality policy

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 16:59:23.394036
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import anxin.database

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "complaint_sequence",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("month", sa.String(length=6), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_complaint_sequence_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_sequence")),
        sa.UniqueConstraint("tenant_id", "month", name=op.f("uq_complaint_sequence_tenant_id_month")),
    )
    op.create_table(
        "quality_policy",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("survey_send_within_hours", sa.Integer(), nullable=False),
        sa.Column("survey_expires_hours", sa.Integer(), nullable=False),
        sa.Column("survey_call_after_hours", sa.Integer(), nullable=False),
        sa.Column("low_score", sa.Integer(), nullable=False),
        sa.Column("major_owner_hours", sa.Integer(), nullable=False),
        sa.Column("major_resolve_hours", sa.Integer(), nullable=False),
        sa.Column("general_resolve_hours", sa.Integer(), nullable=False),
        sa.Column("rating_window", sa.Integer(), nullable=False),
        sa.Column("retraining_below", sa.Float(), nullable=False),
        sa.Column("low_rating_max", sa.Integer(), nullable=False),
        sa.Column("low_rating_run", sa.Integer(), nullable=False),
        sa.Column("points_upheld_complaint", sa.Integer(), nullable=False),
        sa.Column("points_missed_appointment", sa.Integer(), nullable=False),
        sa.Column("points_far_evidence", sa.Integer(), nullable=False),
        sa.Column("warning_points", sa.Integer(), nullable=False),
        sa.Column("retraining_points", sa.Integer(), nullable=False),
        sa.Column("suspension_points", sa.Integer(), nullable=False),
        sa.Column("updated_at", anxin.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_quality_policy_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_policy")),
        sa.UniqueConstraint("tenant_id", name=op.f("uq_quality_policy_tenant_id")),
    )
    op.create_table(
        "outbox_message",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("event", sa.String(length=60), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column(
            "context",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("work_order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", anxin.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", anxin.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", anxin.database.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_outbox_message_tenant_id_tenant")
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"], ["work_order.id"], name=op.f("fk_outbox_message_work_order_id_work_order")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_message")),
        sa.UniqueConstraint("tenant_id", "dedupe_key", name=op.f("uq_outbox_message_tenant_id_dedupe_key")),
    )
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_message_due", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_message_work_order_id"), ["work_order_id"], unique=False)

    op.create_table(
        "survey",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("work_order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("technician_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", anxin.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", anxin.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expires_at", anxin.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answered_at", anxin.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("answered_via", sa.String(length=10), nullable=True),
        sa.Column("answered_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("attitude", sa.Integer(), nullable=True),
        sa.Column("skill", sa.Integer(), nullable=True),
        sa.Column("punctuality", sa.Integer(), nullable=True),
        sa.Column("promises", sa.Integer(), nullable=True),
        sa.Column("overall", sa.Integer(), nullable=True),
        sa.Column("nps", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("resolved", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["answered_by_id"], ["app_user.id"], name=op.f("fk_survey_answered_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_survey_customer_id_customer")
        ),
        sa.ForeignKeyConstraint(
            ["technician_id"], ["technician.id"], name=op.f("fk_survey_technician_id_technician")
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_survey_tenant_id_tenant")),
        sa.ForeignKeyConstraint(
            ["work_order_id"], ["work_order.id"], name=op.f("fk_survey_work_order_id_work_order")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey")),
        sa.UniqueConstraint("work_order_id", name=op.f("uq_survey_work_order_id")),
    )
    with op.batch_alter_table("survey", schema=None) as batch_op:
        batch_op.create_index("ix_survey_technician_answered", ["technician_id", "answered_at"], unique=False)
        batch_op.create_index("ix_survey_tenant_status", ["tenant_id", "status"], unique=False)

    op.create_table(
        "complaint",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("work_order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("technician_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("outlet_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("survey_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("owner_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("created_at", anxin.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("registered_at", anxin.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("assigned_at", anxin.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("investigating_at", anxin.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", anxin.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("customer_confirmed_at", anxin.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", anxin.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reopened_at", anxin.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("owner_due_at", anxin.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolve_due_at", anxin.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", anxin.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("escalated_at", anxin.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("responsibility", sa.String(length=20), nullable=True),
        sa.Column("compensation_fen", sa.Integer(), nullable=True),
        sa.Column(
            "compensation_approved_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("compensation_approved_at", anxin.database.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["compensation_approved_by_id"],
            ["app_user.id"],
            name=op.f("fk_complaint_compensation_approved_by_id_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name=op.f("fk_complaint_created_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_complaint_customer_id_customer")
        ),
        sa.ForeignKeyConstraint(["outlet_id"], ["outlet.id"], name=op.f("fk_complaint_outlet_id_outlet")),
        sa.ForeignKeyConstraint(["owner_id"], ["app_user.id"], name=op.f("fk_complaint_owner_id_app_user")),
        sa.ForeignKeyConstraint(["survey_id"], ["survey.id"], name=op.f("fk_complaint_survey_id_survey")),
        sa.ForeignKeyConstraint(
            ["technician_id"], ["technician.id"], name=op.f("fk_complaint_technician_id_technician")
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_complaint_tenant_id_tenant")),
        sa.ForeignKeyConstraint(
            ["work_order_id"], ["work_order.id"], name=op.f("fk_complaint_work_order_id_work_order")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint")),
        sa.UniqueConstraint("tenant_id", "number", name=op.f("uq_complaint_tenant_id_number")),
    )
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_complaint_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_complaint_technician_id"), ["technician_id"], unique=False)
        batch_op.create_index("ix_complaint_tenant_registered", ["tenant_id", "registered_at"], unique=False)
        batch_op.create_index("ix_complaint_tenant_status", ["tenant_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_complaint_work_order_id"), ["work_order_id"], unique=False)

    op.create_table(
        "complaint_event",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("complaint_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("actor_role", sa.String(length=20), nullable=True),
        sa.Column("occurred_at", anxin.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["app_user.id"], name=op.f("fk_complaint_event_actor_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["complaint_id"], ["complaint.id"], name=op.f("fk_complaint_event_complaint_id_complaint")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_complaint_event_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_event")),
    )
    with op.batch_alter_table("complaint_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_complaint_event_complaint_id"), ["complaint_id"], unique=False)

    op.create_table(
        "service_task",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("assignee_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("work_order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("survey_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("complaint_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("technician_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column(
            "detail",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("dedupe_key", sa.String(length=120), nullable=False),
        sa.Column("created_at", anxin.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", anxin.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("done_at", anxin.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("done_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["app_user.id"], name=op.f("fk_service_task_assignee_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["complaint_id"], ["complaint.id"], name=op.f("fk_service_task_complaint_id_complaint")
        ),
        sa.ForeignKeyConstraint(
            ["done_by_id"], ["app_user.id"], name=op.f("fk_service_task_done_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(["survey_id"], ["survey.id"], name=op.f("fk_service_task_survey_id_survey")),
        sa.ForeignKeyConstraint(
            ["technician_id"], ["technician.id"], name=op.f("fk_service_task_technician_id_technician")
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_service_task_tenant_id_tenant")),
        sa.ForeignKeyConstraint(
            ["work_order_id"], ["work_order.id"], name=op.f("fk_service_task_work_order_id_work_order")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_task")),
        sa.UniqueConstraint("tenant_id", "dedupe_key", name=op.f("uq_service_task_tenant_id_dedupe_key")),
    )
    with op.batch_alter_table("service_task", schema=None) as batch_op:
        batch_op.create_index("ix_service_task_open", ["tenant_id", "status", "due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_service_task_work_order_id"), ["work_order_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("service_task", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_task_work_order_id"))
        batch_op.drop_index("ix_service_task_open")

    op.drop_table("service_task")
    with op.batch_alter_table("complaint_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaint_event_complaint_id"))

    op.drop_table("complaint_event")
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaint_work_order_id"))
        batch_op.drop_index("ix_complaint_tenant_status")
        batch_op.drop_index("ix_complaint_tenant_registered")
        batch_op.drop_index(batch_op.f("ix_complaint_technician_id"))
        batch_op.drop_index(batch_op.f("ix_complaint_customer_id"))

    op.drop_table("complaint")
    with op.batch_alter_table("survey", schema=None) as batch_op:
        batch_op.drop_index("ix_survey_tenant_status")
        batch_op.drop_index("ix_survey_technician_answered")

    op.drop_table("survey")
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_message_work_order_id"))
        batch_op.drop_index("ix_outbox_message_due")

    op.drop_table("outbox_message")
    op.drop_table("quality_policy")
    op.drop_table("complaint_sequence")
