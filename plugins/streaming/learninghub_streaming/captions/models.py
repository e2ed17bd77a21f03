"""Tables of the captions part (docs/design/streaming-contracts.md, "captions")."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from learninghub.db import Base, TenantScoped, new_id, utcnow

CAPTION_KINDS = ("subtitles", "captions")


class Caption(TenantScoped, Base):
    """One WebVTT track of a media asset in one language (``language`` is a BCP 47
    tag); ``vtt`` is the validated WebVTT text (SRT uploads are converted)."""

    __tablename__ = "streaming_captions"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "asset_id", "language", "kind"),
        sa.CheckConstraint("kind IN ('subtitles', 'captions')", name="kind"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    asset_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("media_assets.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[str] = mapped_column(sa.String(35))
    label: Mapped[str] = mapped_column(sa.String(100), default="")
    kind: Mapped[str] = mapped_column(sa.String(20), default="subtitles")
    vtt: Mapped[str] = mapped_column(sa.Text, default="")
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
