"""Tables of the courses plugin: ``course_categories`` and ``courses``.

The names are fixed by docs/design/catalog-contracts.md (the content, enrollment and
reviews plugins point foreign keys at ``courses.id``); they do not carry the usual
``courses_`` prefix. The kernel knows them as the plugin's tables through these models.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from learninghub.db import Base, TenantScoped, new_id, utcnow

LEVELS = ("beginner", "intermediate", "advanced", "all")
STATUSES = ("draft", "in_review", "published", "archived")


class CourseCategory(TenantScoped, Base):
    """A node of the tenant's category tree (``parent_id`` null: a root)."""

    __tablename__ = "course_categories"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "slug"),)

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("course_categories.id", ondelete="SET NULL"), default=None
    )
    name: Mapped[str] = mapped_column(sa.String(120))
    slug: Mapped[str] = mapped_column(sa.String(120))
    position: Mapped[int] = mapped_column(default=0)


class Course(TenantScoped, Base):
    """A course of the catalog.

    ``description`` holds HTML sanitized with nh3 before it was stored.
    ``enrolment_count`` is kept by the enrollment plugin, ``rating_average`` and
    ``rating_count`` by the reviews plugin, all through
    :func:`learninghub_courses.services.bump_stats`."""

    __tablename__ = "courses"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "slug"),
        sa.CheckConstraint(
            "status IN ('draft', 'in_review', 'published', 'archived')", name="status"
        ),
        sa.CheckConstraint(
            "level IN ('beginner', 'intermediate', 'advanced', 'all')", name="level"
        ),
        sa.CheckConstraint("price_minor >= 0", name="price_minor"),
        sa.Index("ix_courses_tenant_status_published", "tenant_id", "status", "published_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    slug: Mapped[str] = mapped_column(sa.String(120))
    title: Mapped[str] = mapped_column(sa.String(200))
    subtitle: Mapped[str] = mapped_column(sa.String(300), default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    category_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid,
        sa.ForeignKey("course_categories.id", ondelete="SET NULL"),
        index=True,
        default=None,
    )
    tags: Mapped[list[Any]] = mapped_column(sa.JSON, default=list)
    level: Mapped[str] = mapped_column(sa.String(20), default="all")
    language: Mapped[str] = mapped_column(sa.String(20), default="en")
    price_minor: Mapped[int] = mapped_column(default=0)
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")
    #: a media asset; no foreign key, the media plugin may be disabled or absent
    thumbnail_asset_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, default=None)
    status: Mapped[str] = mapped_column(sa.String(20), default="draft")
    review_comment: Mapped[str] = mapped_column(sa.Text, default="")
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="SET NULL"), index=True, default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(default=None)
    enrolment_count: Mapped[int] = mapped_column(default=0, server_default="0")
    rating_average: Mapped[float] = mapped_column(sa.Float, default=0.0, server_default="0")
    rating_count: Mapped[int] = mapped_column(default=0, server_default="0")

    @property
    def is_free(self) -> bool:
        return self.price_minor == 0

    @property
    def is_published(self) -> bool:
        return self.status == "published"
