"""announcements: scopes (course announcements)

Revision ID: a0002
Revises: a0001
Create Date: 2026-12-02 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "a0002"
down_revision = "a0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("announcements_announcements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scope_type", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("scope_id", sa.String(length=64), nullable=True))
        batch_op.create_index(
            "ix_announcements_announcements_tenant_scope_status_published",
            ["tenant_id", "scope_type", "scope_id", "status", "published_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("announcements_announcements", schema=None) as batch_op:
        batch_op.drop_index("ix_announcements_announcements_tenant_scope_status_published")
        batch_op.drop_column("scope_id")
        batch_op.drop_column("scope_type")
