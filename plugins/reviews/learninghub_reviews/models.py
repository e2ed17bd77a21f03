"""Tables of the reviews plugin: ``reviews``, ``review_votes``, ``review_reports``.

The names are fixed by docs/design/catalog-contracts.md. They do not carry the usual
``reviews_`` prefix, so the installer's purge names them explicitly.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learninghub.db import Base, TenantScoped, new_id, utcnow
from learninghub.identity import User


class Review(TenantScoped, Base):
    """One learner's review of one course (at most one per course and user).

    ``body`` is plain text (shown escaped; no HTML is accepted). ``instructor_reply``
    is the course staff's public answer (empty: none). ``helpful_count`` is kept in
    the transaction of every vote. Hidden reviews (moderation) are left out of lists
    and of the rating summary."""

    __tablename__ = "reviews"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "course_id", "user_id"),
        sa.CheckConstraint("rating >= 1 AND rating <= 5", name="rating"),
        sa.CheckConstraint("helpful_count >= 0", name="helpful_count"),
        sa.Index("ix_reviews_tenant_course_created", "tenant_id", "course_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    course_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("courses.id", ondelete="CASCADE")
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    rating: Mapped[int] = mapped_column()
    body: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    instructor_reply: Mapped[str] = mapped_column(sa.Text, default="")
    replied_at: Mapped[datetime | None] = mapped_column(default=None)
    replied_by: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    helpful_count: Mapped[int] = mapped_column(default=0)
    hidden: Mapped[bool] = mapped_column(default=False)

    #: the author; loaded only when asked for (``joinedload``), never lazily
    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="raise", viewonly=True)


class ReviewVote(TenantScoped, Base):
    """A "helpful" vote: one per user and review (the primary key)."""

    __tablename__ = "review_votes"

    review_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("reviews.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class ReviewReport(TenantScoped, Base):
    """A report for moderation: one per user and review."""

    __tablename__ = "review_reports"
    __table_args__ = (sa.UniqueConstraint("review_id", "user_id"),)

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    review_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("reviews.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
