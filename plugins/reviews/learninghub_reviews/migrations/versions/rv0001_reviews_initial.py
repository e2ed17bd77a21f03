"""reviews: initial (reviews, review_votes, review_reports)

Revision ID: rv0001
Revises:
Depends on: en0001 (enrollment; through it content, courses and the kernel)
Create Date: 2026-11-26 07:45:00
"""

import sqlalchemy as sa
from alembic import op

import learninghub.db  # noqa: F401  (custom column types)

revision = "rv0001"
down_revision = None
branch_labels = ("reviews",)
# the enrollment branch depends on the content, courses and kernel branches: naming
# them all makes alembic refuse "overlapping" targets on downgrade
depends_on = ("en0001",)


def upgrade() -> None:
    op.create_table(
        "reviews",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("instructor_reply", sa.Text(), nullable=False),
        sa.Column("replied_at", learninghub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("replied_by", sa.Uuid(), nullable=True),
        sa.Column("helpful_count", sa.Integer(), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("rating >= 1 AND rating <= 5", name=op.f("ck_reviews_rating")),
        sa.CheckConstraint("helpful_count >= 0", name=op.f("ck_reviews_helpful_count")),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_reviews_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_reviews_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["replied_by"],
            ["users.id"],
            name=op.f("fk_reviews_replied_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_reviews_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
        sa.UniqueConstraint(
            "tenant_id", "course_id", "user_id", name=op.f("uq_reviews_tenant_id_course_id_user_id")
        ),
    )
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reviews_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reviews_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            "ix_reviews_tenant_course_created",
            ["tenant_id", "course_id", "created_at"],
            unique=False,
        )

    op.create_table(
        "review_votes",
        sa.Column("review_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["reviews.id"],
            name=op.f("fk_review_votes_review_id_reviews"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_review_votes_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_review_votes_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("review_id", "user_id", name=op.f("pk_review_votes")),
    )
    with op.batch_alter_table("review_votes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_votes_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_review_votes_user_id"), ["user_id"], unique=False)

    op.create_table(
        "review_reports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("review_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", learninghub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["reviews.id"],
            name=op.f("fk_review_reports_review_id_reviews"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_review_reports_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_review_reports_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_reports")),
        sa.UniqueConstraint(
            "review_id", "user_id", name=op.f("uq_review_reports_review_id_user_id")
        ),
    )
    with op.batch_alter_table("review_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_review_reports_review_id"), ["review_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_review_reports_tenant_id"), ["tenant_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("review_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_reports_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_review_reports_review_id"))
    op.drop_table("review_reports")
    with op.batch_alter_table("review_votes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_votes_user_id"))
        batch_op.drop_index(batch_op.f("ix_review_votes_tenant_id"))
    op.drop_table("review_votes")
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_index("ix_reviews_tenant_course_created")
        batch_op.drop_index(batch_op.f("ix_reviews_user_id"))
        batch_op.drop_index(batch_op.f("ix_reviews_tenant_id"))
    op.drop_table("reviews")
