"""webhooks: initial

Revision ID: wh0001
Revises:
Depends on: k0004 (kernel)
Create Date: 2026-11-26 06:54:20.480542
"""

import sqlalchemy as sa
from alembic import op

import learninghub.db  # noqa: F401  (custom column types)

revision = "wh0001"
down_revision = None
branch_labels = ("webhooks",)
depends_on = "k0004"


def upgrade() -> None:
    op.create_table(
        "webhooks_endpoints",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("event_types", sa.JSON(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("disabled_reason", sa.String(length=20), nullable=False),
        sa.Column("disabled_at", learninghub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("failing_since", learninghub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_webhooks_endpoints_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_webhooks_endpoints_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhooks_endpoints")),
    )
    with op.batch_alter_table("webhooks_endpoints", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_webhooks_endpoints_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "webhooks_deliveries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("endpoint_id", sa.Uuid(), nullable=False),
        sa.Column("message_id", sa.Uuid(), nullable=False),
        sa.Column("event_type", sa.String(length=120), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("is_test", sa.Boolean(), nullable=False),
        sa.Column("replay_of", sa.Uuid(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", learninghub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_attempt_at", learninghub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", learninghub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'delivered', 'failed', 'cancelled')",
            name=op.f("ck_webhooks_deliveries_status"),
        ),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            ["webhooks_endpoints.id"],
            name=op.f("fk_webhooks_deliveries_endpoint_id_webhooks_endpoints"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_webhooks_deliveries_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhooks_deliveries")),
    )
    with op.batch_alter_table("webhooks_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_webhooks_deliveries_due", ["status", "next_attempt_at"], unique=False
        )
        batch_op.create_index(
            "ix_webhooks_deliveries_endpoint_created", ["endpoint_id", "created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_webhooks_deliveries_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "webhooks_attempts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("delivery_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("attempted_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("address", sa.String(length=60), nullable=False),
        sa.Column("request_headers", sa.JSON(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response_headers", sa.JSON(), nullable=False),
        sa.Column("response_excerpt", sa.Text(), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["webhooks_deliveries.id"],
            name=op.f("fk_webhooks_attempts_delivery_id_webhooks_deliveries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_webhooks_attempts_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhooks_attempts")),
    )
    with op.batch_alter_table("webhooks_attempts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_webhooks_attempts_delivery_id"), ["delivery_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_webhooks_attempts_tenant_id"), ["tenant_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("webhooks_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhooks_attempts_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_webhooks_attempts_delivery_id"))

    op.drop_table("webhooks_attempts")
    with op.batch_alter_table("webhooks_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhooks_deliveries_tenant_id"))
        batch_op.drop_index("ix_webhooks_deliveries_endpoint_created")
        batch_op.drop_index("ix_webhooks_deliveries_due")

    op.drop_table("webhooks_deliveries")
    with op.batch_alter_table("webhooks_endpoints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhooks_endpoints_tenant_id"))

    op.drop_table("webhooks_endpoints")
