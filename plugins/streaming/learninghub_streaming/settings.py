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
    complete_percent: int = Field(
        90,
        ge=1,
        le=100,
        description="Share of a video or audio lesson (in percent of its duration) a learner "
        "must have played for the lesson to complete by itself.",
    )
    playback_ttl_seconds: int = Field(
        14400,
        ge=300,
        le=86400,
        description="How long the signed playlist and segment URLs of one page load stay "
        "valid (a longer video gets at least twice its duration).",
    )
    key_token_seconds: int = Field(
        120,
        ge=10,
        le=3600,
        description="How long the token of the decryption key URL stays valid.",
    )
    heartbeat_seconds: int = Field(
        10, ge=2, le=60, description="How often the player reports the position and play."
    )
