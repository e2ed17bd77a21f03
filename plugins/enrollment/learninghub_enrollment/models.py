"""Tables of the enrollment plugin: ``enrollments`` and ``lesson_progress``.

The names are fixed by docs/design/catalog-contracts.md. They do not carry the usual
``enrollment_`` prefix, so the installer's purge names them explicitly.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learninghub.db import Base, TenantScoped, new_id, utcnow
from learninghub.identity import User

STATUSES = ("active", "cancelled", "expired", "completed")
SOURCES = ("free", "purchase", "admin", "code")
#: statuses that give access to the course (within the access window)
ACCESS_STATUSES = ("active", "completed")


class Enrollment(TenantScoped, Base):
    """One learner in one course (at most one row per course and user; unenrolling
    and enrolling again reuse the row and keep the progress).

    ``progress_percent`` = completed published lessons / published lessons, floored,
    recomputed in the transaction of every progress change. ``completed_at`` is set
    once, when the progress first reaches 100 %: ``course.completed`` is emitted
    then and never again for this enrolment. Access needs a status in
    :data:`ACCESS_STATUSES` and ``starts_at <= now < expires_at`` (each bound
    optional); the expiry task turns lapsed rows into ``expired``."""

    __tablename__ = "enrollments"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "course_id", "user_id"),
        sa.CheckConstraint(
            "status IN ('active', 'cancelled', 'expired', 'completed')", name="status"
        ),
        sa.CheckConstraint("source IN ('free', 'purchase', 'admin', 'code')", name="source"),
        sa.CheckConstraint(
            "progress_percent >= 0 AND progress_percent <= 100", name="progress_percent"
        ),
        sa.Index("ix_enrollments_tenant_user_status", "tenant_id", "user_id", "status"),
        sa.Index("ix_enrollments_tenant_course_enrolled", "tenant_id", "course_id", "enrolled_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    course_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("courses.id", ondelete="CASCADE")
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(sa.String(20), default="active")
    source: Mapped[str] = mapped_column(sa.String(20), default="free")
    enrolled_at: Mapped[datetime] = mapped_column(default=utcnow)
    starts_at: Mapped[datetime | None] = mapped_column(default=None)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    completed_at: Mapped[datetime | None] = mapped_column(default=None)
    progress_percent: Mapped[int] = mapped_column(default=0)
    #: the lesson the learner touched last ("continue where you left off")
    last_lesson_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("lessons.id", ondelete="SET NULL"), default=None
    )
    #: the learner; loaded only when asked for (``joinedload``), never lazily
    user: Mapped[User] = relationship(lazy="raise", viewonly=True)

    def has_access_at(self, now: datetime) -> bool:
        return (
            self.status in ACCESS_STATUSES
            and (self.starts_at is None or self.starts_at <= now)
            and (self.expires_at is None or now < self.expires_at)
        )


class LessonProgress(TenantScoped, Base):
    """A learner's progress in one lesson: completed (``completed_at``) and the last
    media position in seconds."""

    __tablename__ = "lesson_progress"
    __table_args__ = (sa.CheckConstraint("position_s >= 0", name="position_s"),)

    #: the primary key (enrollment, lesson) is the contract's unique pair
    enrollment_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("enrollments.id", ondelete="CASCADE"), primary_key=True
    )
    lesson_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("lessons.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    completed_at: Mapped[datetime | None] = mapped_column(default=None)
    position_s: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
