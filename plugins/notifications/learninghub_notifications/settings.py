"""Per-tenant settings of the notifications plugin."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class NotificationsSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    poll_seconds: int = Field(
        30,
        ge=1,
        le=3600,
        description="How often open pages ask for the unread count of the bell (seconds).",
    )
    max_attempts: int = Field(
        6,
        ge=1,
        le=20,
        description="Attempts of an email or push delivery before it is marked failed "
        "(retried with a growing delay between them).",
    )
