"""The question bank: ``assessment_questions`` (revision ``as0001``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from learninghub.db import Base, TenantScoped, new_id, utcnow

from ..questions.types import TYPES as QUESTION_TYPES
from .types import Points

DIFFICULTIES = ("easy", "medium", "hard")
QUESTION_STATUSES = ("active", "archived")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Question(TenantScoped, Base):
    """One question of a course's bank. ``spec`` holds the type's data *and its answer
    key*: never send it to a learner (``questions.types.learner_view``). ``version``
    grows by one on every change of type, prompt, spec or points; attempts record the
    version they were graded against."""

    __tablename__ = "assessment_questions"
    __table_args__ = (
        sa.CheckConstraint(_in("type", QUESTION_TYPES), name="type"),
        sa.CheckConstraint(_in("difficulty", DIFFICULTIES), name="difficulty"),
        sa.CheckConstraint(_in("status", QUESTION_STATUSES), name="status"),
        sa.CheckConstraint("points > 0", name="points"),
        sa.Index(
            "ix_assessment_questions_tenant_course_created", "tenant_id", "course_id", "created_at"
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    course_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("courses.id", ondelete="CASCADE")
    )
    type: Mapped[str] = mapped_column(sa.String(30))
    title: Mapped[str] = mapped_column(sa.String(200))
    prompt: Mapped[str] = mapped_column(sa.Text, default="")
    spec: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    points: Mapped[Decimal] = mapped_column(Points, default=Decimal("1.00"))
    tags: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    difficulty: Mapped[str] = mapped_column(sa.String(10), default="medium")
    media_asset_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, default=None)
    version: Mapped[int] = mapped_column(sa.Integer, default=1)
    status: Mapped[str] = mapped_column(sa.String(10), default="active")
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
