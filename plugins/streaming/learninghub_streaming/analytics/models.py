"""Tables of the analytics part (docs/design/streaming-contracts.md, "analytics")."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from learninghub.db import Base, TenantScoped, utcnow

#: buckets of a view's coverage: bucket i is [i·D/100, (i+1)·D/100) of duration D
BUCKETS = 100


class View(TenantScoped, Base):
    """One playback session of a stream: the player makes ``id`` (a UUID4) when the
    page loads and sends it with every heartbeat. ``coverage`` is the set of
    1 %-buckets of the duration played in this view, a 100-bit mask in hexadecimal
    (bucket i is bit i); ``watched_s`` the media seconds played; ``position_s`` the
    last position reported."""

    __tablename__ = "streaming_views"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    stream_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("streaming_streams.id", ondelete="CASCADE"), index=True
    )
    lesson_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("lessons.id", ondelete="SET NULL"), default=None, index=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_beat_at: Mapped[datetime] = mapped_column(default=utcnow)
    position_s: Mapped[float] = mapped_column(sa.Float, default=0.0)
    watched_s: Mapped[float] = mapped_column(sa.Float, default=0.0)
    coverage: Mapped[str] = mapped_column(sa.String(32), default="0")
