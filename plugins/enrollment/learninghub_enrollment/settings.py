"""Per-tenant settings of the enrollment plugin."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class EnrollmentSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    self_enrolment: bool = Field(
        True,
        description="Learners enrol themselves in free courses (off: only admins enrol).",
    )
    access_days: int = Field(
        0,
        ge=0,
        le=3650,
        description="Days of access given by a free self-enrolment (0: no expiry).",
    )
    roster_page_size: int = Field(
        50, ge=5, le=100, description="Learners per page on the instructor roster."
    )
