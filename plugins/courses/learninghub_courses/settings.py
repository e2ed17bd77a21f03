"""Per-tenant settings of the courses plugin."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class CoursesSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    publish_without_review: bool = Field(
        False,
        description="Instructors publish their courses directly, without an admin's review.",
    )
    page_size: int = Field(12, ge=1, le=100, description="Courses per catalog page.")
    default_currency: str = Field(
        "EUR", min_length=3, max_length=3, description="Currency proposed for new courses."
    )
