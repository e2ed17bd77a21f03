"""Assignments, their submissions and the gradebook's overrides (revision ``as0003``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from learninghub.db import Base, TenantScoped, new_id, utcnow

from .types import Points

SUBMISSION_TYPES = ("text", "file", "text_or_file")
SUBMISSION_STATUSES = ("submitted", "graded")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Assignment(TenantScoped, Base):
    """The assignment of one lesson of type ``assignment``: instructions (sanitized
    HTML), what a learner hands in, an optional due date and how it is graded."""

    __tablename__ = "assessment_assignments"
    __table_args__ = (
        sa.CheckConstraint(_in("submission_type", SUBMISSION_TYPES), name="submission_type"),
        sa.CheckConstraint("max_points > 0", name="max_points"),
        sa.CheckConstraint("weight >= 0", name="weight"),
        sa.CheckConstraint(
            "passing_percent IS NULL OR (passing_percent >= 0 AND passing_percent <= 10000)",
            name="passing_percent",
        ),
        sa.Index(
            "ix_assessment_assignments_tenant_course_created",
            "tenant_id",
            "course_id",
            "created_at",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    course_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("courses.id", ondelete="CASCADE")
    )
    lesson_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("lessons.id", ondelete="CASCADE"), unique=True
    )
    instructions: Mapped[str] = mapped_column(sa.Text, default="")
    submission_type: Mapped[str] = mapped_column(sa.String(20), default="text_or_file")
    due_at: Mapped[datetime | None] = mapped_column(default=None)
    max_points: Mapped[Decimal] = mapped_column(Points, default=Decimal("100.00"))
    passing_percent: Mapped[Decimal | None] = mapped_column(Points, default=None)
    weight: Mapped[Decimal] = mapped_column(Points, default=Decimal("1.00"))
    required: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Submission(TenantScoped, Base):
    """A learner's (single, replaceable) submission to an assignment. ``points`` and
    ``feedback`` are set by a grader; a graded submission is no longer replaced."""

    __tablename__ = "assessment_submissions"
    __table_args__ = (
        sa.UniqueConstraint("assignment_id", "user_id"),
        sa.CheckConstraint(_in("status", SUBMISSION_STATUSES), name="status"),
        sa.CheckConstraint("points IS NULL OR points >= 0", name="points"),
        sa.Index(
            "ix_assessment_submissions_assignment_submitted",
            "assignment_id",
            "submitted_at",
            "id",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    assignment_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("assessment_assignments.id", ondelete="CASCADE")
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str | None] = mapped_column(sa.Text, default=None)
    media_asset_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, default=None, index=True)
    status: Mapped[str] = mapped_column(sa.String(10), default="submitted")
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    points: Mapped[Decimal | None] = mapped_column(Points, default=None)
    feedback: Mapped[str | None] = mapped_column(sa.Text, default=None)
    graded_by: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    graded_at: Mapped[datetime | None] = mapped_column(default=None)


class GradeOverride(TenantScoped, Base):
    """An instructor's percent replacing a learner's grade on one item of the
    gradebook (``item_key`` an item key such as ``assignment:<uuid>``) or their
    total (``item_key = "total"``), with the reason (required)."""

    __tablename__ = "assessment_grade_overrides"
    __table_args__ = (
        sa.UniqueConstraint("course_id", "user_id", "item_key"),
        sa.CheckConstraint("percent >= 0 AND percent <= 10000", name="percent"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    course_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("courses.id", ondelete="CASCADE")
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    item_key: Mapped[str] = mapped_column(sa.String(80))
    percent: Mapped[Decimal] = mapped_column(Points)
    reason: Mapped[str] = mapped_column(sa.String(500))
    set_by: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    set_at: Mapped[datetime] = mapped_column(default=utcnow)
