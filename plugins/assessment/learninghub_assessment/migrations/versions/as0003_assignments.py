"""assessment: assignments, submissions, grade overrides

Revision ID: as0003
Revises: as0002
Create Date: 2026-11-26 12:50:00
"""

import sqlalchemy as sa
from alembic import op

import learninghub.db  # noqa: F401  (custom column types)
import learninghub_assessment.models.types  # noqa: F401

revision = "as0003"
down_revision = "as0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assessment_grade_overrides",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("item_key", sa.String(length=80), nullable=False),
        sa.Column("percent", learninghub_assessment.models.types.Points(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("set_by", sa.Uuid(), nullable=True),
        sa.Column("set_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "percent >= 0 AND percent <= 10000", name=op.f("ck_assessment_grade_overrides_percent")
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_assessment_grade_overrides_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["set_by"],
            ["users.id"],
            name=op.f("fk_assessment_grade_overrides_set_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_assessment_grade_overrides_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_assessment_grade_overrides_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_grade_overrides")),
        sa.UniqueConstraint(
            "course_id",
            "user_id",
            "item_key",
            name=op.f("uq_assessment_grade_overrides_course_id_user_id_item_key"),
        ),
    )
    with op.batch_alter_table("assessment_grade_overrides", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assessment_grade_overrides_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_assessment_grade_overrides_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "assessment_assignments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("lesson_id", sa.Uuid(), nullable=False),
        sa.Column("instructions", sa.Text(), nullable=False),
        sa.Column("submission_type", sa.String(length=20), nullable=False),
        sa.Column("due_at", learninghub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("max_points", learninghub_assessment.models.types.Points(), nullable=False),
        sa.Column("passing_percent", learninghub_assessment.models.types.Points(), nullable=True),
        sa.Column("weight", learninghub_assessment.models.types.Points(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "submission_type IN ('text', 'file', 'text_or_file')",
            name=op.f("ck_assessment_assignments_submission_type"),
        ),
        sa.CheckConstraint("max_points > 0", name=op.f("ck_assessment_assignments_max_points")),
        sa.CheckConstraint(
            "passing_percent IS NULL OR (passing_percent >= 0 AND passing_percent <= 10000)",
            name=op.f("ck_assessment_assignments_passing_percent"),
        ),
        sa.CheckConstraint("weight >= 0", name=op.f("ck_assessment_assignments_weight")),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_assessment_assignments_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_assessment_assignments_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["lessons.id"],
            name=op.f("fk_assessment_assignments_lesson_id_lessons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_assessment_assignments_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_assignments")),
        sa.UniqueConstraint("lesson_id", name=op.f("uq_assessment_assignments_lesson_id")),
    )
    with op.batch_alter_table("assessment_assignments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_assessment_assignments_tenant_course_created",
            ["tenant_id", "course_id", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_assessment_assignments_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "assessment_submissions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("assignment_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("media_asset_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("submitted_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("points", learninghub_assessment.models.types.Points(), nullable=True),
        sa.Column("feedback", sa.Text(), nullable=True),
        sa.Column("graded_by", sa.Uuid(), nullable=True),
        sa.Column("graded_at", learninghub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "status IN ('submitted', 'graded')", name=op.f("ck_assessment_submissions_status")
        ),
        sa.CheckConstraint(
            "points IS NULL OR points >= 0", name=op.f("ck_assessment_submissions_points")
        ),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["assessment_assignments.id"],
            name=op.f("fk_assessment_submissions_assignment_id_assessment_assignments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["graded_by"],
            ["users.id"],
            name=op.f("fk_assessment_submissions_graded_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_assessment_submissions_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_assessment_submissions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_submissions")),
        sa.UniqueConstraint(
            "assignment_id", "user_id", name=op.f("uq_assessment_submissions_assignment_id_user_id")
        ),
    )
    with op.batch_alter_table("assessment_submissions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_assessment_submissions_assignment_submitted",
            ["assignment_id", "submitted_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_assessment_submissions_media_asset_id"), ["media_asset_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_assessment_submissions_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_assessment_submissions_user_id"), ["user_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("assessment_submissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_submissions_user_id"))
        batch_op.drop_index(batch_op.f("ix_assessment_submissions_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_assessment_submissions_media_asset_id"))
        batch_op.drop_index("ix_assessment_submissions_assignment_submitted")

    op.drop_table("assessment_submissions")
    with op.batch_alter_table("assessment_assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_assignments_tenant_id"))
        batch_op.drop_index("ix_assessment_assignments_tenant_course_created")

    op.drop_table("assessment_assignments")
    with op.batch_alter_table("assessment_grade_overrides", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_grade_overrides_user_id"))
        batch_op.drop_index(batch_op.f("ix_assessment_grade_overrides_tenant_id"))

    op.drop_table("assessment_grade_overrides")
