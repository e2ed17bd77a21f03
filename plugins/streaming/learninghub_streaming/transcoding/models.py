"""Tables of the transcoding part (docs/design/streaming-contracts.md, "transcoding")."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from learninghub.db import Base, TenantScoped, new_id, utcnow

STREAM_STATUSES = ("queued", "processing", "ready", "failed")


class Stream(TenantScoped, Base):
    """The HLS stream of one media asset. The files of a finished transcode live under
    ``published_prefix`` (empty until ``ready``); ``key_sealed`` is the AES-128 key of
    the segments, sealed with the kernel's secret box. ``renditions`` lists the
    ladder's media playlists: ``{name, width, height, bandwidth, playlist}``."""

    __tablename__ = "streaming_streams"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "asset_id"),
        sa.CheckConstraint("status IN ('queued', 'processing', 'ready', 'failed')", name="status"),
        sa.CheckConstraint(
            "progress_percent >= 0 AND progress_percent <= 100", name="progress_percent"
        ),
        sa.CheckConstraint(
            "download_status IN ('none', 'queued', 'processing', 'ready', 'failed')",
            name="download_status",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    asset_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("media_assets.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(sa.String(20), default="queued")
    progress_percent: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(sa.Text, default="")
    attempts: Mapped[int] = mapped_column(default=0)
    duration_s: Mapped[float | None] = mapped_column(sa.Float, default=None)
    source_width: Mapped[int | None] = mapped_column(default=None)
    source_height: Mapped[int | None] = mapped_column(default=None)
    has_video: Mapped[bool] = mapped_column(default=False)
    has_audio: Mapped[bool] = mapped_column(default=False)
    renditions: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    segment_s: Mapped[int] = mapped_column(default=4)
    published_prefix: Mapped[str] = mapped_column(sa.String(300), default="")
    key_sealed: Mapped[str] = mapped_column(sa.Text, default="")
    key_id: Mapped[str] = mapped_column(sa.String(64), default="")
    #: the offline download (downloads part): allowed by an editor; the file (an MP4
    #: or, for audio, an MP3) made from the upload when allowed
    downloadable: Mapped[bool] = mapped_column(default=False)
    download_status: Mapped[str] = mapped_column(sa.String(20), default="none")
    download_key: Mapped[str] = mapped_column(sa.String(300), default="")
    download_size: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    download_error: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def is_ready(self) -> bool:
        return self.status == "ready"
