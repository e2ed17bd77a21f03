"""enrollment: initial (enrollments, lesson_progress)

Revision ID: en0001
Revises:
Depends on: ct0001 (content; through it courses co0001 and the kernel k0004)
Create Date: 2026-11-26 07:40:00
"""

import sqlalchemy as sa
from alembic import op

import learninghub.db  # noqa: F401  (custom column types)

revision = "en0001"
down_revision = None
branch_labels = ("enrollment",)
# the content branch depends on the courses branch, which depends on the kernel:
# naming them all makes alembic refuse "overlapping" targets on downgrade
depends_on = ("ct0001",)


def upgrade() -> None:
    op.create_table(
        "enrollments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("enrolled_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("starts_at", learninghub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expires_at", learninghub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("completed_at", learninghub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("progress_percent", sa.Integer(), nullable=False),
        sa.Column("last_lesson_id", sa.Uuid(), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "status IN ('active', 'cancelled', 'expired', 'completed')",
            name=op.f("ck_enrollments_status"),
        ),
        sa.CheckConstraint(
            "source IN ('free', 'purchase', 'admin', 'code')", name=op.f("ck_enrollments_source")
        ),
        sa.CheckConstraint(
            "progress_percent >= 0 AND progress_percent <= 100",
            name=op.f("ck_enrollments_progress_percent"),
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_enrollments_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_enrollments_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["last_lesson_id"],
            ["lessons.id"],
            name=op.f("fk_enrollments_last_lesson_id_lessons"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_enrollments_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrollments")),
        sa.UniqueConstraint(
            "tenant_id",
            "course_id",
            "user_id",
            name=op.f("uq_enrollments_tenant_id_course_id_user_id"),
        ),
    )
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enrollments_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_enrollments_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            "ix_enrollments_tenant_user_status", ["tenant_id", "user_id", "status"], unique=False
        )
        batch_op.create_index(
            "ix_enrollments_tenant_course_enrolled",
            ["tenant_id", "course_id", "enrolled_at"],
            unique=False,
        )

    op.create_table(
        "lesson_progress",
        sa.Column("enrollment_id", sa.Uuid(), nullable=False),
        sa.Column("lesson_id", sa.Uuid(), nullable=False),
        sa.Column("completed_at", learninghub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("position_s", sa.Integer(), nullable=False),
        sa.Column("updated_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("position_s >= 0", name=op.f("ck_lesson_progress_position_s")),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["enrollments.id"],
            name=op.f("fk_lesson_progress_enrollment_id_enrollments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["lessons.id"],
            name=op.f("fk_lesson_progress_lesson_id_lessons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_lesson_progress_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("enrollment_id", "lesson_id", name=op.f("pk_lesson_progress")),
    )
    with op.batch_alter_table("lesson_progress", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_lesson_progress_lesson_id"), ["lesson_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_lesson_progress_tenant_id"), ["tenant_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("lesson_progress", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lesson_progress_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_lesson_progress_lesson_id"))
    op.drop_table("lesson_progress")

    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.drop_index("ix_enrollments_tenant_course_enrolled")
        batch_op.drop_index("ix_enrollments_tenant_user_status")
        batch_op.drop_index(batch_op.f("ix_enrollments_user_id"))
        batch_op.drop_index(batch_op.f("ix_enrollments_tenant_id"))
    op.drop_table("enrollments")
