"""event inbox: domain events kept for the plugins that must act on each exactly once

Revision ID: k0005
Revises: k0004
Create Date: 2026-11-26 16:10:00
"""

import sqlalchemy as sa
from alembic import op

import learninghub.db  # noqa: F401  (custom column types)

revision = "k0005"
down_revision = "k0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "event_inbox",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("consumer", sa.String(length=60), nullable=False),
        sa.Column("task", sa.String(length=100), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("resource_type", sa.String(length=60), nullable=False),
        sa.Column("resource_id", sa.String(length=100), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("occurred_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("processed_at", learninghub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_event_inbox_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_inbox")),
        sa.UniqueConstraint(
            "tenant_id",
            "consumer",
            "event_id",
            name=op.f("uq_event_inbox_tenant_id_consumer_event_id"),
        ),
    )
    with op.batch_alter_table("event_inbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_event_inbox_pending", ["consumer", "status", "created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_event_inbox_tenant_id"), ["tenant_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("event_inbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_inbox_tenant_id"))
        batch_op.drop_index("ix_event_inbox_pending")
    op.drop_table("event_inbox")
