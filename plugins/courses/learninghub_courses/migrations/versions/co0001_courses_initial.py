"""courses: initial (course_categories, courses)

Revision ID: co0001
Revises:
Depends on: k0004 (kernel)
Create Date: 2026-11-26 07:34:11
"""

import sqlalchemy as sa
from alembic import op

import learninghub.db  # noqa: F401  (custom column types)

revision = "co0001"
down_revision = None
branch_labels = ("courses",)
depends_on = "k0004"


def upgrade() -> None:
    op.create_table(
        "course_categories",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["course_categories.id"],
            name=op.f("fk_course_categories_parent_id_course_categories"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_course_categories_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_categories")),
        sa.UniqueConstraint("tenant_id", "slug", name=op.f("uq_course_categories_tenant_id_slug")),
    )
    with op.batch_alter_table("course_categories", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_course_categories_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "courses",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("subtitle", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("category_id", sa.Uuid(), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=20), nullable=False),
        sa.Column("price_minor", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("thumbnail_asset_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("review_comment", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_at", learninghub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("enrolment_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("rating_average", sa.Float(), server_default="0", nullable=False),
        sa.Column("rating_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "level IN ('beginner', 'intermediate', 'advanced', 'all')",
            name=op.f("ck_courses_level"),
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'in_review', 'published', 'archived')",
            name=op.f("ck_courses_status"),
        ),
        sa.CheckConstraint("price_minor >= 0", name=op.f("ck_courses_price_minor")),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["course_categories.id"],
            name=op.f("fk_courses_category_id_course_categories"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_courses_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_courses_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_courses")),
        sa.UniqueConstraint("tenant_id", "slug", name=op.f("uq_courses_tenant_id_slug")),
    )
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_courses_category_id"), ["category_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_courses_created_by"), ["created_by"], unique=False)
        batch_op.create_index(batch_op.f("ix_courses_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(
            "ix_courses_tenant_status_published",
            ["tenant_id", "status", "published_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.drop_index("ix_courses_tenant_status_published")
        batch_op.drop_index(batch_op.f("ix_courses_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_courses_created_by"))
        batch_op.drop_index(batch_op.f("ix_courses_category_id"))

    op.drop_table("courses")
    with op.batch_alter_table("course_categories", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_course_categories_tenant_id"))

    op.drop_table("course_categories")
