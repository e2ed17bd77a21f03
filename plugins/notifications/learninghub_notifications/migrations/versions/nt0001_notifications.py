"""notifications: initial (notifications, deliveries, preferences, tenant defaults, push
subscriptions, digest settings)

Revision ID: nt0001
Revises:
Depends on: k0005 (the kernel with the event inbox)
Create Date: 2026-11-26 16:04:35
"""

import sqlalchemy as sa
from alembic import op

import learninghub.db  # noqa: F401  (custom column types)

revision = "nt0001"
down_revision = None
branch_labels = ("notifications",)
depends_on = ("k0005",)


def upgrade() -> None:
    op.create_table(
        "notifications_tenant_defaults",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_notifications_tenant_defaults_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications_tenant_defaults")),
        sa.UniqueConstraint(
            "tenant_id",
            "type",
            "channel",
            name=op.f("uq_notifications_tenant_defaults_tenant_id_type_channel"),
        ),
    )
    with op.batch_alter_table("notifications_tenant_defaults", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notifications_tenant_defaults_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "notifications_digest_settings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("frequency", sa.String(length=10), nullable=False),
        sa.Column("last_sent_at", learninghub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "frequency IN ('off', 'daily', 'weekly')",
            name=op.f("ck_notifications_digest_settings_frequency"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_notifications_digest_settings_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notifications_digest_settings_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications_digest_settings")),
        sa.UniqueConstraint(
            "tenant_id", "user_id", name=op.f("uq_notifications_digest_settings_tenant_id_user_id")
        ),
    )
    with op.batch_alter_table("notifications_digest_settings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notifications_digest_settings_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "notifications_notifications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("source_event_id", sa.Uuid(), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("in_app", sa.Boolean(), nullable=False),
        sa.Column("created_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", learninghub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_notifications_notifications_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notifications_notifications_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications_notifications")),
        sa.UniqueConstraint(
            "tenant_id",
            "user_id",
            "type",
            "source_event_id",
            name=op.f("uq_notifications_notifications_tenant_id_user_id_type_source_event_id"),
        ),
    )
    with op.batch_alter_table("notifications_notifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notifications_notifications_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            "ix_notifications_notifications_user", ["user_id", "created_at", "id"], unique=False
        )

    op.create_table(
        "notifications_preferences",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_notifications_preferences_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notifications_preferences_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications_preferences")),
        sa.UniqueConstraint(
            "tenant_id",
            "user_id",
            "type",
            "channel",
            name=op.f("uq_notifications_preferences_tenant_id_user_id_type_channel"),
        ),
    )
    with op.batch_alter_table("notifications_preferences", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notifications_preferences_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "notifications_push_subscriptions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("endpoint", sa.String(length=1000), nullable=False),
        sa.Column("p256dh", sa.String(length=200), nullable=False),
        sa.Column("auth", sa.String(length=100), nullable=False),
        sa.Column("user_agent", sa.String(length=300), nullable=False),
        sa.Column("created_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_success_at", learninghub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expired_at", learninghub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_notifications_push_subscriptions_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notifications_push_subscriptions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications_push_subscriptions")),
        sa.UniqueConstraint(
            "tenant_id",
            "endpoint",
            name=op.f("uq_notifications_push_subscriptions_tenant_id_endpoint"),
        ),
    )
    with op.batch_alter_table("notifications_push_subscriptions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notifications_push_subscriptions_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_notifications_push_subscriptions_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "notifications_deliveries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("notification_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", learninghub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "channel IN ('email', 'push', 'digest')",
            name=op.f("ck_notifications_deliveries_channel"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'sent', 'failed', 'skipped')",
            name=op.f("ck_notifications_deliveries_status"),
        ),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notifications_notifications.id"],
            name=op.f("fk_notifications_deliveries_notification_id_notifications_notifications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_notifications_deliveries_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications_deliveries")),
        sa.UniqueConstraint(
            "notification_id",
            "channel",
            name=op.f("uq_notifications_deliveries_notification_id_channel"),
        ),
    )
    with op.batch_alter_table("notifications_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notifications_deliveries_pending", ["channel", "status"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_notifications_deliveries_tenant_id"), ["tenant_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("notifications_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notifications_deliveries_tenant_id"))
        batch_op.drop_index("ix_notifications_deliveries_pending")

    op.drop_table("notifications_deliveries")
    with op.batch_alter_table("notifications_push_subscriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notifications_push_subscriptions_user_id"))
        batch_op.drop_index(batch_op.f("ix_notifications_push_subscriptions_tenant_id"))

    op.drop_table("notifications_push_subscriptions")
    with op.batch_alter_table("notifications_preferences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notifications_preferences_tenant_id"))

    op.drop_table("notifications_preferences")
    with op.batch_alter_table("notifications_notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_notifications_user")
        batch_op.drop_index(batch_op.f("ix_notifications_notifications_tenant_id"))

    op.drop_table("notifications_notifications")
    with op.batch_alter_table("notifications_digest_settings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notifications_digest_settings_tenant_id"))

    op.drop_table("notifications_digest_settings")
    with op.batch_alter_table("notifications_tenant_defaults", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notifications_tenant_defaults_tenant_id"))

    op.drop_table("notifications_tenant_defaults")
