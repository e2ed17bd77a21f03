"""announcements: initial

Revision ID: a0001
Revises:
Depends on: k0001 (kernel)
Create Date: 2026-11-26 04:44:50.663041
"""

import sqlalchemy as sa
from alembic import op

import learninghub.db  # noqa: F401  (custom column types)

revision = "a0001"
down_revision = None
branch_labels = ("announcements",)
depends_on = "k0001"


def upgrade() -> None:
    op.create_table(
        "announcements_announcements",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_at", learninghub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("emailed_at", learninghub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "status IN ('draft', 'published', 'archived')",
            name=op.f("ck_announcements_announcements_status"),
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_announcements_announcements_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_announcements_announcements_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcements_announcements")),
    )
    with op.batch_alter_table("announcements_announcements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_announcements_announcements_author_id"), ["author_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_announcements_announcements_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            "ix_announcements_announcements_tenant_status_published",
            ["tenant_id", "status", "published_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("announcements_announcements", schema=None) as batch_op:
        batch_op.drop_index("ix_announcements_announcements_tenant_status_published")
        batch_op.drop_index(batch_op.f("ix_announcements_announcements_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_announcements_announcements_author_id"))

    op.drop_table("announcements_announcements")
