"""Tables of the announcements plugin (prefix ``announcements_``)."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from learninghub.db import Base, TenantScoped, new_id, utcnow


class Announcement(TenantScoped, Base):
    """A message from an admin, an instructor or a course's staff.

    Tenant-wide when ``scope_type`` is null; otherwise it belongs to one scope
    (``scope_type="course"``, ``scope_id`` = the course's id), whose owning plugin
    says who may post and read there (the hooks of :mod:`.hookspecs`).
    ``body`` holds HTML that was sanitized with nh3 before it was stored.
    ``emailed_at`` is set by the email task once every recipient was sent the
    announcement; a retried task sees it and sends nothing."""

    __tablename__ = "announcements_announcements"
    __table_args__ = (
        sa.CheckConstraint("status IN ('draft', 'published', 'archived')", name="status"),
        sa.Index(
            "ix_announcements_announcements_tenant_status_published",
            "tenant_id",
            "status",
            "published_at",
        ),
        sa.Index(
            "ix_announcements_announcements_tenant_scope_status_published",
            "tenant_id",
            "scope_type",
            "scope_id",
            "status",
            "published_at",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(20), default="draft")
    author_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="SET NULL"), index=True, default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)  # content edits only
    published_at: Mapped[datetime | None] = mapped_column(default=None)
    emailed_at: Mapped[datetime | None] = mapped_column(default=None)
    #: null: tenant-wide; else the kind of scope (``course``) and its id, as a string
    scope_type: Mapped[str | None] = mapped_column(sa.String(40), default=None)
    scope_id: Mapped[str | None] = mapped_column(sa.String(64), default=None)

    @property
    def is_published(self) -> bool:
        return self.status == "published"

    @property
    def is_scoped(self) -> bool:
        return self.scope_type is not None
