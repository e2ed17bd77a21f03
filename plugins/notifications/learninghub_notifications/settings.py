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
    push_ttl_seconds: int = Field(
        86400,
        ge=0,
        le=28 * 86400,
        description="How long a browser's push service keeps a web push for a device that "
        "is offline (seconds; 0: now or never).",
    )
    push_allow_loopback: bool = Field(
        False,
        description="Accept push subscription endpoints on loopback addresses over http "
        "(development and tests). Instance-wide only.",
        json_schema_extra={"instance_only": True},
    )
    push_timeout_seconds: float = Field(
        10.0,
        gt=0,
        le=60,
        description="Seconds to wait for a push service (to connect, then for each read). "
        "Instance-wide only.",
        json_schema_extra={"instance_only": True},
    )
