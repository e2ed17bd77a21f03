"""Per-tenant settings of the assessment plugin."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class AssessmentSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    deadline_grace_s: int = Field(
        10,
        ge=0,
        le=300,
        description="Seconds after a time limit or due date during which answers are still "
        "accepted (network latency); after it they are refused.",
    )
    page_size: int = Field(
        50, ge=5, le=200, description="Rows per page of the question bank, queues and gradebook."
    )
