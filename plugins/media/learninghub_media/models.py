"""Tables of the media plugin (prefix ``media_``)."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from learninghub.db import Base, TenantScoped, new_id, utcnow

ASSET_STATUSES = ("uploading", "ready", "rejected", "quarantined")


class MediaAsset(TenantScoped, Base):
    """A stored file. ``content_type`` is sniffed from the bytes, never taken from the
    name or the request; ``filename`` is for display only (sanitized). The bytes live
    in the storage service under ``storage_key``; ``thumbnail_key`` (images) and
    ``poster_key`` (videos: a frame) are empty until one was made. Only ``ready`` assets are ever delivered."""

    __tablename__ = "media_assets"
    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('uploading', 'ready', 'rejected', 'quarantined')", name="status"
        ),
        sa.Index("ix_media_assets_tenant_owner_created", "tenant_id", "owner_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    filename: Mapped[str] = mapped_column(sa.String(255), default="")
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    storage_key: Mapped[str] = mapped_column(sa.String(300))
    status: Mapped[str] = mapped_column(sa.String(20), default="uploading")
    #: why an asset is rejected or quarantined (the scanner's verdict), else empty
    status_reason: Mapped[str] = mapped_column(sa.String(300), default="")
    width: Mapped[int | None] = mapped_column(default=None)
    height: Mapped[int | None] = mapped_column(default=None)
    duration_s: Mapped[int | None] = mapped_column(default=None)
    thumbnail_key: Mapped[str] = mapped_column(sa.String(300), default="")
    poster_key: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def is_ready(self) -> bool:
        return self.status == "ready"


class MediaUpload(TenantScoped, Base):
    """A resumable (tus) upload in progress. ``upload_offset`` bytes were received,
    stored as chunks in the storage service's temporary area; ``asset_id`` is set
    when the last chunk made the asset. Rows of finished or expired uploads are
    deleted with their chunks."""

    __tablename__ = "media_uploads"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    owner_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(sa.String(255), default="")
    upload_length: Mapped[int] = mapped_column(sa.BigInteger)
    upload_offset: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    asset_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()


class MediaAttachment(TenantScoped, Base):
    """Where an asset is used (``attach``): a lesson, a course thumbnail... The owner
    is named, not referenced: the owning plugin may be disabled."""

    __tablename__ = "media_attachments"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "asset_id", "owner_kind", "owner_id"),
        sa.Index("ix_media_attachments_owner", "tenant_id", "owner_kind", "owner_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    asset_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("media_assets.id", ondelete="CASCADE"), index=True
    )
    owner_kind: Mapped[str] = mapped_column(sa.String(40))
    owner_id: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
