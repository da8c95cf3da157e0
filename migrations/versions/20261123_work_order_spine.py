"""work order spine

Revision ID: 0001
Revises:
Create Date: 2026-11-23 12:52:55.374723
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import anxin.database

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tenant",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("slug", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("created_at", anxin.database.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenant")),
        sa.UniqueConstraint("slug", name=op.f("uq_tenant_slug")),
    )
    op.create_table(
        "appliance_category",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_zh", sa.String(length=60), nullable=False),
        sa.Column("name_en", sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_appliance_category_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appliance_category")),
        sa.UniqueConstraint("tenant_id", "code", name=op.f("uq_appliance_category_tenant_id_code")),
    )
    with op.batch_alter_table("appliance_category", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_appliance_category_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "brand",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_zh", sa.String(length=60), nullable=False),
        sa.Column("name_en", sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_brand_tenant_id_tenant")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_brand")),
        sa.UniqueConstraint("tenant_id", "code", name=op.f("uq_brand_tenant_id_code")),
    )
    with op.batch_alter_table("brand", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_brand_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "customer",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("phone", sa.String(length=11), nullable=False),
        sa.Column("elderly_household", sa.Boolean(), nullable=False),
        sa.Column("infant_household", sa.Boolean(), nullable=False),
        sa.Column("created_at", anxin.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_customer_tenant_id_tenant")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer")),
        sa.UniqueConstraint("tenant_id", "phone", name=op.f("uq_customer_tenant_id_phone")),
    )
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customer_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_customer_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "outlet",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("district", sa.String(length=30), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lng", sa.Float(), nullable=False),
        sa.Column("created_at", anxin.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_outlet_tenant_id_tenant")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outlet")),
    )
    with op.batch_alter_table("outlet", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outlet_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "sla_policy",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("respond_minutes", sa.Integer(), nullable=False),
        sa.Column("appointment_minutes", sa.Integer(), nullable=False),
        sa.Column("arrive_urban_minutes", sa.Integer(), nullable=False),
        sa.Column("arrive_suburban_minutes", sa.Integer(), nullable=False),
        sa.Column("complete_minutes", sa.Integer(), nullable=False),
        sa.Column("at_risk_share", sa.Float(), nullable=False),
        sa.Column("quiet_start", sa.String(length=5), nullable=False),
        sa.Column("quiet_end", sa.String(length=5), nullable=False),
        sa.Column(
            "overrides",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_sla_policy_tenant_id_tenant")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_policy")),
        sa.UniqueConstraint("tenant_id", name=op.f("uq_sla_policy_tenant_id")),
    )
    op.create_table(
        "work_order_sequence",
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("day", sa.String(length=8), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "day", name=op.f("pk_work_order_sequence")),
    )
    op.create_table(
        "address",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("province", sa.String(length=30), nullable=False),
        sa.Column("city", sa.String(length=30), nullable=False),
        sa.Column("district", sa.String(length=30), nullable=False),
        sa.Column("detail", sa.String(length=200), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lng", sa.Float(), nullable=False),
        sa.Column("area_type", sa.String(length=10), nullable=False),
        sa.Column("created_at", anxin.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_address_customer_id_customer")
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_address_tenant_id_tenant")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_address")),
    )
    with op.batch_alter_table("address", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_address_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_address_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "product_model",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("brand_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("category_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("model_code", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("warranty_months", sa.Integer(), nullable=False),
        sa.Column(
            "key_part_months",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["brand_id"], ["brand.id"], name=op.f("fk_product_model_brand_id_brand")),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["appliance_category.id"],
            name=op.f("fk_product_model_category_id_appliance_category"),
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_product_model_tenant_id_tenant")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_model")),
        sa.UniqueConstraint(
            "tenant_id", "brand_id", "model_code", name=op.f("uq_product_model_tenant_id_brand_id_model_code")
        ),
    )
    with op.batch_alter_table("product_model", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_model_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "technician",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("outlet_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("phone", sa.String(length=11), nullable=False),
        sa.Column(
            "skills",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", anxin.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["outlet_id"], ["outlet.id"], name=op.f("fk_technician_outlet_id_outlet")),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_technician_tenant_id_tenant")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_technician")),
    )
    with op.batch_alter_table("technician", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_technician_outlet_id"), ["outlet_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_technician_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "app_user",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("technician_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("outlet_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_at", anxin.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_app_user_customer_id_customer")
        ),
        sa.ForeignKeyConstraint(["outlet_id"], ["outlet.id"], name=op.f("fk_app_user_outlet_id_outlet")),
        sa.ForeignKeyConstraint(
            ["technician_id"], ["technician.id"], name=op.f("fk_app_user_technician_id_technician")
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_app_user_tenant_id_tenant")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_user")),
        sa.UniqueConstraint("tenant_id", "username", name=op.f("uq_app_user_tenant_id_username")),
    )
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_app_user_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_app_user_technician_id"), ["technician_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_app_user_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "appliance",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("address_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("product_model_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("serial_number", sa.String(length=60), nullable=False),
        sa.Column("purchase_date", sa.Date(), nullable=False),
        sa.Column("purchase_channel", sa.String(length=30), nullable=False),
        sa.Column("install_date", sa.Date(), nullable=True),
        sa.Column("created_at", anxin.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["address_id"], ["address.id"], name=op.f("fk_appliance_address_id_address")),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_appliance_customer_id_customer")
        ),
        sa.ForeignKeyConstraint(
            ["product_model_id"],
            ["product_model.id"],
            name=op.f("fk_appliance_product_model_id_product_model"),
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_appliance_tenant_id_tenant")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appliance")),
    )
    with op.batch_alter_table("appliance", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_appliance_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_appliance_serial_number"), ["serial_number"], unique=False)
        batch_op.create_index(batch_op.f("ix_appliance_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "work_order",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("number", sa.String(length=24), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("external_ref", sa.String(length=80), nullable=True),
        sa.Column("service_type", sa.String(length=20), nullable=False),
        sa.Column("category_code", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("address_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("district", sa.String(length=30), nullable=True),
        sa.Column("area_type", sa.String(length=10), nullable=False),
        sa.Column("appliance_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("technician_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("fault_description", sa.Text(), nullable=False),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("elderly_household", sa.Boolean(), nullable=False),
        sa.Column("infant_household", sa.Boolean(), nullable=False),
        sa.Column("warranty_status", sa.String(length=20), nullable=False),
        sa.Column("billing_category", sa.String(length=1), nullable=False),
        sa.Column("preferred_start_at", anxin.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("preferred_end_at", anxin.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("appointment_start_at", anxin.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("appointment_end_at", anxin.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("is_rework", sa.Boolean(), nullable=False),
        sa.Column("rework_of_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("cancel_reason", sa.String(length=300), nullable=True),
        sa.Column("workshop_receipt_no", sa.String(length=60), nullable=True),
        sa.Column("created_at", anxin.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", anxin.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", anxin.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("assigned_at", anxin.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", anxin.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("rejected_at", anxin.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("appointed_at", anxin.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("en_route_at", anxin.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("on_site_at", anxin.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("quoted_at", anxin.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("quote_approved_at", anxin.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("quote_declined_at", anxin.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("in_progress_at", anxin.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("pending_parts_at", anxin.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resumed_at", anxin.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("completed_at", anxin.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("followed_up_at", anxin.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", anxin.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", anxin.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_remote_at", anxin.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("carried_in_at", anxin.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sla_paused_seconds", sa.Integer(), nullable=False),
        sa.Column("sla_paused_since", anxin.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sla_due_at", anxin.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sla_risk_at", anxin.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sla_breached", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["address_id"], ["address.id"], name=op.f("fk_work_order_address_id_address")
        ),
        sa.ForeignKeyConstraint(
            ["appliance_id"], ["appliance.id"], name=op.f("fk_work_order_appliance_id_appliance")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name=op.f("fk_work_order_created_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_work_order_customer_id_customer")
        ),
        sa.ForeignKeyConstraint(
            ["rework_of_id"], ["work_order.id"], name=op.f("fk_work_order_rework_of_id_work_order")
        ),
        sa.ForeignKeyConstraint(
            ["technician_id"], ["technician.id"], name=op.f("fk_work_order_technician_id_technician")
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_work_order_tenant_id_tenant")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_order")),
        sa.UniqueConstraint("tenant_id", "number", name=op.f("uq_work_order_tenant_id_number")),
    )
    with op.batch_alter_table("work_order", schema=None) as batch_op:
        batch_op.create_index("ix_work_order_appliance", ["appliance_id", "service_type"], unique=False)
        batch_op.create_index(batch_op.f("ix_work_order_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_work_order_sla_due_at"), ["sla_due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_work_order_technician_id"), ["technician_id"], unique=False)
        batch_op.create_index("ix_work_order_tenant_created", ["tenant_id", "created_at"], unique=False)
        batch_op.create_index("ix_work_order_tenant_status", ["tenant_id", "status"], unique=False)

    op.create_table(
        "idempotency_record",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("work_order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", anxin.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_idempotency_record_tenant_id_tenant")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_idempotency_record_user_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"], ["work_order.id"], name=op.f("fk_idempotency_record_work_order_id_work_order")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_record")),
        sa.UniqueConstraint(
            "tenant_id", "user_id", "key", name=op.f("uq_idempotency_record_tenant_id_user_id_key")
        ),
    )
    op.create_table(
        "quote",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("work_order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("total_fen", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", anxin.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", anxin.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name=op.f("fk_quote_created_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["app_user.id"], name=op.f("fk_quote_decided_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], name=op.f("fk_quote_tenant_id_tenant")),
        sa.ForeignKeyConstraint(
            ["work_order_id"], ["work_order.id"], name=op.f("fk_quote_work_order_id_work_order")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quote")),
    )
    with op.batch_alter_table("quote", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quote_work_order_id"), ["work_order_id"], unique=False)

    op.create_table(
        "work_order_appliance",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("work_order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("appliance_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["appliance_id"], ["appliance.id"], name=op.f("fk_work_order_appliance_appliance_id_appliance")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_work_order_appliance_tenant_id_tenant")
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"],
            ["work_order.id"],
            name=op.f("fk_work_order_appliance_work_order_id_work_order"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_order_appliance")),
        sa.UniqueConstraint(
            "work_order_id", "appliance_id", name=op.f("uq_work_order_appliance_work_order_id_appliance_id")
        ),
    )
    with op.batch_alter_table("work_order_appliance", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_work_order_appliance_appliance_id"), ["appliance_id"], unique=False
        )

    op.create_table(
        "work_order_event",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("work_order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("actor_role", sa.String(length=20), nullable=False),
        sa.Column("occurred_at", anxin.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lng", sa.Float(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["app_user.id"], name=op.f("fk_work_order_event_actor_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_work_order_event_tenant_id_tenant")
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"], ["work_order.id"], name=op.f("fk_work_order_event_work_order_id_work_order")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_order_event")),
    )
    with op.batch_alter_table("work_order_event", schema=None) as batch_op:
        batch_op.create_index("ix_work_order_event_order", ["work_order_id", "id"], unique=False)

    op.create_table(
        "work_order_photo",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("work_order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("uploaded_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("content_type", sa.String(length=30), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("created_at", anxin.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_work_order_photo_tenant_id_tenant")
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["app_user.id"], name=op.f("fk_work_order_photo_uploaded_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"], ["work_order.id"], name=op.f("fk_work_order_photo_work_order_id_work_order")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_order_photo")),
    )
    with op.batch_alter_table("work_order_photo", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_work_order_photo_work_order_id"), ["work_order_id"], unique=False
        )

    op.create_table(
        "quote_line",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("quote_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["quote_id"], ["quote.id"], name=op.f("fk_quote_line_quote_id_quote")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quote_line")),
    )
    with op.batch_alter_table("quote_line", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quote_line_quote_id"), ["quote_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("quote_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quote_line_quote_id"))

    op.drop_table("quote_line")
    with op.batch_alter_table("work_order_photo", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_work_order_photo_work_order_id"))

    op.drop_table("work_order_photo")
    with op.batch_alter_table("work_order_event", schema=None) as batch_op:
        batch_op.drop_index("ix_work_order_event_order")

    op.drop_table("work_order_event")
    with op.batch_alter_table("work_order_appliance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_work_order_appliance_appliance_id"))

    op.drop_table("work_order_appliance")
    with op.batch_alter_table("quote", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quote_work_order_id"))

    op.drop_table("quote")
    op.drop_table("idempotency_record")
    with op.batch_alter_table("work_order", schema=None) as batch_op:
        batch_op.drop_index("ix_work_order_tenant_status")
        batch_op.drop_index("ix_work_order_tenant_created")
        batch_op.drop_index(batch_op.f("ix_work_order_technician_id"))
        batch_op.drop_index(batch_op.f("ix_work_order_sla_due_at"))
        batch_op.drop_index(batch_op.f("ix_work_order_customer_id"))
        batch_op.drop_index("ix_work_order_appliance")

    op.drop_table("work_order")
    with op.batch_alter_table("appliance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appliance_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_appliance_serial_number"))
        batch_op.drop_index(batch_op.f("ix_appliance_customer_id"))

    op.drop_table("appliance")
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_app_user_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_app_user_technician_id"))
        batch_op.drop_index(batch_op.f("ix_app_user_customer_id"))

    op.drop_table("app_user")
    with op.batch_alter_table("technician", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_technician_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_technician_outlet_id"))

    op.drop_table("technician")
    with op.batch_alter_table("product_model", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_model_tenant_id"))

    op.drop_table("product_model")
    with op.batch_alter_table("address", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_address_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_address_customer_id"))

    op.drop_table("address")
    op.drop_table("work_order_sequence")
    op.drop_table("sla_policy")
    with op.batch_alter_table("outlet", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outlet_tenant_id"))

    op.drop_table("outlet")
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_customer_name"))

    op.drop_table("customer")
    with op.batch_alter_table("brand", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_brand_tenant_id"))

    op.drop_table("brand")
    with op.batch_alter_table("appliance_category", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appliance_category_tenant_id"))

    op.drop_table("appliance_category")
    op.drop_table("tenant")
