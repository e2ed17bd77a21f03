"""assessment: quizzes, attempts, answers, score changes

Revision ID: as0002
Revises: as0001
Create Date: 2026-11-26 12:50:00
"""

import sqlalchemy as sa
from alembic import op

import learninghub.db  # noqa: F401  (custom column types)
import learninghub_assessment.models.types  # noqa: F401

revision = "as0002"
down_revision = "as0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assessment_quizzes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("lesson_id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("intro", sa.Text(), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("question_ids", sa.JSON(), nullable=False),
        sa.Column("draw_rules", sa.JSON(), nullable=False),
        sa.Column("shuffle_questions", sa.Boolean(), nullable=False),
        sa.Column("shuffle_options", sa.Boolean(), nullable=False),
        sa.Column("time_limit_s", sa.Integer(), nullable=True),
        sa.Column("max_attempts", sa.Integer(), nullable=True),
        sa.Column("passing_percent", learninghub_assessment.models.types.Points(), nullable=False),
        sa.Column("opens_at", learninghub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closes_at", learninghub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("navigation", sa.String(length=12), nullable=False),
        sa.Column("feedback", sa.String(length=12), nullable=False),
        sa.Column("grading_policy", sa.String(length=10), nullable=False),
        sa.Column("weight", learninghub_assessment.models.types.Points(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("created_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "feedback IN ('immediate', 'after_due', 'never')",
            name=op.f("ck_assessment_quizzes_feedback"),
        ),
        sa.CheckConstraint(
            "grading_policy IN ('highest', 'latest')",
            name=op.f("ck_assessment_quizzes_grading_policy"),
        ),
        sa.CheckConstraint("mode IN ('fixed', 'random')", name=op.f("ck_assessment_quizzes_mode")),
        sa.CheckConstraint(
            "navigation IN ('free', 'sequential')", name=op.f("ck_assessment_quizzes_navigation")
        ),
        sa.CheckConstraint(
            "passing_percent >= 0 AND passing_percent <= 10000",
            name=op.f("ck_assessment_quizzes_passing"),
        ),
        sa.CheckConstraint("weight >= 0", name=op.f("ck_assessment_quizzes_weight")),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_assessment_quizzes_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["lessons.id"],
            name=op.f("fk_assessment_quizzes_lesson_id_lessons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_assessment_quizzes_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_quizzes")),
        sa.UniqueConstraint("lesson_id", name=op.f("uq_assessment_quizzes_lesson_id")),
    )
    with op.batch_alter_table("assessment_quizzes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_assessment_quizzes_tenant_course", ["tenant_id", "course_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_assessment_quizzes_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "assessment_attempts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("quiz_id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("started_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deadline_at", learninghub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("submitted_at", learninghub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=10), nullable=True),
        sa.Column("graded_at", learninghub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("score", learninghub_assessment.models.types.Points(), nullable=True),
        sa.Column("max_score", learninghub_assessment.models.types.Points(), nullable=True),
        sa.Column("percent", learninghub_assessment.models.types.Points(), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("current_index", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "closed_by IS NULL OR closed_by IN ('submit', 'deadline')",
            name=op.f("ck_assessment_attempts_closed"),
        ),
        sa.CheckConstraint(
            "status IN ('in_progress', 'submitted', 'graded')",
            name=op.f("ck_assessment_attempts_status"),
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_assessment_attempts_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["quiz_id"],
            ["assessment_quizzes.id"],
            name=op.f("fk_assessment_attempts_quiz_id_assessment_quizzes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_assessment_attempts_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_assessment_attempts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_attempts")),
        sa.UniqueConstraint(
            "quiz_id",
            "user_id",
            "number",
            name=op.f("uq_assessment_attempts_quiz_id_user_id_number"),
        ),
    )
    with op.batch_alter_table("assessment_attempts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assessment_attempts_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            "ix_assessment_attempts_tenant_quiz_user",
            ["tenant_id", "quiz_id", "user_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_assessment_attempts_tenant_status_deadline",
            ["tenant_id", "status", "deadline_at"],
            unique=False,
        )

    op.create_table(
        "assessment_answers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("attempt_id", sa.Uuid(), nullable=False),
        sa.Column("question_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=True),
        sa.Column("saved_at", learninghub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("points", learninghub_assessment.models.types.Points(), nullable=True),
        sa.Column("max_points", learninghub_assessment.models.types.Points(), nullable=False),
        sa.Column("needs_manual", sa.Boolean(), nullable=False),
        sa.Column("graded_by", sa.Uuid(), nullable=True),
        sa.Column("graded_at", learninghub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("feedback", sa.Text(), nullable=True),
        sa.Column("graded_version", sa.Integer(), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["assessment_attempts.id"],
            name=op.f("fk_assessment_answers_attempt_id_assessment_attempts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["graded_by"],
            ["users.id"],
            name=op.f("fk_assessment_answers_graded_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_assessment_answers_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_answers")),
        sa.UniqueConstraint(
            "attempt_id", "question_id", name=op.f("uq_assessment_answers_attempt_id_question_id")
        ),
    )
    with op.batch_alter_table("assessment_answers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assessment_answers_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            "ix_assessment_answers_tenant_question", ["tenant_id", "question_id"], unique=False
        )

    op.create_table(
        "assessment_score_changes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("answer_id", sa.Uuid(), nullable=False),
        sa.Column("attempt_id", sa.Uuid(), nullable=False),
        sa.Column("quiz_id", sa.Uuid(), nullable=False),
        sa.Column("old", learninghub_assessment.models.types.Points(), nullable=True),
        sa.Column("new", learninghub_assessment.models.types.Points(), nullable=True),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("changed_by", sa.Uuid(), nullable=True),
        sa.Column("changed_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["answer_id"],
            ["assessment_answers.id"],
            name=op.f("fk_assessment_score_changes_answer_id_assessment_answers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["assessment_attempts.id"],
            name=op.f("fk_assessment_score_changes_attempt_id_assessment_attempts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["changed_by"],
            ["users.id"],
            name=op.f("fk_assessment_score_changes_changed_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["quiz_id"],
            ["assessment_quizzes.id"],
            name=op.f("fk_assessment_score_changes_quiz_id_assessment_quizzes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_assessment_score_changes_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_score_changes")),
    )
    with op.batch_alter_table("assessment_score_changes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_assessment_score_changes_tenant_attempt", ["tenant_id", "attempt_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_assessment_score_changes_tenant_id"), ["tenant_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("assessment_score_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_score_changes_tenant_id"))
        batch_op.drop_index("ix_assessment_score_changes_tenant_attempt")

    op.drop_table("assessment_score_changes")
    with op.batch_alter_table("assessment_answers", schema=None) as batch_op:
        batch_op.drop_index("ix_assessment_answers_tenant_question")
        batch_op.drop_index(batch_op.f("ix_assessment_answers_tenant_id"))

    op.drop_table("assessment_answers")
    with op.batch_alter_table("assessment_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_assessment_attempts_tenant_status_deadline")
        batch_op.drop_index("ix_assessment_attempts_tenant_quiz_user")
        batch_op.drop_index(batch_op.f("ix_assessment_attempts_tenant_id"))

    op.drop_table("assessment_attempts")
    with op.batch_alter_table("assessment_quizzes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_quizzes_tenant_id"))
        batch_op.drop_index("ix_assessment_quizzes_tenant_course")

    op.drop_table("assessment_quizzes")
