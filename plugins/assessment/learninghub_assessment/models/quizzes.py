"""Quizzes and attempts: ``assessment_quizzes``, ``assessment_attempts``,
``assessment_answers`` and ``assessment_score_changes`` (revision ``as0002``).

A quiz is a lesson of type ``quiz`` (one row per lesson). An attempt keeps a snapshot
of its questions (ids, versions, points, shuffle seeds) so that a later change of the
bank does not move the questions under a learner; a regrade updates the snapshot's
points of the question it regrades (see docs/plugins/assessment-quizzes.md).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from learninghub.db import Base, TenantScoped, new_id, utcnow

from .types import Points

QUIZ_MODES = ("fixed", "random")
NAVIGATIONS = ("free", "sequential")
FEEDBACK_MODES = ("immediate", "after_due", "never")
GRADING_POLICIES = ("highest", "latest")
ATTEMPT_STATUSES = ("in_progress", "submitted", "graded")
CLOSED_BY = ("submit", "deadline")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Quiz(TenantScoped, Base):
    """The quiz of one lesson. ``question_ids`` (mode ``fixed``) are bank questions in
    order; ``draw_rules`` (mode ``random``) are ``[{"tags": [...], "difficulty":
    "easy"|"medium"|"hard"|None, "count": n}]`` drawn at each attempt's start.
    ``closes_at`` is the due date: no start after it, no answer after it (plus the
    tenant's grace)."""

    __tablename__ = "assessment_quizzes"
    __table_args__ = (
        sa.CheckConstraint(_in("mode", QUIZ_MODES), name="mode"),
        sa.CheckConstraint(_in("navigation", NAVIGATIONS), name="navigation"),
        sa.CheckConstraint(_in("feedback", FEEDBACK_MODES), name="feedback"),
        sa.CheckConstraint(_in("grading_policy", GRADING_POLICIES), name="grading_policy"),
        sa.CheckConstraint("passing_percent >= 0 AND passing_percent <= 10000", name="passing"),
        sa.CheckConstraint("weight >= 0", name="weight"),
        sa.Index("ix_assessment_quizzes_tenant_course", "tenant_id", "course_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    lesson_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("lessons.id", ondelete="CASCADE"), unique=True
    )
    course_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("courses.id", ondelete="CASCADE")
    )
    intro: Mapped[str] = mapped_column(sa.Text, default="")
    mode: Mapped[str] = mapped_column(sa.String(10), default="fixed")
    question_ids: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    draw_rules: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    shuffle_questions: Mapped[bool] = mapped_column(default=False)
    shuffle_options: Mapped[bool] = mapped_column(default=False)
    time_limit_s: Mapped[int | None] = mapped_column(default=None)
    max_attempts: Mapped[int | None] = mapped_column(default=None)
    passing_percent: Mapped[Decimal] = mapped_column(Points, default=Decimal("50.00"))
    opens_at: Mapped[datetime | None] = mapped_column(default=None)
    closes_at: Mapped[datetime | None] = mapped_column(default=None)
    navigation: Mapped[str] = mapped_column(sa.String(12), default="free")
    feedback: Mapped[str] = mapped_column(sa.String(12), default="immediate")
    grading_policy: Mapped[str] = mapped_column(sa.String(10), default="highest")
    weight: Mapped[Decimal] = mapped_column(Points, default=Decimal("1.00"))
    required: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Attempt(TenantScoped, Base):
    """One learner's attempt at a quiz. ``deadline_at`` = min(start + time limit,
    closes_at) (None: no limit). ``questions`` is the snapshot: ``[{"id", "version",
    "points", "seed"}]`` in the order shown. ``current_index`` is the question a
    sequential attempt is on (those before it are locked)."""

    __tablename__ = "assessment_attempts"
    __table_args__ = (
        sa.UniqueConstraint("quiz_id", "user_id", "number"),
        sa.CheckConstraint(_in("status", ATTEMPT_STATUSES), name="status"),
        sa.CheckConstraint(f"closed_by IS NULL OR {_in('closed_by', CLOSED_BY)}", name="closed"),
        sa.Index("ix_assessment_attempts_tenant_quiz_user", "tenant_id", "quiz_id", "user_id"),
        sa.Index(
            "ix_assessment_attempts_tenant_status_deadline", "tenant_id", "status", "deadline_at"
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    quiz_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("assessment_quizzes.id", ondelete="CASCADE")
    )
    course_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("courses.id", ondelete="CASCADE")
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="CASCADE")
    )
    number: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(sa.String(12), default="in_progress")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    deadline_at: Mapped[datetime | None] = mapped_column(default=None)
    submitted_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_by: Mapped[str | None] = mapped_column(sa.String(10), default=None)
    graded_at: Mapped[datetime | None] = mapped_column(default=None)
    score: Mapped[Decimal | None] = mapped_column(Points, default=None)
    max_score: Mapped[Decimal | None] = mapped_column(Points, default=None)
    percent: Mapped[Decimal | None] = mapped_column(Points, default=None)
    passed: Mapped[bool | None] = mapped_column(default=None)
    questions: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    current_index: Mapped[int] = mapped_column(default=0)


class Answer(TenantScoped, Base):
    """The response to one question of an attempt (a row per question, made at the
    start). ``question_id`` has no foreign key: the bank's rows may be deleted while
    past attempts keep their answers and scores."""

    __tablename__ = "assessment_answers"
    __table_args__ = (
        sa.UniqueConstraint("attempt_id", "question_id"),
        sa.Index("ix_assessment_answers_tenant_question", "tenant_id", "question_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    attempt_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("assessment_attempts.id", ondelete="CASCADE")
    )
    question_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    position: Mapped[int] = mapped_column(default=0)
    response: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON, default=None)
    saved_at: Mapped[datetime | None] = mapped_column(default=None)
    points: Mapped[Decimal | None] = mapped_column(Points, default=None)
    max_points: Mapped[Decimal] = mapped_column(Points, default=Decimal("0.00"))
    needs_manual: Mapped[bool] = mapped_column(default=False)
    graded_by: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    graded_at: Mapped[datetime | None] = mapped_column(default=None)
    feedback: Mapped[str | None] = mapped_column(sa.Text, default=None)
    graded_version: Mapped[int | None] = mapped_column(default=None)


class ScoreChange(TenantScoped, Base):
    """An audit row: an answer's points changed after grading (regrade, re-grade by
    hand)."""

    __tablename__ = "assessment_score_changes"
    __table_args__ = (
        sa.Index("ix_assessment_score_changes_tenant_attempt", "tenant_id", "attempt_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    answer_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("assessment_answers.id", ondelete="CASCADE")
    )
    attempt_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("assessment_attempts.id", ondelete="CASCADE")
    )
    quiz_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("assessment_quizzes.id", ondelete="CASCADE")
    )
    old: Mapped[Decimal | None] = mapped_column(Points, default=None)
    new: Mapped[Decimal | None] = mapped_column(Points, default=None)
    reason: Mapped[str] = mapped_column(sa.String(300), default="")
    changed_by: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
