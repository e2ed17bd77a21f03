"""Tables of the content plugin: ``course_sections``, ``lessons``, ``lesson_versions``.

Names follow docs/design/catalog-contracts.md (the contract between the catalog
plugins), not the usual ``<plugin>_`` prefix.

A lesson's content lives in versions: every edit adds a version (a draft), and
publishing points ``lessons.published_version_id`` at one. Learners only ever see
the published version; staff may preview the newest one.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from learninghub.db import Base, TenantScoped, new_id, utcnow

BUILTIN_TYPES = ("text", "video", "audio", "file", "embed")


class CourseSection(TenantScoped, Base):
    """A chapter of a course's curriculum, ordered by ``position``."""

    __tablename__ = "course_sections"
    __table_args__ = (sa.Index("ix_course_sections_course_position", "course_id", "position"),)

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    course_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("courses.id", ondelete="CASCADE")
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    position: Mapped[int] = mapped_column(default=0)


class Lesson(TenantScoped, Base):
    """One lesson of a section. ``type`` is a built-in type or one from the
    ``learninghub_content_lesson_types`` hook. ``status`` is ``published`` once a
    version was published (``published_version_id``)."""

    __tablename__ = "lessons"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "course_id", "slug"),
        sa.CheckConstraint("status IN ('draft', 'published')", name="status"),
        sa.Index("ix_lessons_course_position", "course_id", "position"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    course_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("courses.id", ondelete="CASCADE")
    )
    section_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("course_sections.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    slug: Mapped[str] = mapped_column(sa.String(120))
    type: Mapped[str] = mapped_column(sa.String(40), default="text")
    position: Mapped[int] = mapped_column(default=0)
    is_free_preview: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(sa.String(20), default="draft")
    # no FK: versions point back at their lesson, and the cycle would complicate
    # deletes; the service keeps it consistent
    published_version_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, default=None)
    duration_s: Mapped[int | None] = mapped_column(default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def is_published(self) -> bool:
        return self.status == "published" and self.published_version_id is not None


class LessonVersion(TenantScoped, Base):
    """One immutable state of a lesson's content. ``body`` is sanitized HTML (text
    lessons; Markdown sources are kept in ``data["markdown"]``), ``media_asset_id``
    a media asset (video, audio, file), ``embed_url`` the provider's normalised embed
    URL, ``data`` anything a plugin-provided type needs."""

    __tablename__ = "lesson_versions"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "lesson_id", "number"),
        sa.Index("ix_lesson_versions_media_asset_id", "media_asset_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    lesson_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("lessons.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(default=1)
    body: Mapped[str] = mapped_column(sa.Text, default="")
    # no FK: the media plugin may be disabled for a tenant (its rows stay)
    media_asset_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, default=None)
    embed_url: Mapped[str] = mapped_column(sa.String(500), default="")
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
