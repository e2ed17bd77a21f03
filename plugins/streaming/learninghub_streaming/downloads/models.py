"""Tables of the downloads part (docs/design/streaming-contracts.md, "downloads and
bookmarks")."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from learninghub.db import Base, TenantScoped, new_id, utcnow


class Download(TenantScoped, Base):
    """One offline download of a stream's download file (counted per user)."""

    __tablename__ = "streaming_downloads"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    stream_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("streaming_streams.id", ondelete="CASCADE"), index=True
    )
    lesson_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("lessons.id", ondelete="SET NULL"), default=None
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Bookmark(TenantScoped, Base):
    """A learner's bookmark at a moment of a stream, with a note."""

    __tablename__ = "streaming_bookmarks"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    stream_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("streaming_streams.id", ondelete="CASCADE"), index=True
    )
    lesson_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("lessons.id", ondelete="SET NULL"), default=None
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    position_s: Mapped[float] = mapped_column(sa.Float, default=0.0)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
