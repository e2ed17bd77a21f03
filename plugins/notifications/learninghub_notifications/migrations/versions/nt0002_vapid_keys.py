"""notifications: the tenants' VAPID key pairs of the web push channel

Revision ID: nt0002
Revises: nt0001
Create Date: 2026-11-26 16:10:00
"""

import sqlalchemy as sa
from alembic import op

import learninghub.db  # noqa: F401  (custom column types)

revision = "nt0002"
down_revision = "nt0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notifications_vapid_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("public_key", sa.String(length=100), nullable=False),
        sa.Column("private_key", sa.Text(), nullable=False),
        sa.Column("created_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_notifications_vapid_keys_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications_vapid_keys")),
        sa.UniqueConstraint("tenant_id", name=op.f("uq_notifications_vapid_keys_tenant_id")),
    )
    with op.batch_alter_table("notifications_vapid_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notifications_vapid_keys_tenant_id"), ["tenant_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("notifications_vapid_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notifications_vapid_keys_tenant_id"))
    op.drop_table("notifications_vapid_keys")
