"""content: initial (course_sections, lessons, lesson_versions)

Revision ID: ct0001
Revises:
Depends on: k0004 (kernel), co0001 (courses), media0001 (media)
Create Date: 2026-11-26 07:40:00

Written by hand from the models: ``db revision`` only compares tables named
``content_*`` and the contract names these tables without the prefix
(tests/test_contract.py checks that this file matches the models).
"""

import sqlalchemy as sa
from alembic import op

import learninghub.db  # noqa: F401  (custom column types)

revision = "ct0001"
down_revision = None
branch_labels = ("content",)
depends_on = ("k0004", "co0001", "media0001")


def upgrade() -> None:
    op.create_table(
        "course_sections",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_course_sections_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_course_sections_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_sections")),
    )
    with op.batch_alter_table("course_sections", schema=None) as batch_op:
        batch_op.create_index(
            "ix_course_sections_course_position", ["course_id", "position"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_course_sections_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "lessons",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("section_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("is_free_preview", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("published_version_id", sa.Uuid(), nullable=True),
        sa.Column("duration_s", sa.Integer(), nullable=True),
        sa.Column("updated_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("status IN ('draft', 'published')", name=op.f("ck_lessons_status")),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_lessons_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["section_id"],
            ["course_sections.id"],
            name=op.f("fk_lessons_section_id_course_sections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_lessons_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lessons")),
        sa.UniqueConstraint(
            "tenant_id", "course_id", "slug", name=op.f("uq_lessons_tenant_id_course_id_slug")
        ),
    )
    with op.batch_alter_table("lessons", schema=None) as batch_op:
        batch_op.create_index("ix_lessons_course_position", ["course_id", "position"], unique=False)
        batch_op.create_index(batch_op.f("ix_lessons_section_id"), ["section_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_lessons_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "lesson_versions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("lesson_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("media_asset_id", sa.Uuid(), nullable=True),
        sa.Column("embed_url", sa.String(length=500), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_lesson_versions_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["lessons.id"],
            name=op.f("fk_lesson_versions_lesson_id_lessons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_lesson_versions_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lesson_versions")),
        sa.UniqueConstraint(
            "tenant_id",
            "lesson_id",
            "number",
            name=op.f("uq_lesson_versions_tenant_id_lesson_id_number"),
        ),
    )
    with op.batch_alter_table("lesson_versions", schema=None) as batch_op:
        batch_op.create_index("ix_lesson_versions_media_asset_id", ["media_asset_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_lesson_versions_lesson_id"), ["lesson_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_lesson_versions_tenant_id"), ["tenant_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("lesson_versions")
    op.drop_table("lessons")
    op.drop_table("course_sections")
