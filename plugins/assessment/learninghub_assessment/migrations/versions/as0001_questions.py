"""assessment: the question bank (assessment_questions)

Revision ID: as0001
Revises:
Depends on: en0001 (enrollment; through it content, courses, media and the kernel)
Create Date: 2026-11-26 12:50:00
"""

import sqlalchemy as sa
from alembic import op

import learninghub.db  # noqa: F401  (custom column types)
import learninghub_assessment.models.types  # noqa: F401

revision = "as0001"
down_revision = None
branch_labels = ("assessment",)
# enrollment depends on content, which depends on courses, media and the kernel:
# naming them all makes alembic refuse "overlapping" targets on downgrade
depends_on = ("en0001",)


def upgrade() -> None:
    op.create_table(
        "assessment_questions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=30), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("prompt", sa.Text(), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("points", learninghub_assessment.models.types.Points(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("difficulty", sa.String(length=10), nullable=False),
        sa.Column("media_asset_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "difficulty IN ('easy', 'medium', 'hard')",
            name=op.f("ck_assessment_questions_difficulty"),
        ),
        sa.CheckConstraint(
            "status IN ('active', 'archived')", name=op.f("ck_assessment_questions_status")
        ),
        sa.CheckConstraint(
            "type IN ('single_choice', 'multiple_choice', 'true_false', 'short_answer', 'essay', 'matching', 'ordering', 'fill_blanks')",
            name=op.f("ck_assessment_questions_type"),
        ),
        sa.CheckConstraint("points > 0", name=op.f("ck_assessment_questions_points")),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_assessment_questions_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_assessment_questions_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_assessment_questions_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_questions")),
    )
    with op.batch_alter_table("assessment_questions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_assessment_questions_tenant_course_created",
            ["tenant_id", "course_id", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_assessment_questions_tenant_id"), ["tenant_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("assessment_questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_questions_tenant_id"))
        batch_op.drop_index("ix_assessment_questions_tenant_course_created")

    op.drop_table("assessment_questions")
