"""streaming: views, downloads, bookmarks; stream download columns

Revision ID: st0002
Revises: st0001
Create Date: 2026-11-26 18:13:15.264320
"""

import sqlalchemy as sa
from alembic import op

import learninghub.db  # noqa: F401  (custom column types)

revision = "st0002"
down_revision = "st0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "streaming_bookmarks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("stream_id", sa.Uuid(), nullable=False),
        sa.Column("lesson_id", sa.Uuid(), nullable=True),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("position_s", sa.Float(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["lessons.id"],
            name=op.f("fk_streaming_bookmarks_lesson_id_lessons"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["stream_id"],
            ["streaming_streams.id"],
            name=op.f("fk_streaming_bookmarks_stream_id_streaming_streams"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_streaming_bookmarks_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_streaming_bookmarks_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_streaming_bookmarks")),
    )
    with op.batch_alter_table("streaming_bookmarks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_streaming_bookmarks_stream_id"), ["stream_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_streaming_bookmarks_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_streaming_bookmarks_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "streaming_downloads",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("stream_id", sa.Uuid(), nullable=False),
        sa.Column("lesson_id", sa.Uuid(), nullable=True),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["lessons.id"],
            name=op.f("fk_streaming_downloads_lesson_id_lessons"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["stream_id"],
            ["streaming_streams.id"],
            name=op.f("fk_streaming_downloads_stream_id_streaming_streams"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_streaming_downloads_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_streaming_downloads_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_streaming_downloads")),
    )
    with op.batch_alter_table("streaming_downloads", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_streaming_downloads_stream_id"), ["stream_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_streaming_downloads_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_streaming_downloads_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "streaming_views",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("stream_id", sa.Uuid(), nullable=False),
        sa.Column("lesson_id", sa.Uuid(), nullable=True),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("started_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_beat_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("position_s", sa.Float(), nullable=False),
        sa.Column("watched_s", sa.Float(), nullable=False),
        sa.Column("coverage", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["lessons.id"],
            name=op.f("fk_streaming_views_lesson_id_lessons"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["stream_id"],
            ["streaming_streams.id"],
            name=op.f("fk_streaming_views_stream_id_streaming_streams"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_streaming_views_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_streaming_views_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_streaming_views")),
    )
    with op.batch_alter_table("streaming_views", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_streaming_views_lesson_id"), ["lesson_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_streaming_views_stream_id"), ["stream_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_streaming_views_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_streaming_views_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("streaming_streams", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("downloadable", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column(
                "download_status", sa.String(length=20), nullable=False, server_default="none"
            )
        )
        batch_op.add_column(
            sa.Column("download_key", sa.String(length=300), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("download_size", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("download_error", sa.Text(), nullable=False, server_default="")
        )
        batch_op.create_check_constraint(
            "download_status",
            "download_status IN ('none', 'queued', 'processing', 'ready', 'failed')",
        )


def downgrade() -> None:
    with op.batch_alter_table("streaming_streams", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_streaming_streams_download_status"), type_="check")
        batch_op.drop_column("download_error")
        batch_op.drop_column("download_size")
        batch_op.drop_column("download_key")
        batch_op.drop_column("download_status")
        batch_op.drop_column("downloadable")

    with op.batch_alter_table("streaming_views", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_streaming_views_user_id"))
        batch_op.drop_index(batch_op.f("ix_streaming_views_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_streaming_views_stream_id"))
        batch_op.drop_index(batch_op.f("ix_streaming_views_lesson_id"))

    op.drop_table("streaming_views")
    with op.batch_alter_table("streaming_downloads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_streaming_downloads_user_id"))
        batch_op.drop_index(batch_op.f("ix_streaming_downloads_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_streaming_downloads_stream_id"))

    op.drop_table("streaming_downloads")
    with op.batch_alter_table("streaming_bookmarks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_streaming_bookmarks_user_id"))
        batch_op.drop_index(batch_op.f("ix_streaming_bookmarks_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_streaming_bookmarks_stream_id"))

    op.drop_table("streaming_bookmarks")
