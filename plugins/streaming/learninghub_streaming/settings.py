"""Per-tenant settings of the streaming plugin (docs/plugins/streaming.md)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class StreamingSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    segment_seconds: int = Field(
        4, ge=2, le=10, description="Length of the HLS segments (and the keyframe interval)."
    )
    max_height: int = Field(
        1080,
        description="Tallest rendition of the ladder (360, 720 or 1080); never above the source.",
    )
