"""Per-tenant settings of the reviews plugin."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

#: hard ceiling of a review's text (and of the API's body field)
BODY_CHARS_CEILING = 5_000


class ReviewsSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_progress_percent: int = Field(
        0,
        ge=0,
        le=100,
        description="Course progress a learner needs before reviewing the course (0: none).",
    )
    page_size: int = Field(10, ge=1, le=100, description="Reviews per page on the reviews page.")
    landing_reviews: int = Field(
        3, ge=0, le=20, description="Latest reviews shown on the course's landing page."
    )
